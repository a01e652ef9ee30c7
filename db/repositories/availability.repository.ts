import { and, asc, eq, gt, isNull, lt, lte, or, gte, inArray } from 'drizzle-orm'
import type { DbOrTx } from '../client.ts'
import { appointments } from '../schema/appointments.ts'
import { availabilityExceptions } from '../schema/availability-exceptions.ts'
import { availabilityRules } from '../schema/availability-rules.ts'
import { BOOKING_DEFAULTS, missionLocaleSettings } from '../schema/mission-locale-settings.ts'
import { sites } from '../schema/sites.ts'
import { users } from '../schema/users.ts'

export type NewRule = typeof availabilityRules.$inferInsert
export type NewException = typeof availabilityExceptions.$inferInsert
export type SettingsPatch = Partial<
  Pick<
    typeof missionLocaleSettings.$inferInsert,
    | 'minNoticeMinutes'
    | 'horizonDays'
    | 'closedOnPublicHolidays'
    | 'publicPhone'
    | 'publicEmail'
    | 'callbackDueWorkingDays'
    | 'bookingAckWorkingDays'
  >
>

const ruleColumns = {
  id: availabilityRules.id,
  missionLocaleId: availabilityRules.missionLocaleId,
  counsellorId: availabilityRules.counsellorId,
  counsellorName: users.fullName,
  siteId: availabilityRules.siteId,
  siteName: sites.name,
  modality: availabilityRules.modality,
  weekday: availabilityRules.weekday,
  startTime: availabilityRules.startTime,
  endTime: availabilityRules.endTime,
  slotMinutes: availabilityRules.slotMinutes,
  validFrom: availabilityRules.validFrom,
  validTo: availabilityRules.validTo,
}

export function createAvailabilityRepository(q: DbOrTx) {
  const rulesBase = () =>
    q
      .select(ruleColumns)
      .from(availabilityRules)
      .innerJoin(users, eq(users.id, availabilityRules.counsellorId))
      .leftJoin(sites, eq(sites.id, availabilityRules.siteId))
  return {
    async settings(missionLocaleId: string) {
      const [row] = await q.select().from(missionLocaleSettings).where(eq(missionLocaleSettings.missionLocaleId, missionLocaleId))
      return row ?? { missionLocaleId, ...BOOKING_DEFAULTS, publicPhone: null, publicEmail: null }
    },
    async upsertSettings(missionLocaleId: string, patch: SettingsPatch): Promise<void> {
      await q
        .insert(missionLocaleSettings)
        .values({ missionLocaleId, ...patch })
        .onConflictDoUpdate({ target: missionLocaleSettings.missionLocaleId, set: { ...patch, updatedAt: new Date() } })
    },

    /** Rules of a Mission Locale in force at some point of [from, to] (days, Paris). */
    rules: (missionLocaleId: string, range?: { from: string; to: string }) =>
      rulesBase()
        .where(
          and(
            eq(availabilityRules.missionLocaleId, missionLocaleId),
            range ? lte(availabilityRules.validFrom, range.to) : undefined,
            range ? or(isNull(availabilityRules.validTo), gte(availabilityRules.validTo, range.from)) : undefined,
          ),
        )
        .orderBy(asc(availabilityRules.weekday), asc(availabilityRules.startTime)),
    async ruleById(id: string) {
      const [row] = await rulesBase().where(eq(availabilityRules.id, id))
      return row
    },
    async insertRule(rule: NewRule): Promise<string> {
      const [row] = await q.insert(availabilityRules).values(rule).returning({ id: availabilityRules.id })
      return (row as { id: string }).id
    },
    async deleteRule(missionLocaleId: string, id: string): Promise<boolean> {
      const rows = await q
        .delete(availabilityRules)
        .where(and(eq(availabilityRules.id, id), eq(availabilityRules.missionLocaleId, missionLocaleId)))
        .returning({ id: availabilityRules.id })
      return rows.length > 0
    },

    /** The person and the place a rule would use, to check they belong to the Mission Locale. */
    async counsellor(id: string) {
      const [row] = await q
        .select({ organisationId: users.organisationId, role: users.role, active: users.active })
        .from(users)
        .where(eq(users.id, id))
      return row
    },
    async site(id: string) {
      const [row] = await q.select({ organisationId: sites.organisationId }).from(sites).where(eq(sites.id, id))
      return row
    },

    /** Closures overlapping [from, to). */
    exceptions: (missionLocaleId: string, range?: { from: Date; to: Date }) =>
      q
        .select()
        .from(availabilityExceptions)
        .where(
          and(
            eq(availabilityExceptions.missionLocaleId, missionLocaleId),
            range ? lt(availabilityExceptions.startsAt, range.to) : undefined,
            range ? gt(availabilityExceptions.endsAt, range.from) : undefined,
          ),
        )
        .orderBy(asc(availabilityExceptions.startsAt)),
    async insertException(e: NewException): Promise<string> {
      const [row] = await q.insert(availabilityExceptions).values(e).returning({ id: availabilityExceptions.id })
      return (row as { id: string }).id
    },
    async deleteException(missionLocaleId: string, id: string): Promise<boolean> {
      const rows = await q
        .delete(availabilityExceptions)
        .where(and(eq(availabilityExceptions.id, id), eq(availabilityExceptions.missionLocaleId, missionLocaleId)))
        .returning({ id: availabilityExceptions.id })
      return rows.length > 0
    },

    /** Booked time of these counsellors in [from, to): what a free slot must not overlap. */
    busy: (counsellorIds: string[], range: { from: Date; to: Date }) =>
      counsellorIds.length === 0
        ? Promise.resolve([])
        : q
            .select({ counsellorId: appointments.counsellorId, startsAt: appointments.startsAt, endsAt: appointments.endsAt })
            .from(appointments)
            .where(
              and(
                inArray(appointments.counsellorId, counsellorIds),
                eq(appointments.status, 'booked'),
                lt(appointments.startsAt, range.to),
                gt(appointments.endsAt, range.from),
              ),
            ),
  }
}
export type AvailabilityRepository = ReturnType<typeof createAvailabilityRepository>
export type RuleView = Awaited<ReturnType<AvailabilityRepository['rules']>>[number]
export type ExceptionRow = Awaited<ReturnType<AvailabilityRepository['exceptions']>>[number]
