/**
 * The counsellors' inbound queue (issue #11, docs/inbox.md): the work lists of a Mission Locale,
 * a case's page and every action on it, the appointments of the day with held / no-show, each
 * counsellor's load, and the aggregate outcomes a university may see.
 *
 * Access: only the case's Mission Locale (its counsellors and manager) and admins; everyone else,
 * university staff included, gets 404 (services/access.ts). Every read of a case and of the inbox
 * (it shows names) is audited; every action is in the case's history (`case_events`) and in the
 * audit log.
 *
 * Search by name: the identity is encrypted at rest (AES-256-GCM) with a random nonce, so
 * PostgreSQL cannot search it. The inbox loads the Mission Locale's open cases and those closed in
 * the last CLOSED_LIST_DAYS days (hundreds of rows, a few µs each to decrypt), decrypts them here
 * and filters by name and age band in memory. A blind index (keyed hash of the normalised name)
 * would allow exact matches only; prefix and partial matches matter more to a counsellor.
 *
 * Every method takes `now` (default: the clock) so tests inject time.
 */
import type { Db, Tx } from '../../db/client.ts'
import { createAppointmentRepository } from '../../db/repositories/appointments.repository.ts'
import { createAvailabilityRepository } from '../../db/repositories/availability.repository.ts'
import { createCaseEventRepository, type NewCaseEvent } from '../../db/repositories/case-events.repository.ts'
import { createCaseRepository, type CasePatch, type InboxRow } from '../../db/repositories/cases.repository.ts'
import { createUserRepository } from '../../db/repositories/users.repository.ts'
import type { Case } from '../../db/schema/cases.ts'
import {
  CASE_LISTS,
  CASE_OUTCOME_LABELS,
  CASE_STATUS_LABELS,
  DUE_DEFAULTS,
  type AgeBand,
  type CaseList,
  type CaseOrigin,
  type CaseOutcome,
  type CaseVerdict,
  type ContactChannel,
  type ContactResult,
  type SettableCaseStatus,
} from '../../db/vocabulary/index.ts'
import { decryptField, encryptField, type Keyring } from '../lib/crypto.ts'
import { addDays, dueAfterWorkingDays, parisDay, parisToUtc } from '../lib/paris-time.ts'
import { BadInput, Conflict, NotFound } from '../errors.ts'
import { inScope, isAdmin, type Principal } from './access.ts'
import type { AuditContext, AuditService } from './audit.service.ts'
import type { OutboxService } from './outbox.service.ts'
import type { RoutingService } from './routing.service.ts'

/** The « clos » list shows the cases closed in the last this many days. */
export const CLOSED_LIST_DAYS = 90
export const NOTE_MAX = 2000

export const ORIGIN_LABELS: Record<CaseOrigin, string> = {
  booking: 'Rendez-vous pris en ligne',
  callback: 'Demande de rappel',
  self_referral: 'Venu·e de lui-même',
  partner_referral: 'Orienté·e par un partenaire',
}

/** What the student gave (booking: every field; callback: first name and phone). */
export type CaseIdentity = {
  firstName?: string | null
  lastName?: string | null
  email?: string | null
  phone?: string | null
  birthDate?: string | null
  message?: string | null
  consentAt?: string | null
}

export type InboxFilters = {
  origin?: CaseOrigin
  siteId?: string
  /** A user id, or `none` for the unassigned cases. */
  assigneeId?: string
  campaignId?: string
  ageBand?: AgeBand
  minors?: boolean
  q?: string
}

export type StaffCtx = AuditContext & { actor: Principal }

type Deps = {
  db: Db
  config: { dataKeys: Keyring }
  outbox: Pick<OutboxService, 'add' | 'dispatch'>
  audit: Pick<AuditService, 'record'>
  routing: Pick<RoutingService, 'places'>
}

/** The end of the Paris day of `now`: due before it means due today or overdue. */
export function endOfParisDay(now: Date): Date {
  return parisToUtc(addDays(parisDay(now), 1), '00:00')
}

