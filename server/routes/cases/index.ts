import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyReply } from 'fastify'
import Type from 'typebox'
import {
  AGE_BANDS,
  CASE_LIST_LABELS,
  CASE_LISTS,
  CASE_ORIGINS,
  CASE_OUTCOME_LABELS,
  CASE_OUTCOMES,
  CASE_STATUS_LABELS,
  CASE_VERDICT_LABELS,
  CASE_VERDICTS,
  CONTACT_CHANNEL_LABELS,
  CONTACT_CHANNELS,
  CONTACT_RESULT_LABELS,
  CONTACT_RESULTS,
  SETTABLE_CASE_STATUSES,
  type CaseList,
} from '../../../db/vocabulary/index.ts'
import { parisTime } from '../../lib/paris-time.ts'
import { MODALITY_LABELS } from '../../services/appointment-notification.service.ts'
import { ORIGIN_LABELS, type InboxFilters } from '../../services/case.service.ts'
import { historyLine } from './view.ts'

/** University staff reach the case pages only to get the same 404 as another Mission Locale. */
const readers = { access: ['counsellor', 'ml_manager', 'admin', 'university_staff'] as const, html: true }
const managers = { access: ['ml_manager', 'admin'] as const, html: true }
const Uuid = Type.String({ format: 'uuid' })
const UUID = '[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}'
/** A select's « all » option sends an empty value. */
const UuidOrEmpty = Type.String({ pattern: `^(${UUID})?$` })
const IdParams = Type.Object({ id: Uuid })
const csrf = { _csrf: Type.Optional(Type.String({ maxLength: 200 })) }
const Empty = Type.Object({ ...csrf })
const Done = Type.Object({ fait: Type.Optional(Type.String({ maxLength: 20 })) })

const InboxQuery = Type.Object({
  liste: Type.Optional(Type.Enum(CASE_LISTS)),
  origine: Type.Optional(Type.Union([Type.Enum(CASE_ORIGINS), Type.Literal('')])),
  lieu: Type.Optional(UuidOrEmpty),
  conseiller: Type.Optional(Type.String({ pattern: `^(${UUID}|none)?$` })),
  campagne: Type.Optional(UuidOrEmpty),
  age: Type.Optional(Type.Union([Type.Enum(AGE_BANDS), Type.Literal('')])),
  mineurs: Type.Optional(Type.Literal('on')),
  q: Type.Optional(Type.String({ maxLength: 100 })),
  ml: Type.Optional(Uuid),
  fait: Type.Optional(Type.String({ maxLength: 20 })),
})

/** What was just done, shown once after the redirect (a fixed list: nothing from the URL is echoed). */
const DONE: Record<string, string> = {
  claim: 'Vous avez pris ce dossier.',
  assign: 'Dossier attribué.',
  note: 'Note enregistrée.',
  contact: 'Tentative de contact enregistrée.',
  status: 'Statut modifié.',
  close: 'Dossier clos.',
  reminders: 'Relances automatiques mises à jour.',
  attendance: 'Présence enregistrée.',
  bulk: 'Dossiers réattribués.',
}
const doneOf = (code: string | undefined) => (code && Object.hasOwn(DONE, code) ? DONE[code] : undefined)

const APPOINTMENT_LABELS = { booked: 'Prévu', cancelled: 'Annulé', held: 'Honoré', no_show: 'Absent·e' } as const
const MOMENT_LABELS = { matin: 'le matin', apres_midi: 'l’après-midi', soir: 'le soir' } as const

/**
 * The counsellors' inbox pages (docs/inbox.md): `/dossiers` (work lists, filters, counters that
 * follow new cases without reloading), `/dossiers/:id` (the case and every action as a form),
 * the printable hand-off, and the managers' load. Twins of /api/v1/cases….
 */
