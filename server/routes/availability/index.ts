import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyReply } from 'fastify'
import Type from 'typebox'
import { SITE_MODALITIES } from '../../../db/vocabulary/index.ts'
import { parisDay, parisTime, parisToUtc } from '../../lib/paris-time.ts'
import { MODALITY_LABELS } from '../../services/appointment-notification.service.ts'
import type { Principal } from '../../services/access.ts'

const read = { access: ['counsellor', 'ml_manager', 'admin'] as const, html: true }
const write = { access: ['ml_manager', 'admin'] as const, html: true }
const WEEKDAYS = ['lundi', 'mardi', 'mercredi', 'jeudi', 'vendredi', 'samedi', 'dimanche']
const Uuid = Type.String({ format: 'uuid' })
const Day = Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$', maxLength: 10 })
const MlQuery = Type.Object({ ml: Type.Optional(Uuid) })
const IdParams = Type.Object({ id: Uuid })
const csrf = { _csrf: Type.Optional(Type.String({ maxLength: 200 })) }
const mlField = { ml: Type.Optional(Uuid) }

const SettingsForm = Type.Object({
  ...csrf,
  ...mlField,
  minNoticeHours: Type.Number({ minimum: 0, maximum: 336 }),
  horizonDays: Type.Integer({ minimum: 1, maximum: 180 }),
  bookingAckWorkingDays: Type.Optional(Type.Integer({ minimum: 1, maximum: 10 })),
  callbackDueWorkingDays: Type.Optional(Type.Integer({ minimum: 1, maximum: 10 })),
  closedOnPublicHolidays: Type.Optional(Type.Literal('on')),
  publicPhone: Type.Optional(Type.String({ maxLength: 30 })),
  publicEmail: Type.Optional(Type.String({ maxLength: 200 })),
})
const RuleForm = Type.Object({
  ...csrf,
  ...mlField,
  counsellorId: Uuid,
  siteId: Type.Optional(Type.String({ maxLength: 40 })),
  modality: Type.Enum(SITE_MODALITIES),
  weekday: Type.Integer({ minimum: 1, maximum: 7 }),
  startTime: Type.String({ pattern: '^\\d{2}:\\d{2}$' }),
  endTime: Type.String({ pattern: '^\\d{2}:\\d{2}$' }),
  slotMinutes: Type.Integer({ minimum: 10, maximum: 240 }),
})
const ExceptionForm = Type.Object({
  ...csrf,
  ...mlField,
  counsellorId: Type.Optional(Type.String({ maxLength: 40 })),
  fromDay: Day,
  toDay: Day,
  reason: Type.String({ minLength: 1, maxLength: 200 }),
})
const DeleteForm = Type.Object({ ...csrf, ...mlField })

/**
 * Staff pages of the journey: availability of a Mission Locale (its counsellors read, its
 * managers and admins change it) and the appointments of a day per place. Twins of
 * /api/v1/missions-locales/:id/availability and /api/v1/appointments.
 */
