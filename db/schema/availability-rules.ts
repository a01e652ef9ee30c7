import { sql } from 'drizzle-orm'
import { check, date, index, integer, pgTable, time, uuid } from 'drizzle-orm/pg-core'
import { id, timestamps } from './columns.ts'
import { organisations } from './organisations.ts'
import { siteModality, sites } from './sites.ts'
import { users } from './users.ts'

/**
 * A weekly opening of one counsellor: on `weekday` (ISO, 1 = Monday) from `start_time` to
 * `end_time`, Europe/Paris wall-clock time, cut into appointments of `slot_minutes`. `site_id`
 * is the place for on-site appointments; null for phone or video from anywhere.
 * Slots are computed from these rules, never stored: only booked appointments are rows.
 */
export const availabilityRules = pgTable(
  'availability_rules',
  {
    id: id(),
    missionLocaleId: uuid('mission_locale_id')
      .notNull()
      .references(() => organisations.id, { onDelete: 'cascade' }),
    counsellorId: uuid('counsellor_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    siteId: uuid('site_id').references(() => sites.id, { onDelete: 'cascade' }),
    modality: siteModality('modality').notNull(),
    weekday: integer('weekday').notNull(),
    startTime: time('start_time').notNull(),
    endTime: time('end_time').notNull(),
    slotMinutes: integer('slot_minutes').notNull().default(45),
    validFrom: date('valid_from').notNull(),
    validTo: date('valid_to'),
    ...timestamps,
  },
  (t) => [
    index('availability_rules_ml_idx').on(t.missionLocaleId),
    index('availability_rules_counsellor_idx').on(t.counsellorId),
    check('availability_rules_weekday', sql`${t.weekday} BETWEEN 1 AND 7`),
    check('availability_rules_times', sql`${t.startTime} < ${t.endTime}`),
    check('availability_rules_slot_minutes', sql`${t.slotMinutes} BETWEEN 10 AND 240`),
    check('availability_rules_site_for_in_person', sql`${t.modality} <> 'in_person' OR ${t.siteId} IS NOT NULL`),
  ],
)

export type AvailabilityRule = typeof availabilityRules.$inferSelect
