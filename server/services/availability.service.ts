/**
 * Free slots, computed from the weekly rules of the counsellors (Europe/Paris wall-clock time),
 * minus closures (exceptions, French public holidays), minus booked appointments, within the
 * minimum notice and the horizon of the Mission Locale. Nothing is stored per slot: a slot is
 * offered as an opaque `slotKey` (rule + start) that the page posts back, and `checkSlot`
 * recomputes it, so a forged or stale key is refused. The database, not this check, makes a
 * double booking impossible (appointments_no_overlap).
 */
import type { Db } from '../../db/client.ts'
import {
  createAvailabilityRepository,
  type ExceptionRow,
  type RuleView,
  type SettingsPatch,
} from '../../db/repositories/availability.repository.ts'
import type { SiteModality } from '../../db/vocabulary/index.ts'
import { addDays, isoWeekday, parisDay, parisTime, parisToUtc, publicHolidayName, type Day } from '../lib/paris-time.ts'
import { BadInput, NotFound, SlotUnavailable } from '../errors.ts'
import { canAccessOrganisation, type Principal } from './access.ts'
import type { AuditContext, AuditService } from './audit.service.ts'

export type Slot = {
  slotKey: string
  startsAt: Date
  endsAt: Date
  /** Paris wall-clock start, `HH:MM`. */
  time: string
  modality: SiteModality
  siteId: string | null
  siteName: string | null
}
export type SlotDay = { day: Day; label: string; slots: Slot[] }
export type CheckedSlot = { rule: RuleView; startsAt: Date; endsAt: Date }

export type RuleInput = {
  counsellorId: string
  siteId?: string | null
  modality: SiteModality
  weekday: number
  startTime: string
  endTime: string
  slotMinutes?: number
  validFrom?: Day
  validTo?: Day | null
}
export type ExceptionInput = { counsellorId?: string | null; siteId?: string | null; startsAt: Date; endsAt: Date; reason: string }

const dayLabel = new Intl.DateTimeFormat('fr-FR', { timeZone: 'Europe/Paris', weekday: 'long', day: 'numeric', month: 'long' })

export function encodeSlotKey(ruleId: string, startsAt: Date): string {
  return Buffer.from(`${ruleId}|${Math.round(startsAt.getTime() / 60_000)}`).toString('base64url')
}
export function decodeSlotKey(key: string): { ruleId: string; startsAt: Date } | null {
  const m = /^([0-9a-f-]{36})\|(\d{1,10})$/.exec(Buffer.from(key, 'base64url').toString('utf8'))
  return m ? { ruleId: m[1] as string, startsAt: new Date(Number(m[2]) * 60_000) } : null
}

const minutes = (t: string) => {
  const [h, m] = t.split(':').map(Number) as [number, number]
  return h * 60 + m
}
const hhmm = (n: number) => `${String(Math.floor(n / 60)).padStart(2, '0')}:${String(n % 60).padStart(2, '0')}`

/** The slot starts of one rule on one day (Paris time), before any filtering. `time`: the wall-clock start. */
export function ruleStarts(
  rule: Pick<RuleView, 'startTime' | 'endTime' | 'slotMinutes'>,
  day: Day,
): { startsAt: Date; endsAt: Date; time: string }[] {
  const out: { startsAt: Date; endsAt: Date; time: string }[] = []
  const first = minutes(rule.startTime)
  const last = minutes(rule.endTime)
  if (first + rule.slotMinutes > last) {
    return out
  }
  // Paris changes its offset at most once a day, at night. When the rule's first and last minutes
  // both exist and lie the written time apart, no change falls inside: every start is the first
  // one plus whole minutes, with no zone arithmetic per slot (a slot list has hundreds).
  const open = parisToUtc(day, hhmm(first)).getTime()
  const close = parisToUtc(day, hhmm(last)).getTime()
  if (close - open === (last - first) * 60_000 && parisTime(new Date(open)) === hhmm(first)) {
    for (let t = first; t + rule.slotMinutes <= last; t += rule.slotMinutes) {
      const startsAt = open + (t - first) * 60_000
      out.push({ startsAt: new Date(startsAt), endsAt: new Date(startsAt + rule.slotMinutes * 60_000), time: hhmm(t) })
    }
    return out
  }
  for (let t = first; t + rule.slotMinutes <= last; t += rule.slotMinutes) {
    const startsAt = parisToUtc(day, hhmm(t))
    if (parisTime(startsAt) !== hhmm(t)) {
      // A wall-clock time that does not exist that day (spring forward): no slot.
      continue
    }
    // The end is the wall-clock end, so a slot across a DST change keeps its written times.
    out.push({ startsAt, endsAt: parisToUtc(day, hhmm(t + rule.slotMinutes)), time: hhmm(t) })
  }
  return out
}