const plugin: FastifyPluginAsyncTypebox = async (fastify) => {
  const { availability, cases, routing, users, organisations } = fastify.services

  /** The Mission Locale shown: the person's own; an admin picks one (default: the first). */
  async function missionLocaleOf(p: Principal, asked?: string): Promise<string> {
    if (p.role !== 'admin') {
      return p.organisationId
    }
    const mls = (await organisations.list()).filter((o) => o.kind === 'mission_locale')
    return mls.find((o) => o.id === asked)?.id ?? (mls[0]?.id as string)
  }

  async function render(reply: FastifyReply, mlId: string, extra: Record<string, unknown> = {}) {
    const p = reply.request.requirePrincipal()
    const [settings, rules, exceptions, places, team, orgs] = [
      await availability.settings(p, mlId),
      await availability.rules(p, mlId),
      await availability.exceptions(p, mlId),
      await routing.places(mlId),
      await users.list(p),
      await organisations.list(),
    ]
    return reply.page('pages/availability/index.hbs', {
      title: 'Disponibilités',
      ml: mlId,
      missionLocales:
        p.role === 'admin' ? orgs.filter((o) => o.kind === 'mission_locale').map((o) => ({ ...o, selected: o.id === mlId })) : [],
      canEdit: p.role === 'ml_manager' || p.role === 'admin',
      settings: { ...settings, minNoticeHours: settings.minNoticeMinutes / 60 },
      rules: rules.map((r) => ({
        ...r,
        weekdayLabel: WEEKDAYS[r.weekday - 1],
        startTime: r.startTime.slice(0, 5),
        endTime: r.endTime.slice(0, 5),
        modalityLabel: MODALITY_LABELS[r.modality],
      })),
      exceptions: exceptions.map((e) => ({ ...e, from: parisDay(e.startsAt), to: parisDay(new Date(e.endsAt.getTime() - 1)) })),
      places,
      counsellors: team.filter((u) => u.organisationId === mlId && (u.role === 'counsellor' || u.role === 'ml_manager') && u.active),
      modalities: SITE_MODALITIES.map((m) => ({ value: m, label: MODALITY_LABELS[m] })),
      weekdays: WEEKDAYS.map((label, i) => ({ value: i + 1, label })),
      ...extra,
    })
  }

  /** Runs a change; a refusal (400) shows the page again with the reason, else back to the page. */
  async function change(reply: FastifyReply, mlId: string, run: () => Promise<unknown>) {
    try {
      await run()
    } catch (err) {
      if ((err as { statusCode?: number }).statusCode === 400) {
        reply.code(400)
        return render(reply, mlId, { error: (err as Error).message })
      }
      throw err
    }
    return reply.redirect(`/disponibilites${reply.request.principal?.role === 'admin' ? `?ml=${mlId}` : ''}`, 303)
  }

  fastify.get('/disponibilites', { config: read, schema: { hide: true, querystring: MlQuery } }, async (request, reply) =>
    render(reply, await missionLocaleOf(request.requirePrincipal(), request.query.ml)),
  )

  fastify.post('/disponibilites/reglages', { config: write, schema: { hide: true, body: SettingsForm } }, async (request, reply) => {
    const b = request.body
    const mlId = await missionLocaleOf(request.requirePrincipal(), b.ml)
    return change(reply, mlId, () =>
      availability.updateSettings(request.auditCtx(), mlId, {
        minNoticeMinutes: Math.round(b.minNoticeHours * 60),
        horizonDays: b.horizonDays,
        ...(b.bookingAckWorkingDays ? { bookingAckWorkingDays: b.bookingAckWorkingDays } : {}),
        ...(b.callbackDueWorkingDays ? { callbackDueWorkingDays: b.callbackDueWorkingDays } : {}),
        closedOnPublicHolidays: b.closedOnPublicHolidays === 'on',
        publicPhone: b.publicPhone?.trim() || null,
        publicEmail: b.publicEmail?.trim() || null,
      }),
    )
  })

  fastify.post('/disponibilites/regles', { config: write, schema: { hide: true, body: RuleForm } }, async (request, reply) => {
    const b = request.body
    const mlId = await missionLocaleOf(request.requirePrincipal(), b.ml)
    return change(reply, mlId, () =>
      availability.addRule(request.auditCtx(), mlId, {
        counsellorId: b.counsellorId,
        siteId: b.siteId || null,
        modality: b.modality,
        weekday: b.weekday,
        startTime: b.startTime,
        endTime: b.endTime,
        slotMinutes: b.slotMinutes,
      }),
    )
  })

  fastify.post(
    '/disponibilites/regles/:id/supprimer',
    { config: write, schema: { hide: true, params: IdParams, body: DeleteForm } },
    async (request, reply) => {
      const mlId = await missionLocaleOf(request.requirePrincipal(), request.body.ml)
      return change(reply, mlId, () => availability.deleteRule(request.auditCtx(), mlId, request.params.id))
    },
  )

  fastify.post('/disponibilites/fermetures', { config: write, schema: { hide: true, body: ExceptionForm } }, async (request, reply) => {
    const b = request.body
    const mlId = await missionLocaleOf(request.requirePrincipal(), b.ml)
    return change(reply, mlId, () =>
      availability.addException(request.auditCtx(), mlId, {
        counsellorId: b.counsellorId || null,
        startsAt: parisToUtc(b.fromDay, '00:00'),
        endsAt: parisToUtc(b.toDay, '24:00'),
        reason: b.reason,
      }),
    )
  })

  fastify.post(
    '/disponibilites/fermetures/:id/supprimer',
    { config: write, schema: { hide: true, params: IdParams, body: DeleteForm } },
    async (request, reply) => {
      const mlId = await missionLocaleOf(request.requirePrincipal(), request.body.ml)
      return change(reply, mlId, () => availability.deleteException(request.auditCtx(), mlId, request.params.id))
    },
  )

  fastify.get(
    '/rendez-vous',
    {
      config: read,
      schema: {
        hide: true,
        querystring: Type.Object({
          jour: Type.Optional(Day),
          par: Type.Optional(Type.Union([Type.Literal('lieu'), Type.Literal('conseiller')])),
          conseiller: Type.Optional(
            Type.String({ pattern: '^([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})?$' }),
          ),
          fait: Type.Optional(Type.String({ maxLength: 20 })),
          ...mlField,
        }),
      },
    },
    async (request, reply) => {
      const p = request.requirePrincipal()
      const q = request.query
      const day = q.jour ?? parisDay(new Date())
      const mlId = await missionLocaleOf(p, q.ml)
      const by = q.par ?? 'lieu'
      const { rows, team } = await cases.day(request.auditCtx(), {
        day,
        missionLocaleId: mlId,
        ...(q.conseiller ? { counsellorId: q.conseiller } : {}),
      })
      const groups = new Map<string, { name: string; appointments: unknown[] }>()
      for (const r of rows) {
        const key = by === 'conseiller' ? r.counsellorId : (r.siteName ?? MODALITY_LABELS[r.modality])
        const name = by === 'conseiller' ? r.counsellorName : (r.siteName ?? `À distance (${MODALITY_LABELS[r.modality]})`)
        const group = groups.get(key) ?? { name, appointments: [] }
        group.appointments.push({
          ...r,
          time: `${parisTime(r.startsAt)}–${parisTime(r.endsAt)}`,
          modalityLabel: MODALITY_LABELS[r.modality],
          statusLabel: { booked: 'Prévu', cancelled: 'Annulé', held: 'Honoré', no_show: 'Absent·e' }[r.status],
        })
        groups.set(key, group)
      }
      return reply.page('pages/availability/day.hbs', {
        title: 'Rendez-vous du jour',
        day,
        by,
        byCounsellor: by === 'conseiller',
        team: team.map((u) => ({ ...u, selected: u.id === q.conseiller })),
        dayLabel: new Intl.DateTimeFormat('fr-FR', { timeZone: 'Europe/Paris', dateStyle: 'full' }).format(parisToUtc(day, '12:00')),
        places: [...groups.values()],
        notice: q.fait === 'attendance' ? 'Présence enregistrée.' : undefined,
      })
    },
  )

  fastify.post(
    '/rendez-vous/:id/presence',
    {
      config: read,
      schema: {
        hide: true,
        params: IdParams,
        body: Type.Object({
          ...csrf,
          status: Type.Union([Type.Literal('held'), Type.Literal('no_show')]),
          retour: Type.Optional(Type.Union([Type.Literal('dossier'), Type.Literal('jour')])),
        }),
      },
    },
    async (request, reply) => {
      const r = await cases.markAttendance(request.auditCtx(), request.params.id, request.body.status)
      return reply.redirect(
        request.body.retour === 'dossier' && r.caseId ? `/dossiers/${r.caseId}?fait=attendance` : '/rendez-vous?fait=attendance',
        303,
      )
    },
  )
}
export default plugin