const plugin: FastifyPluginAsyncTypebox = async (fastify) => {
  const { cases, organisations } = fastify.services

  /** An admin reads one Mission Locale's queue at a time: the one asked, else the first. */
  async function adminMl(role: string, asked: string | undefined): Promise<{ missionLocaleId?: string }> {
    if (role !== 'admin') {
      return {}
    }
    const mls = (await organisations.list()).filter((o) => o.kind === 'mission_locale')
    const id = mls.find((o) => o.id === asked)?.id ?? mls[0]?.id
    return id ? { missionLocaleId: id } : {}
  }

  async function renderCase(reply: FastifyReply, id: string, extra: Record<string, unknown> = {}) {
    const c = await cases.get(reply.request.auditCtx(), id)
    const p = reply.request.requirePrincipal()
    const now = Date.now()
    return reply.page('pages/cases/show.hbs', {
      title: `Dossier ${c.name}`,
      c: {
        ...c,
        appointments: c.appointments.map((a) => ({
          ...a,
          time: `${parisTime(a.startsAt)}–${parisTime(a.endsAt)}`,
          modalityLabel: MODALITY_LABELS[a.modality],
          statusLabel: APPOINTMENT_LABELS[a.status],
          canMark: a.startsAt.getTime() <= now && a.status !== 'cancelled',
        })),
        history: c.history.map((h) => ({ ...h, text: historyLine(h, c.team) })).reverse(),
        moments: c.callback?.moments.map((m) => MOMENT_LABELS[m] ?? m).join(', '),
      },
      isOpen: c.status !== 'closed',
      isMine: c.assigneeId === p.userId,
      team: c.team.map((u) => ({ ...u, selected: u.id === c.assigneeId })),
      statuses: SETTABLE_CASE_STATUSES.map((s) => ({ value: s, label: CASE_STATUS_LABELS[s], selected: s === c.status })),
      outcomes: CASE_OUTCOMES.map((o) => ({ value: o, label: CASE_OUTCOME_LABELS[o] })),
      verdicts: CASE_VERDICTS.map((v) => ({ value: v, label: CASE_VERDICT_LABELS[v] })),
      channels: CONTACT_CHANNELS.map((v) => ({ value: v, label: CONTACT_CHANNEL_LABELS[v] })),
      results: CONTACT_RESULTS.map((v) => ({ value: v, label: CONTACT_RESULT_LABELS[v] })),
      notice: doneOf((reply.request.query as { fait?: string } | undefined)?.fait),
      ...extra,
    })
  }

  /** Runs an action; a refusal (400, 409) shows the page again with the reason, else back to the case. */
  async function act(reply: FastifyReply, id: string, done: string, run: () => Promise<unknown>) {
    try {
      await run()
    } catch (err) {
      const code = (err as { statusCode?: number }).statusCode
      if (code === 400 || code === 409) {
        reply.code(code)
        return renderCase(reply, id, { error: (err as Error).message })
      }
      throw err
    }
    return reply.redirect(`/dossiers/${id}?fait=${done}`, 303)
  }

  fastify.get('/dossiers', { config: readers, schema: { hide: true, querystring: InboxQuery } }, async (request, reply) => {
    const q = request.query
    const p = request.requirePrincipal()
    const filters: InboxFilters = {
      ...(q.origine ? { origin: q.origine } : {}),
      ...(q.lieu ? { siteId: q.lieu } : {}),
      ...(q.conseiller ? { assigneeId: q.conseiller } : {}),
      ...(q.campagne ? { campaignId: q.campagne } : {}),
      ...(q.age ? { ageBand: q.age } : {}),
      ...(q.mineurs ? { minors: true } : {}),
      ...(q.q?.trim() ? { q: q.q.trim() } : {}),
    }
    const list: CaseList = q.liste ?? 'a_traiter'
    const inbox = await cases.inbox(request.auditCtx(), { list, filters, ...(await adminMl(p.role, q.ml)) })
    const keep = new URLSearchParams()
    for (const [k, v] of Object.entries(q)) {
      if (k !== 'liste' && k !== 'fait' && typeof v === 'string' && v) {
        keep.set(k, v)
      }
    }
    const suffix = keep.toString() ? `&${keep.toString()}` : ''
    const toDo = inbox.counts.a_traiter + inbox.counts.prioritaire
    return reply.page('pages/cases/index.hbs', {
      title: toDo > 0 ? `(${toDo}) Dossiers` : 'Dossiers',
      list,
      listLabel: CASE_LIST_LABELS[list],
      tabs: CASE_LISTS.map((l) => ({
        value: l,
        label: CASE_LIST_LABELS[l],
        count: inbox.counts[l],
        href: `/dossiers?liste=${l}${suffix}`,
        current: l === list,
      })),
      rows: inbox.rows.map((r) => ({ ...r, mine: r.assigneeId === p.userId })),
      filtered: Object.keys(filters).length > 0,
      q: q.q ?? '',
      minors: q.mineurs === 'on',
      origins: CASE_ORIGINS.map((o) => ({ value: o, label: ORIGIN_LABELS[o], selected: o === q.origine })),
      places: inbox.places.map((pl) => ({ value: pl.id, label: pl.name, selected: pl.id === q.lieu })),
      team: inbox.team.map((u) => ({ value: u.id, label: u.fullName, selected: u.id === q.conseiller })),
      unassignedSelected: q.conseiller === 'none',
      campaign: q.campagne ?? '',
      ageBands: AGE_BANDS.map((a) => ({ value: a, label: `${a.replace('-', '–')} ans`, selected: a === q.age })),
      isManager: p.role === 'ml_manager' || p.role === 'admin',
      notice: doneOf(q.fait),
      pollUrl: `/api/v1/cases/counts${p.role === 'admin' ? `?missionLocaleId=${inbox.missionLocaleId}` : ''}`,
      scripts: ['/static/inbox.js'],
    })
  })

  fastify.post(
    '/dossiers/reattribuer',
    {
      config: managers,
      schema: {
        hide: true,
        body: Type.Object({ ...csrf, assigneeId: Uuid, caseIds: Type.Union([Uuid, Type.Array(Uuid, { maxItems: 500 })]) }),
      },
    },
    async (request, reply) => {
      const b = request.body
      const ml = await adminMl(request.requirePrincipal().role, undefined)
      await cases.bulkAssign(request.auditCtx(), Array.isArray(b.caseIds) ? b.caseIds : [b.caseIds], b.assigneeId, ml)
      return reply.redirect('/dossiers/charge?fait=bulk', 303)
    },
  )

  fastify.get('/dossiers/charge', { config: managers, schema: { hide: true, querystring: Done } }, async (request, reply) => {
    const p = request.requirePrincipal()
    const ml = await adminMl(p.role, undefined)
    const load = await cases.load(p, ml)
    const open = await cases.inbox(request.auditCtx(), { list: 'prioritaire', ...ml })
    return reply.page('pages/cases/load.hbs', {
      title: 'Charge de l’équipe',
      load,
      priority: open.rows,
      team: open.team,
      notice: doneOf(request.query.fait),
    })
  })

  fastify.get('/dossiers/:id', { config: readers, schema: { hide: true, params: IdParams, querystring: Done } }, async (request, reply) =>
    renderCase(reply, request.params.id),
  )

  fastify.get('/dossiers/:id/synthese', { config: readers, schema: { hide: true, params: IdParams } }, async (request, reply) => {
    const h = await cases.handoff(request.auditCtx(), request.params.id)
    return reply.page('pages/cases/handoff.hbs', { title: 'Synthèse pour le système d’information', h, scripts: ['/static/copy.js'] })
  })

  fastify.post(
    '/dossiers/:id/prendre',
    { config: readers, schema: { hide: true, params: IdParams, body: Empty } },
    async (request, reply) => act(reply, request.params.id, 'claim', () => cases.claim(request.auditCtx(), request.params.id)),
  )
  fastify.post(
    '/dossiers/:id/attribuer',
    { config: readers, schema: { hide: true, params: IdParams, body: Type.Object({ ...csrf, assigneeId: Uuid }) } },
    async (request, reply) =>
      act(reply, request.params.id, 'assign', () => cases.assign(request.auditCtx(), request.params.id, request.body.assigneeId)),
  )
  fastify.post(
    '/dossiers/:id/note',
    { config: readers, schema: { hide: true, params: IdParams, body: Type.Object({ ...csrf, text: Type.String({ maxLength: 4000 }) }) } },
    async (request, reply) =>
      act(reply, request.params.id, 'note', () => cases.addNote(request.auditCtx(), request.params.id, request.body.text)),
  )
  fastify.post(
    '/dossiers/:id/contact',
    {
      config: readers,
      schema: {
        hide: true,
        params: IdParams,
        body: Type.Object({
          ...csrf,
          channel: Type.Enum(CONTACT_CHANNELS),
          result: Type.Enum(CONTACT_RESULTS),
          note: Type.Optional(Type.String({ maxLength: 4000 })),
        }),
      },
    },
    async (request, reply) =>
      act(reply, request.params.id, 'contact', () =>
        cases.contactAttempt(request.auditCtx(), request.params.id, {
          channel: request.body.channel,
          result: request.body.result,
          note: request.body.note ?? null,
        }),
      ),
  )
  fastify.post(
    '/dossiers/:id/statut',
    {
      config: readers,
      schema: { hide: true, params: IdParams, body: Type.Object({ ...csrf, status: Type.Enum(SETTABLE_CASE_STATUSES) }) },
    },
    async (request, reply) =>
      act(reply, request.params.id, 'status', () => cases.setStatus(request.auditCtx(), request.params.id, request.body.status)),
  )
  fastify.post(
    '/dossiers/:id/cloturer',
    {
      config: readers,
      schema: {
        hide: true,
        params: IdParams,
        body: Type.Object({
          ...csrf,
          outcome: Type.Enum(CASE_OUTCOMES),
          verdict: Type.Optional(Type.Union([Type.Enum(CASE_VERDICTS), Type.Literal('')])),
        }),
      },
    },
    async (request, reply) =>
      act(reply, request.params.id, 'close', () =>
        cases.close(request.auditCtx(), request.params.id, { outcome: request.body.outcome, verdict: request.body.verdict || null }),
      ),
  )
  fastify.post(
    '/dossiers/:id/relances',
    {
      config: readers,
      schema: { hide: true, params: IdParams, body: Type.Object({ ...csrf, paused: Type.Union([Type.Literal('1'), Type.Literal('0')]) }) },
    },
    async (request, reply) =>
      act(reply, request.params.id, 'reminders', () =>
        cases.setRemindersPaused(request.auditCtx(), request.params.id, request.body.paused === '1'),
      ),
  )
}
export default plugin
