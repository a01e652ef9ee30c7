import { boolean, integer, pgTable, text, uuid } from 'drizzle-orm/pg-core'
import { timestamps } from './columns.ts'
import { organisations } from './organisations.ts'

/**
 * What the student journey needs to know about one Mission Locale: its booking settings and the
 * generic contact shown to students (landing page, expired links, "too late to change").
 * A Mission Locale without a row uses the defaults and shows its agency's address only.
 */
export const missionLocaleSettings = pgTable('mission_locale_settings', {
  missionLocaleId: uuid('mission_locale_id')
    .primaryKey()
    .references(() => organisations.id, { onDelete: 'cascade' }),
  /** No slot starts sooner than this after now. */
  minNoticeMinutes: integer('min_notice_minutes').notNull().default(120),
  /** No slot starts later than this many days from today. */
  horizonDays: integer('horizon_days').notNull().default(28),
  /** French public holidays (computed, Easter included) close every place of the Mission Locale. */
  closedOnPublicHolidays: boolean('closed_on_public_holidays').notNull().default(true),
  /** Inbox due dates (issue #11), in working days: call back within, acknowledge a booking within. */
  callbackDueWorkingDays: integer('callback_due_working_days').notNull().default(2),
  bookingAckWorkingDays: integer('booking_ack_working_days').notNull().default(1),
  publicPhone: text('public_phone'),
  publicEmail: text('public_email'),
  ...timestamps,
})

export type MissionLocaleSettings = typeof missionLocaleSettings.$inferSelect
export const BOOKING_DEFAULTS = {
  minNoticeMinutes: 120,
  horizonDays: 28,
  closedOnPublicHolidays: true,
  callbackDueWorkingDays: 2,
  bookingAckWorkingDays: 1,
} as const
