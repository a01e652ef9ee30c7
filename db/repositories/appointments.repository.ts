import { and, asc, eq, gte, inArray, isNull, lt, sql, type SQL } from 'drizzle-orm'
import type { DbOrTx } from '../client.ts'
import { appointments, type Appointment } from '../schema/appointments.ts'
import { sites } from '../schema/sites.ts'
import { users } from '../schema/users.ts'
import type { ReminderStep } from '../vocabulary/index.ts'

export type NewAppointment = Omit<typeof appointments.$inferInsert, 'during'>

const listColumns = {
  id: appointments.id,
  missionLocaleId: appointments.missionLocaleId,
  counsellorId: appointments.counsellorId,
  counsellorName: users.fullName,
  siteId: appointments.siteId,
  siteName: sites.name,
  modality: appointments.modality,
  startsAt: appointments.startsAt,
  endsAt: appointments.endsAt,
  status: appointments.status,
  minor: appointments.minor,
  caseId: appointments.caseId,
}

const SENT_COLUMN = { '48h': 'reminder_48h_sent_at', '2h': 'reminder_2h_sent_at' } as const

export function createAppointmentRepository(q: DbOrTx) {
  return {
    /**
     * Inserts a booked appointment. The exclusion constraint `appointments_no_overlap` refuses
     * an overlap for the same counsellor (23P01); `appointments_idempotency_key` a repeated
     * submission (23505), `appointments_one_booked_per_link` a second live booking (23505).
     */
    async insert(a: NewAppointment): Promise<Appointment> {
      const [row] = await q.insert(appointments).values(a).returning()
      return row as Appointment
    },
    /**
     * Orders the concurrent bookings of one counsellor (transaction-scoped advisory lock, released
     * at commit or rollback). Without it two inserts that overlap can each wait for the other's
     * uncommitted index entry of the exclusion constraint, a deadlock PostgreSQL breaks by
     * aborting one with 40P01 instead of the clear 23P01. The constraint, not this lock, is what
     * forbids the overlap.
     */
    async lockCounsellor(counsellorId: string): Promise<void> {
      await q.execute(sql`SELECT pg_advisory_xact_lock(hashtextextended(${counsellorId}, 0))`)
    },
    async byId(id: string): Promise<Appointment | undefined> {
      const [row] = await q.select().from(appointments).where(eq(appointments.id, id))
      return row
    },
    async byIdempotencyKey(linkId: string, key: string): Promise<Appointment | undefined> {
      const [row] = await q
        .select()
        .from(appointments)
        .where(and(eq(appointments.linkId, linkId), eq(appointments.idempotencyKey, key)))
      return row
    },
    async byManageCodeHash(hash: string): Promise<Appointment | undefined> {
      const [row] = await q.select().from(appointments).where(eq(appointments.manageCodeHash, hash))
      return row
    },
    async bookedOfLink(linkId: string): Promise<Appointment | undefined> {
      const [row] = await q
        .select()
        .from(appointments)
        .where(and(eq(appointments.linkId, linkId), eq(appointments.status, 'booked')))
      return row
    },
    /** Frees the slot at once: the row leaves the exclusion constraint's WHERE. Only a booked row changes. */
    async cancel(id: string, replacedById?: string): Promise<boolean> {
      const rows = await q
        .update(appointments)
        .set({ status: 'cancelled', cancelledAt: sql`now()`, replacedById: replacedById ?? null })
        .where(and(eq(appointments.id, id), eq(appointments.status, 'booked')))
        .returning({ id: appointments.id })
      return rows.length > 0
    },
    async setReplacedBy(id: string, replacedById: string): Promise<void> {
      await q.update(appointments).set({ replacedById }).where(eq(appointments.id, id))
    },

    /** Claims the confirmation: only the first caller gets the row (a retried job finds nothing). */
    async claimConfirmation(id: string): Promise<Appointment | undefined> {
      const [row] = await q
        .update(appointments)
        .set({ confirmationSentAt: sql`now()` })
        .where(and(eq(appointments.id, id), isNull(appointments.confirmationSentAt)))
        .returning()
      return row
    },
    /**
     * Claims a reminder of a still booked appointment, unless a counsellor paused the reminders
     * of its case (they already reached the student).
     */
    async claimReminder(id: string, step: ReminderStep): Promise<Appointment | undefined> {
      const column = sql.raw(SENT_COLUMN[step])
      const rows = await q.execute<{ id: string }>(sql`
        UPDATE appointments SET ${column} = now()
        WHERE id = ${id} AND status = 'booked' AND ${column} IS NULL
          AND NOT EXISTS (SELECT 1 FROM cases c WHERE c.id = appointments.case_id AND c.reminders_paused)
        RETURNING id`)
      return rows.length > 0 ? this.byId(id) : undefined
    },
    /** Records held / no-show of an appointment that was booked (or corrects one already recorded). */
    async markAttendance(id: string, status: 'held' | 'no_show'): Promise<Appointment | undefined> {
      const [row] = await q
        .update(appointments)
        .set({ status, attendanceAt: sql`now()` })
        .where(and(eq(appointments.id, id), inArray(appointments.status, ['booked', 'held', 'no_show'])))
        .returning()
      return row
    },
    /** Claims the « on reprend rendez-vous ? » e-mail of a no-show: the first caller only, ever. */
    async claimNoShowFollowUp(id: string): Promise<Appointment | undefined> {
      const [row] = await q
        .update(appointments)
        .set({ noShowFollowUpSentAt: sql`now()` })
        .where(and(eq(appointments.id, id), eq(appointments.status, 'no_show'), isNull(appointments.noShowFollowUpSentAt)))
        .returning()
      return row
    },
    /** Gives a claim back when the send failed, so the retry sends. */
    async releaseClaim(id: string, what: 'confirmation' | 'no_show' | ReminderStep): Promise<void> {
      const column = sql.raw(
        what === 'confirmation' ? 'confirmation_sent_at' : what === 'no_show' ? 'no_show_follow_up_sent_at' : SENT_COLUMN[what],
      )
      await q.execute(sql`UPDATE appointments SET ${column} = NULL WHERE id = ${id}`)
    },

    /** Appointments of a Mission Locale in [from, to), optionally of one place or one counsellor; staff list. */
    list(opts: { missionLocaleId: string | null; siteId?: string; counsellorId?: string; from: Date; to: Date }) {
      const where: SQL[] = [gte(appointments.startsAt, opts.from), lt(appointments.startsAt, opts.to)]
      if (opts.missionLocaleId) {
        where.push(eq(appointments.missionLocaleId, opts.missionLocaleId))
      }
      if (opts.siteId) {
        where.push(eq(appointments.siteId, opts.siteId))
      }
      if (opts.counsellorId) {
        where.push(eq(appointments.counsellorId, opts.counsellorId))
      }
      return q
        .select(listColumns)
        .from(appointments)
        .innerJoin(users, eq(users.id, appointments.counsellorId))
        .leftJoin(sites, eq(sites.id, appointments.siteId))
        .where(and(...where))
        .orderBy(asc(appointments.startsAt))
    },
  }
}
export type AppointmentRepository = ReturnType<typeof createAppointmentRepository>
export type AppointmentListRow = Awaited<ReturnType<AppointmentRepository['list']>>[number]