function ruleOn(rule: RuleView, day: Day, weekday = isoWeekday(day)): boolean {
  return rule.weekday === weekday && rule.validFrom <= day && (!rule.validTo || rule.validTo >= day)
}

function closedBy(exceptions: ExceptionRow[], rule: RuleView, s: { startsAt: Date; endsAt: Date }): boolean {
  return exceptions.some(
    (e) =>
      (!e.counsellorId || e.counsellorId === rule.counsellorId) &&
      (!e.siteId || e.siteId === rule.siteId) &&
      e.startsAt < s.endsAt &&
      e.endsAt > s.startsAt,
  )
}

type Deps = { db: Db; audit: Pick<AuditService, 'record'> }

export function createAvailabilityService({ db, audit }: Deps) {
  const repo = createAvailabilityRepository(db)

  function scope(p: Principal, missionLocaleId: string): void {
    if (!canAccessOrganisation(p, missionLocaleId)) {
      throw new NotFound()
    }
  }

  async function window(missionLocaleId: string, now: Date) {
    const settings = await repo.settings(missionLocaleId)
    const earliest = new Date(now.getTime() + settings.minNoticeMinutes * 60_000)
    const lastDay = addDays(parisDay(now), settings.horizonDays)
    return { settings, earliest, lastDay }
  }

  return {
    /**
     * Free slots grouped by Paris day, earliest first. `from`/`to` narrow the window of the
     * Mission Locale (minimum notice → horizon); one slot per rule and start.
     */
    async freeSlots(opts: {
      missionLocaleId: string
      siteId?: string
      modality?: SiteModality
      from?: Date
      to?: Date
      now?: Date
      /** Stop at the end of the week (Monday to Sunday) of the first free slot: a slot page's first view. */
      firstWeek?: boolean
    }): Promise<SlotDay[]> {
      const now = opts.now ?? new Date()
      const { settings, earliest, lastDay } = await window(opts.missionLocaleId, now)
      const fromDay = parisDay(opts.from && opts.from > earliest ? opts.from : earliest)
      const toDay = opts.to && parisDay(opts.to) < lastDay ? parisDay(opts.to) : lastDay
      if (fromDay > toDay) {
        return []
      }
      const rules = (await repo.rules(opts.missionLocaleId, { from: fromDay, to: toDay })).filter(
        (r) => (!opts.siteId || r.siteId === opts.siteId) && (!opts.modality || r.modality === opts.modality),
      )
      const range = { from: parisToUtc(fromDay, '00:00'), to: parisToUtc(addDays(toDay, 1), '00:00') }
      const exceptions = await repo.exceptions(opts.missionLocaleId, range)
      const busy = new Map<string, { startsAt: Date; endsAt: Date }[]>()
      for (const b of await repo.busy([...new Set(rules.map((r) => r.counsellorId))], range)) {
        busy.set(b.counsellorId, [...(busy.get(b.counsellorId) ?? []), b])
      }
      const days: SlotDay[] = []
      let lastDayShown = toDay
      for (let day = fromDay; day <= lastDayShown; day = addDays(day, 1)) {
        if (settings.closedOnPublicHolidays && publicHolidayName(day)) {
          continue
        }
        const slots: Slot[] = []
        const weekday = isoWeekday(day)
        for (const rule of rules.filter((r) => ruleOn(r, day, weekday))) {
          const taken = busy.get(rule.counsellorId) ?? []
          for (const s of ruleStarts(rule, day)) {
            if (s.startsAt < earliest || (opts.from && s.startsAt < opts.from) || (opts.to && s.startsAt >= opts.to)) {
              continue
            }
            if (closedBy(exceptions, rule, s)) {
              continue
            }
            if (taken.some((b) => b.startsAt < s.endsAt && b.endsAt > s.startsAt)) {
              continue
            }
            slots.push({
              slotKey: encodeSlotKey(rule.id, s.startsAt),
              ...s,
              modality: rule.modality,
              siteId: rule.siteId,
              siteName: rule.siteName,
            })
          }
        }
        if (slots.length > 0) {
          slots.sort((a, b) => a.startsAt.getTime() - b.startsAt.getTime() || (a.siteName ?? '').localeCompare(b.siteName ?? ''))
          days.push({ day, label: dayLabel.format(parisToUtc(day, '12:00')), slots })
          if (opts.firstWeek && days.length === 1) {
            const sunday = addDays(day, 7 - weekday)
            lastDayShown = sunday < toDay ? sunday : toDay
          }
        }
      }
      return days
    },

    /**
     * The slot behind a key, when it is still offered by its rule (notice, horizon, closures);
     * throws SlotUnavailable otherwise. Whether it is free is the database's answer at insert.
     */
    async checkSlot(slotKey: string, missionLocaleId: string, now = new Date()): Promise<CheckedSlot> {
      const decoded = decodeSlotKey(slotKey)
      const rule = decoded ? await repo.ruleById(decoded.ruleId) : undefined
      if (!decoded || !rule || rule.missionLocaleId !== missionLocaleId) {
        throw new SlotUnavailable()
      }
      const day = parisDay(decoded.startsAt)
      const { settings, earliest, lastDay } = await window(missionLocaleId, now)
      const slot = ruleOn(rule, day) ? ruleStarts(rule, day).find((s) => s.startsAt.getTime() === decoded.startsAt.getTime()) : undefined
      if (!slot || slot.startsAt < earliest || day > lastDay || (settings.closedOnPublicHolidays && publicHolidayName(day))) {
        throw new SlotUnavailable()
      }
      if (closedBy(await repo.exceptions(missionLocaleId, { from: slot.startsAt, to: slot.endsAt }), rule, slot)) {
        throw new SlotUnavailable()
      }
      return { rule, ...slot }
    },

    /** No booked appointment of the slot's counsellor overlaps it (a read: the database decides races). */
    async isFree(slot: CheckedSlot): Promise<boolean> {
      return (await repo.busy([slot.rule.counsellorId], { from: slot.startsAt, to: slot.endsAt })).length === 0
    },

    /** What a slot key stands for, or null (never throws): the summary above the booking form. */
    async describeSlot(slotKey: string) {
      const decoded = decodeSlotKey(slotKey)
      const rule = decoded ? await repo.ruleById(decoded.ruleId) : undefined
      if (!decoded || !rule) {
        return null
      }
      const slot = ruleStarts(rule, parisDay(decoded.startsAt)).find((s) => s.startsAt.getTime() === decoded.startsAt.getTime())
      return slot
        ? {
            ...slot,
            time: parisTime(slot.startsAt),
            modality: rule.modality,
            siteId: rule.siteId,
            siteName: rule.siteName,
            missionLocaleId: rule.missionLocaleId,
          }
        : null
    },

    // Staff: read by the Mission Locale's counsellors and managers, written by managers (route access) and admins.
    async settings(p: Principal, missionLocaleId: string) {
      scope(p, missionLocaleId)
      return repo.settings(missionLocaleId)
    },
    async updateSettings(ctx: AuditContext & { actor: Principal }, missionLocaleId: string, patch: SettingsPatch): Promise<void> {
      scope(ctx.actor, missionLocaleId)
      if (patch.minNoticeMinutes !== undefined && (patch.minNoticeMinutes < 0 || patch.minNoticeMinutes > 14 * 24 * 60)) {
        throw new BadInput('Le délai minimum doit être compris entre 0 et 14 jours.')
      }
      if (patch.horizonDays !== undefined && (patch.horizonDays < 1 || patch.horizonDays > 180)) {
        throw new BadInput('L’horizon de réservation doit être compris entre 1 et 180 jours.')
      }
      for (const days of [patch.bookingAckWorkingDays, patch.callbackDueWorkingDays]) {
        if (days !== undefined && (!Number.isInteger(days) || days < 1 || days > 10)) {
          throw new BadInput('Les délais de traitement doivent être compris entre 1 et 10 jours ouvrés.')
        }
      }
      await repo.upsertSettings(missionLocaleId, patch)
      await audit.record(ctx, {
        action: 'availability.settings_update',
        entityType: 'organisation',
        entityId: missionLocaleId,
        details: { ...patch },
      })
    },
    async rules(p: Principal, missionLocaleId: string) {
      scope(p, missionLocaleId)
      return repo.rules(missionLocaleId)
    },
    async addRule(ctx: AuditContext & { actor: Principal }, missionLocaleId: string, input: RuleInput): Promise<string> {
      scope(ctx.actor, missionLocaleId)
      if (!/^\d{2}:\d{2}$/.test(input.startTime) || !/^\d{2}:\d{2}$/.test(input.endTime) || input.startTime >= input.endTime) {
        throw new BadInput('Indiquez une heure de début et une heure de fin (HH:MM), la fin après le début.')
      }
      if (input.modality === 'in_person' && !input.siteId) {
        throw new BadInput('Un rendez-vous sur place a besoin d’un lieu.')
      }
      const counsellor = await repo.counsellor(input.counsellorId)
      if (!counsellor?.active || counsellor.organisationId !== missionLocaleId || !['counsellor', 'ml_manager'].includes(counsellor.role)) {
        throw new BadInput('Choisissez un conseiller ou une conseillère de cette Mission Locale.')
      }
      if (input.siteId) {
        const site = await repo.site(input.siteId)
        if (!site || site.organisationId !== missionLocaleId) {
          throw new BadInput('Choisissez un lieu de cette Mission Locale.')
        }
      }
      const id = await repo.insertRule({
        missionLocaleId,
        counsellorId: input.counsellorId,
        siteId: input.siteId ?? null,
        modality: input.modality,
        weekday: input.weekday,
        startTime: input.startTime,
        endTime: input.endTime,
        slotMinutes: input.slotMinutes ?? 45,
        validFrom: input.validFrom ?? parisDay(new Date()),
        validTo: input.validTo ?? null,
      })
      await audit.record(ctx, { action: 'availability.rule_add', entityType: 'availability_rule', entityId: id })
      return id
    },
    async deleteRule(ctx: AuditContext & { actor: Principal }, missionLocaleId: string, id: string): Promise<void> {
      scope(ctx.actor, missionLocaleId)
      if (!(await repo.deleteRule(missionLocaleId, id))) {
        throw new NotFound()
      }
      await audit.record(ctx, { action: 'availability.rule_delete', entityType: 'availability_rule', entityId: id })
    },
    async exceptions(p: Principal, missionLocaleId: string) {
      scope(p, missionLocaleId)
      return repo.exceptions(missionLocaleId)
    },
    async addException(ctx: AuditContext & { actor: Principal }, missionLocaleId: string, input: ExceptionInput): Promise<string> {
      scope(ctx.actor, missionLocaleId)
      if (!(input.startsAt < input.endsAt)) {
        throw new BadInput('La fin de la fermeture doit être après son début.')
      }
      const id = await repo.insertException({ missionLocaleId, ...input, reason: input.reason.trim().slice(0, 200) || 'Fermeture' })
      await audit.record(ctx, { action: 'availability.exception_add', entityType: 'availability_exception', entityId: id })
      return id
    },
    async deleteException(ctx: AuditContext & { actor: Principal }, missionLocaleId: string, id: string): Promise<void> {
      scope(ctx.actor, missionLocaleId)
      if (!(await repo.deleteException(missionLocaleId, id))) {
        throw new NotFound()
      }
      await audit.record(ctx, { action: 'availability.exception_delete', entityType: 'availability_exception', entityId: id })
    },
  }
}
export type AvailabilityService = ReturnType<typeof createAvailabilityService>