export function ageBandOf(birthDate: string | null | undefined, today: string): AgeBand | null {
  if (!birthDate || !/^\d{4}-\d{2}-\d{2}$/.test(birthDate)) {
    return null
  }
  const [by, bm, bd] = birthDate.split('-').map(Number) as [number, number, number]
  const [y, m, d] = today.split('-').map(Number) as [number, number, number]
  const age = y - by - (m < bm || (m === bm && d < bd) ? 1 : 0)
  return age < 18 ? '16-17' : age < 22 ? '18-21' : age < 26 ? '22-25' : '26-29'
}

/** Lower case, no accents, single spaces: « Éloïse » matches « eloise ». */
const fold = (s: string) => s.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase().replace(/\s+/g, ' ').trim()

export function displayName(i: CaseIdentity): string {
  return [i.firstName, i.lastName].filter(Boolean).join(' ') || 'Sans nom'
}

export function createCaseService({ db, config, outbox, audit, routing }: Deps) {
  const key = config.dataKeys
  const identityOf = (enc: Buffer | null): CaseIdentity => (enc ? (JSON.parse(decryptField(key, enc)) as CaseIdentity) : {})

  /** The Mission Locale whose queue `p` works on; university staff have none (404). */
  function missionLocaleOf(p: Principal, asked?: string): string {
    if (isAdmin(p) && asked) {
      return asked
    }
    if (p.role !== 'counsellor' && p.role !== 'ml_manager') {
      throw new NotFound()
    }
    return p.organisationId
  }

  async function scopedCase(p: Principal, id: string, q: Db | Tx = db, forUpdate = false): Promise<Case> {
    const repo = createCaseRepository(q)
    const c = forUpdate ? await repo.byIdForUpdate(id) : await repo.byId(id)
    return inScope(p, c ? { ...c, organisationId: c.missionLocaleId } : undefined)
  }

  /** The active counsellors and managers of a Mission Locale (who a case may be assigned to). */
  async function team(missionLocaleId: string) {
    return (await createUserRepository(db).list(missionLocaleId))
      .filter((u) => u.active && (u.role === 'counsellor' || u.role === 'ml_manager'))
      .map((u) => ({ id: u.id, fullName: u.fullName, role: u.role }))
  }

  type Change = { patch?: CasePatch; events: Omit<NewCaseEvent, 'caseId' | 'actorUserId'>[]; jobs?: number[] }

  /** One action on an open case, in one transaction with its history line, then audited. */
  async function act(
    ctx: StaffCtx,
    caseId: string,
    action: string,
    run: (c: Case, tx: Tx) => Change | Promise<Change>,
    opts: { allowClosed?: boolean } = {},
  ): Promise<Case> {
    const jobIds: number[] = []
    const updated = await db.transaction(async (tx) => {
      const c = await scopedCase(ctx.actor, caseId, tx, true)
      if (c.status === 'closed' && !opts.allowClosed) {
        throw new Conflict('Ce dossier est clos : rouvrez-le en changeant son statut pour agir dessus.')
      }
      const result = await run(c, tx)
      const events = createCaseEventRepository(tx)
      for (const e of result.events) {
        await events.add({ ...e, caseId, actorUserId: ctx.actor.userId })
      }
      jobIds.push(...(result.jobs ?? []))
      return result.patch && Object.keys(result.patch).length > 0
        ? ((await createCaseRepository(tx).update(caseId, result.patch)) as Case)
        : c
    })
    await outbox.dispatch(jobIds)
    await audit.record(ctx, { action, entityType: 'case', entityId: caseId })
    return updated
  }

  function lightRow(r: InboxRow, today: string, now: Date) {
    const identity = identityOf(r.identityEnc)
    return {
      id: r.id,
      list: r.list,
      name: displayName(identity),
      origin: r.origin,
      originLabel: ORIGIN_LABELS[r.origin],
      status: r.status,
      statusLabel: CASE_STATUS_LABELS[r.status],
      outcome: r.outcome,
      outcomeLabel: r.outcome ? CASE_OUTCOME_LABELS[r.outcome] : null,
      dueAt: r.dueAt,
      overdue: r.status !== 'closed' && r.dueAt !== null && r.dueAt.getTime() < now.getTime(),
      createdAt: r.createdAt,
      closedAt: r.closedAt,
      minor: r.minor,
      ageBand: ageBandOf(identity.birthDate, today) ?? (r.minor ? ('16-17' as const) : null),
      assigneeId: r.assigneeId,
      assigneeName: r.assigneeName,
      campaignId: r.campaignId,
      siteId: r.siteId,
      searchable: fold(`${identity.firstName ?? ''} ${identity.lastName ?? ''}`),
    }
  }
  type Row = ReturnType<typeof lightRow>

  function matches(r: Row, f: InboxFilters): boolean {
    const words = f.q ? fold(f.q).split(' ').filter(Boolean) : []
    return (
      (!f.origin || r.origin === f.origin) &&
      (!f.siteId || r.siteId === f.siteId) &&
      (!f.assigneeId || (f.assigneeId === 'none' ? r.assigneeId === null : r.assigneeId === f.assigneeId)) &&
      (!f.campaignId || r.campaignId === f.campaignId) &&
      (!f.ageBand || r.ageBand === f.ageBand) &&
      (!f.minors || r.minor) &&
      words.every((w) => r.searchable.includes(w))
    )
  }

  return {
    /**
     * The inbox: the rows of one work list after the filters, and every list's counter after the
     * same filters. Audited (the rows carry names).
     */
    async inbox(ctx: StaffCtx, opts: { missionLocaleId?: string; list?: CaseList; filters?: InboxFilters }, now = new Date()) {
      const mlId = missionLocaleOf(ctx.actor, opts.missionLocaleId)
      const list = opts.list ?? 'a_traiter'
      const filters = opts.filters ?? {}
      const today = parisDay(now)
      const rows = (
        await createCaseRepository(db).inboxRows(mlId, {
          dueBefore: endOfParisDay(now),
          closedSince: new Date(now.getTime() - CLOSED_LIST_DAYS * 86_400_000),
        })
      )
        .map((r) => lightRow(r, today, now))
        .filter((r) => matches(r, filters))
      const counts = Object.fromEntries(CASE_LISTS.map((l) => [l, 0])) as Record<CaseList, number>
      for (const r of rows) {
        counts[r.list]++
      }
      const shown = rows.filter((r) => r.list === list)
      if (list === 'clos') {
        shown.sort((a, b) => (b.closedAt?.getTime() ?? 0) - (a.closedAt?.getTime() ?? 0))
      }
      await audit.record(ctx, {
        action: 'case.inbox_read',
        entityType: 'organisation',
        entityId: mlId,
        details: { list, shown: shown.length, filtered: Object.keys(filters).length > 0 },
      })
      return {
        missionLocaleId: mlId,
        list,
        counts,
        rows: shown.map(({ searchable: _s, ...r }) => r),
        team: await team(mlId),
        places: await routing.places(mlId),
      }
    },

    /** The counters only, without names (polling): not a read of personal data. */
    async counts(p: Principal, opts: { missionLocaleId?: string } = {}, now = new Date()) {
      const mlId = missionLocaleOf(p, opts.missionLocaleId)
      const { counts, newest } = await createCaseRepository(db).counts(mlId, {
        dueBefore: endOfParisDay(now),
        closedSince: new Date(now.getTime() - CLOSED_LIST_DAYS * 86_400_000),
      })
      return { counts, newestAt: newest, toDo: counts.a_traiter + counts.prioritaire }
    },

    /** A case's page: what the student shared, the origin, appointments and history. Audited. */
    async get(ctx: StaffCtx, caseId: string, now = new Date()) {
      const c = await scopedCase(ctx.actor, caseId)
      const repo = createCaseRepository(db)
      const detail = await repo.detail(caseId)
      const identity = identityOf(c.identityEnc)
      const places = await routing.places(c.missionLocaleId)
      const history = (await createCaseEventRepository(db).ofCase(caseId)).map(({ event, actorName }) => ({
        id: event.id,
        kind: event.kind,
        at: event.at,
        actorName: actorName ?? 'Repère',
        payload: event.payload,
        note: event.noteEnc ? decryptField(key, event.noteEnc) : null,
      }))
      const appointments = (await repo.appointmentsOf(caseId)).map((a) => ({
        ...a,
        placeName: places.find((p) => p.id === a.siteId)?.name ?? null,
      }))
      await audit.record(ctx, { action: 'case.read', entityType: 'case', entityId: caseId })
      return {
        id: c.id,
        missionLocaleId: c.missionLocaleId,
        origin: c.origin,
        originLabel: ORIGIN_LABELS[c.origin],
        status: c.status,
        statusLabel: CASE_STATUS_LABELS[c.status],
        outcome: c.outcome,
        outcomeLabel: c.outcome ? CASE_OUTCOME_LABELS[c.outcome] : null,
        dueAt: c.dueAt,
        overdue: c.status !== 'closed' && c.dueAt !== null && c.dueAt.getTime() < now.getTime(),
        createdAt: c.createdAt,
        claimedAt: c.claimedAt,
        closedAt: c.closedAt,
        minor: c.minor,
        remindersPaused: c.remindersPaused,
        assigneeId: c.assigneeId,
        assigneeName: detail?.assigneeName ?? null,
        identity,
        name: displayName(identity),
        ageBand: ageBandOf(identity.birthDate, parisDay(now)),
        details: c.details,
        link: detail?.link?.id ? { campaignId: detail.link.campaignId, createdAt: detail.link.createdAt } : null,
        callback: detail?.callback?.moments ? detail.callback : null,
        appointments,
        history,
        team: await team(c.missionLocaleId),
      }
    },

    /**
     * The hand-off summary, laid out for the Mission Locale's own information system: identity,
     * contact, origin, first need. No risk score, no university data. Audited as a read.
     */
    async handoff(ctx: StaffCtx, caseId: string): Promise<{ caseId: string; text: string }> {
      const c = await scopedCase(ctx.actor, caseId)
      const i = identityOf(c.identityEnc)
      const detail = await createCaseRepository(db).detail(caseId)
      const fr = (d: Date) => new Intl.DateTimeFormat('fr-FR', { timeZone: 'Europe/Paris', dateStyle: 'long' }).format(d)
      const moments = detail?.callback?.moments?.length
        ? `Rappel souhaité : ${detail.callback.moments.map((m) => ({ matin: 'matin', apres_midi: 'après-midi', soir: 'soir' })[m]).join(', ')}${detail.callback.weekdaysOnly ? ' (en semaine)' : ''}`
        : null
      const lines = [
        `Nom : ${i.lastName ?? '—'}`,
        `Prénom : ${i.firstName ?? '—'}`,
        `Date de naissance : ${i.birthDate ? i.birthDate.split('-').reverse().join('/') : '—'}`,
        `Téléphone : ${i.phone ?? '—'}`,
        `E-mail : ${i.email ?? '—'}`,
        `Origine du contact : ${ORIGIN_LABELS[c.origin]} (Repère), le ${fr(c.createdAt)}`,
        `Premier besoin exprimé : ${i.message?.trim() || (moments ?? '—')}`,
        ...(i.message?.trim() && moments ? [moments] : []),
        ...(c.minor ? ['Mineur·e (16–17 ans) : vérifier l’obligation de formation'] : []),
      ]
      await audit.record(ctx, { action: 'case.handoff_read', entityType: 'case', entityId: caseId })
      return { caseId, text: lines.join('\n') }
    },

    /** « Je prends » : the case is mine; « à traiter » becomes « pris en charge ». */
    claim(ctx: StaffCtx, caseId: string, now = new Date()) {
      return act(ctx, caseId, 'case.claim', (c) => ({
        patch: { assigneeId: ctx.actor.userId, claimedAt: now, ...(c.status === 'new' ? { status: 'in_progress' as const } : {}) },
        events: [{ kind: 'claim', at: now, payload: { from: c.assigneeId } }],
      }))
    },

    /** Assigns or reassigns a case to an active counsellor or manager of its Mission Locale. */
    async assign(ctx: StaffCtx, caseId: string, assigneeId: string, now = new Date()) {
      return act(ctx, caseId, 'case.assign', async (c) => {
        if (!(await team(c.missionLocaleId)).some((u) => u.id === assigneeId)) {
          throw new BadInput('Choisissez un·e conseiller·ère de la Mission Locale.')
        }
        return { patch: { assigneeId }, events: [{ kind: 'assign', at: now, payload: { from: c.assigneeId, to: assigneeId } }] }
      })
    },

    /** Managers: reassign many open cases at once (one history line each). */
    async bulkAssign(ctx: StaffCtx, caseIds: string[], assigneeId: string, opts: { missionLocaleId?: string } = {}, now = new Date()) {
      const mlId = missionLocaleOf(ctx.actor, opts.missionLocaleId)
      if (!(await team(mlId)).some((u) => u.id === assigneeId)) {
        throw new BadInput('Choisissez un·e conseiller·ère de la Mission Locale.')
      }
      const ids = [...new Set(caseIds)].slice(0, 500)
      const changed = await db.transaction(async (tx) => {
        const done = await createCaseRepository(tx).assignMany(mlId, ids, assigneeId)
        const events = createCaseEventRepository(tx)
        for (const id of done) {
          await events.add({ caseId: id, actorUserId: ctx.actor.userId, kind: 'assign', at: now, payload: { to: assigneeId, bulk: true } })
        }
        return done
      })
      await audit.record(ctx, {
        action: 'case.bulk_assign',
        entityType: 'organisation',
        entityId: mlId,
        details: { cases: changed, to: assigneeId },
      })
      return { reassigned: changed.length }
    },

    /** A note: its text is encrypted in the history. */
    addNote(ctx: StaffCtx, caseId: string, text: string, now = new Date()) {
      const note = text.trim()
      if (!note) {
        throw new BadInput('Écrivez la note avant de l’enregistrer.')
      }
      if (note.length > NOTE_MAX) {
        throw new BadInput(`La note dépasse ${NOTE_MAX} caractères.`)
      }
      return act(ctx, caseId, 'case.note', () => ({ events: [{ kind: 'note', at: now, noteEnc: encryptField(key, note) }] }), {
        allowClosed: true,
      })
    },

    /**
     * A contact attempt. Answered: what was due is done. No answer: a new try is due the next
     * working day and the case is « contacté sans retour ». Wrong number: « coordonnées incorrectes ».
     */
    contactAttempt(
      ctx: StaffCtx,
      caseId: string,
      input: { channel: ContactChannel; result: ContactResult; note?: string | null },
      now = new Date(),
    ) {
      const note = input.note?.trim().slice(0, NOTE_MAX) || null
      return act(ctx, caseId, 'case.contact_attempt', (c) => {
        const patch: CasePatch =
          input.result === 'answered'
            ? { dueAt: null, ...(c.status === 'new' ? { status: 'in_progress' as const } : {}) }
            : input.result === 'no_answer'
              ? {
                  dueAt: dueAfterWorkingDays(now, 1),
                  ...(['new', 'in_progress'].includes(c.status) ? { status: 'contacted_no_reply' as const } : {}),
                }
              : { dueAt: null, status: 'wrong_contact' }
        const events: Omit<NewCaseEvent, 'caseId' | 'actorUserId'>[] = [
          {
            kind: 'contact_attempt',
            at: now,
            payload: { channel: input.channel, result: input.result },
            noteEnc: note ? encryptField(key, note) : null,
          },
        ]
        if (patch.status && patch.status !== c.status) {
          events.push({ kind: 'status', at: now, payload: { from: c.status, to: patch.status } })
        }
        return { patch, events }
      })
    },

    /** Sets a follow-up status; « à traiter » again makes it due now, any other ends what was due. Reopens a closed case. */
    setStatus(ctx: StaffCtx, caseId: string, status: SettableCaseStatus, now = new Date()) {
      return act(
        ctx,
        caseId,
        'case.status',
        (c) => ({
          patch: {
            status,
            ...(status === 'new' ? { dueAt: c.dueAt ?? now } : { dueAt: null }),
            ...(c.status === 'closed' ? { outcome: null, closedAt: null } : {}),
          },
          events: [{ kind: 'status', at: now, payload: { from: c.status, to: status } }],
        }),
        { allowClosed: true },
      )
    },

    /**
     * Closes with an outcome. A verdict on the alert (« fausse alerte », « déjà réorienté ») is
     * stored for the model by the university's pseudonymous id only.
     */
    close(ctx: StaffCtx, caseId: string, input: { outcome: CaseOutcome; verdict?: CaseVerdict | null }, now = new Date()) {
      return act(ctx, caseId, 'case.close', async (c, tx) => {
        if (input.verdict) {
          const repo = createCaseRepository(tx)
          const who = await repo.pseudonymOf(c.id)
          if (who) {
            await repo.addFeedback({ ...who, verdict: input.verdict })
          }
        }
        return {
          patch: { status: 'closed', outcome: input.outcome, closedAt: now, dueAt: null },
          events: [{ kind: 'outcome', at: now, payload: { from: c.status, outcome: input.outcome, verdict: input.verdict ?? null } }],
        }
      })
    },

    /** Stops (or restarts) the automatic reminders and the no-show e-mail for this student. */
    setRemindersPaused(ctx: StaffCtx, caseId: string, paused: boolean, now = new Date()) {
      return act(ctx, caseId, paused ? 'case.reminders_pause' : 'case.reminders_resume', () => ({
        patch: { remindersPaused: paused },
        events: [{ kind: 'reminders', at: now, payload: { paused } }],
      }))
    },

    /**
     * Held or no-show, once the appointment has started. A no-show opens a follow-up (due the
     * next working day) and, the first time only, queues « on reprend rendez-vous ? » (the job
     * sends it if the student gave an e-mail and the reminders are not paused).
     */
    async markAttendance(ctx: StaffCtx, appointmentId: string, status: 'held' | 'no_show', now = new Date()) {
      const a = await createAppointmentRepository(db).byId(appointmentId)
      const scoped = inScope(ctx.actor, a ? { ...a, organisationId: a.missionLocaleId } : undefined)
      if (scoped.startsAt.getTime() > now.getTime()) {
        throw new BadInput('Ce rendez-vous n’a pas encore commencé : vous pourrez le noter honoré ou manqué à partir de son heure.')
      }
      if (!['booked', 'held', 'no_show'].includes(scoped.status)) {
        throw new Conflict('Ce rendez-vous a été annulé ou déplacé.')
      }
      const jobIds: number[] = []
      await db.transaction(async (tx) => {
        const updated = await createAppointmentRepository(tx).markAttendance(appointmentId, status)
        if (!updated || !scoped.caseId) {
          return
        }
        const c = await createCaseRepository(tx).byIdForUpdate(scoped.caseId)
        const events = createCaseEventRepository(tx)
        await events.add({
          caseId: scoped.caseId,
          actorUserId: ctx.actor.userId,
          kind: 'appointment',
          at: now,
          payload: { appointmentId, attendance: status, from: scoped.status },
        })
        if (status === 'no_show' && scoped.status !== 'no_show') {
          const dueAt = dueAfterWorkingDays(now, DUE_DEFAULTS.noShowFollowUpWorkingDays)
          await events.add({
            caseId: scoped.caseId,
            actorUserId: ctx.actor.userId,
            kind: 'follow_up',
            at: now,
            payload: { appointmentId, dueAt: dueAt.toISOString() },
          })
          if (c && c.status !== 'closed') {
            await createCaseRepository(tx).update(c.id, { dueAt })
          }
          if (!scoped.noShowFollowUpSentAt) {
            jobIds.push(await outbox.add(tx, 'appointment.no_show_follow_up', { appointmentId }))
          }
        } else if (status === 'held' && c && c.status !== 'closed') {
          await createCaseRepository(tx).update(c.id, { dueAt: null, ...(c.status === 'new' ? { status: 'in_progress' as const } : {}) })
        }
      })
      await outbox.dispatch(jobIds)
      await audit.record(ctx, { action: `appointment.${status}`, entityType: 'appointment', entityId: appointmentId })
      return { appointmentId, status, caseId: scoped.caseId }
    },

    /**
     * Appointments of a Paris day, per counsellor or per place, with the student's name (audited):
     * the counsellor needs to know who is coming.
     */
    async day(ctx: StaffCtx, opts: { day: string; missionLocaleId?: string; siteId?: string; counsellorId?: string }, now = new Date()) {
      const mlId = missionLocaleOf(ctx.actor, opts.missionLocaleId)
      const rows = await createAppointmentRepository(db).list({
        missionLocaleId: mlId,
        ...(opts.siteId ? { siteId: opts.siteId } : {}),
        ...(opts.counsellorId ? { counsellorId: opts.counsellorId } : {}),
        from: parisToUtc(opts.day, '00:00'),
        to: parisToUtc(addDays(opts.day, 1), '00:00'),
      })
      const live = rows.filter((r) => r.status !== 'cancelled')
      const names = new Map<string, string>()
      for (const r of live) {
        if (r.caseId && !names.has(r.caseId)) {
          const c = await createCaseRepository(db).byId(r.caseId)
          names.set(r.caseId, displayName(identityOf(c?.identityEnc ?? null)))
        }
      }
      await audit.record(ctx, {
        action: 'appointment.day_read',
        entityType: 'organisation',
        entityId: mlId,
        details: { day: opts.day, shown: live.length },
      })
      return {
        missionLocaleId: mlId,
        rows: live.map((r) => ({
          ...r,
          studentName: r.caseId ? (names.get(r.caseId) ?? null) : null,
          canMark: r.startsAt.getTime() <= now.getTime(),
        })),
        team: await team(mlId),
      }
    },

    /** Managers: each counsellor's open cases, due today and overdue. */
    async load(p: Principal, opts: { missionLocaleId?: string } = {}, now = new Date()) {
      const mlId = missionLocaleOf(p, opts.missionLocaleId)
      const rows = await createCaseRepository(db).loadByAssignee(mlId, endOfParisDay(now))
      const people = await team(mlId)
      const none = rows.find((r) => r.assigneeId === null)
      return {
        counsellors: people.map((u) => {
          const r = rows.find((x) => x.assigneeId === u.id)
          return { id: u.id, fullName: u.fullName, open: r?.open ?? 0, due: r?.due ?? 0, overdue: r?.overdue ?? 0 }
        }),
        unassigned: { open: none?.open ?? 0, due: none?.due ?? 0, overdue: none?.overdue ?? 0 },
      }
    },

    /** University staff: how their students' contacts ended, by outcome, counts only (never a case). */
    async outcomeCounts(p: Principal, opts: { universityId?: string; campaignId?: string } = {}) {
      const universityId = isAdmin(p) ? opts.universityId : p.role === 'university_staff' ? p.organisationId : undefined
      if (!universityId) {
        throw new NotFound()
      }
      const rows = await createCaseRepository(db).outcomeCounts(universityId, opts.campaignId)
      return rows.map((r) => ({ ...r, label: CASE_OUTCOME_LABELS[r.outcome] }))
    },

    /** The due date of a new case, from the Mission Locale's settings (working days, public holidays excluded). */
    async dueFor(missionLocaleId: string, origin: 'booking' | 'callback', now = new Date()): Promise<Date> {
      const s = await createAvailabilityRepository(db).settings(missionLocaleId)
      return dueAfterWorkingDays(now, origin === 'booking' ? s.bookingAckWorkingDays : s.callbackDueWorkingDays)
    },
  }
}
export type CaseService = ReturnType<typeof createCaseService>
