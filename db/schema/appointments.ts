import { sql } from 'drizzle-orm'
import { boolean, check, index, pgEnum, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core'
import { APPOINTMENT_STATUSES } from '../vocabulary/index.ts'
import { availabilityRules } from './availability-rules.ts'
import { cases } from './cases.ts'
import { bytea, id, timestamps, tstzrange } from './columns.ts'
import { links } from './links.ts'
import { organisations } from './organisations.ts'
import { siteModality, sites } from './sites.ts'
import { users } from './users.ts'

export const appointmentStatus = pgEnum('appointment_status', APPOINTMENT_STATUSES)

/**
 * A booked appointment. A double booking is impossible in the database: the custom migration
 * 0004 adds `EXCLUDE USING gist (counsellor_id WITH =, during WITH &&) WHERE (status = 'booked')`
 * on the generated range `during` (btree_gist), which drizzle-kit cannot express. A cancelled
 * row leaves the constraint at once, so its slot is free again.
 * The student's identity is encrypted (AES-256-GCM); the manage code is stored as a sha256 only.
 */
export const appointments = pgTable(
  'appointments',
  {
    id: id(),
    missionLocaleId: uuid('mission_locale_id')
      .notNull()
      .references(() => organisations.id, { onDelete: 'restrict' }),
    counsellorId: uuid('counsellor_id')
      .notNull()
      .references(() => users.id, { onDelete: 'restrict' }),
    siteId: uuid('site_id').references(() => sites.id, { onDelete: 'set null' }),
    ruleId: uuid('rule_id').references(() => availabilityRules.id, { onDelete: 'set null' }),
    linkId: uuid('link_id').references(() => links.id, { onDelete: 'set null' }),
    caseId: uuid('case_id').references(() => cases.id, { onDelete: 'set null' }),
    modality: siteModality('modality').notNull(),
    startsAt: timestamp('starts_at', { withTimezone: true }).notNull(),
    endsAt: timestamp('ends_at', { withTimezone: true }).notNull(),
    during: tstzrange('during')
      .notNull()
      .generatedAlwaysAs(sql`tstzrange(starts_at, ends_at, '[)')`),
    status: appointmentStatus('status').notNull().default('booked'),
    identityEnc: bytea('identity_enc').notNull(),
    minor: boolean('minor').notNull().default(false),
    /** The client's key for one submission: the same key on the same link returns the same booking. */
    idempotencyKey: text('idempotency_key').notNull(),
    manageCodeHash: text('manage_code_hash').notNull(),
    /** Claimed by the jobs before sending, so a retried job never sends twice. */
    confirmationSentAt: timestamp('confirmation_sent_at', { withTimezone: true }),
    reminder48hSentAt: timestamp('reminder_48h_sent_at', { withTimezone: true }),
    reminder2hSentAt: timestamp('reminder_2h_sent_at', { withTimezone: true }),
    cancelledAt: timestamp('cancelled_at', { withTimezone: true }),
    /** When held / no-show was recorded, and by whom. */
    attendanceAt: timestamp('attendance_at', { withTimezone: true }),
    /** Claimed before the « on reprend rendez-vous ? » e-mail after a no-show: it is sent once at most. */
    noShowFollowUpSentAt: timestamp('no_show_follow_up_sent_at', { withTimezone: true }),
    /** When the appointment was moved, the appointment that replaced it. */
    replacedById: uuid('replaced_by_id'),
    ...timestamps,
  },
  (t) => [
    uniqueIndex('appointments_idempotency_key').on(t.linkId, t.idempotencyKey),
    uniqueIndex('appointments_manage_code_key').on(t.manageCodeHash),
    // One live booking per link: a second one is a move, not a new booking.
    uniqueIndex('appointments_one_booked_per_link')
      .on(t.linkId)
      .where(sql`${t.status} = 'booked'`),
    index('appointments_counsellor_idx').on(t.counsellorId, t.startsAt),
    index('appointments_ml_day_idx').on(t.missionLocaleId, t.startsAt),
    check('appointments_range', sql`${t.startsAt} < ${t.endsAt}`),
  ],
)

export type Appointment = typeof appointments.$inferSelect
