import { sql } from 'drizzle-orm'
import { check, index, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core'
import { id, timestamps } from './columns.ts'
import { organisations } from './organisations.ts'
import { sites } from './sites.ts'
import { users } from './users.ts'

/**
 * A closure: no slot overlapping [starts_at, ends_at) is offered. Scope: one counsellor
 * (absence), one place (works), or the whole Mission Locale when both are null (a bridge day).
 * French public holidays need no row: they are computed (settings.closed_on_public_holidays).
 */
export const availabilityExceptions = pgTable(
  'availability_exceptions',
  {
    id: id(),
    missionLocaleId: uuid('mission_locale_id')
      .notNull()
      .references(() => organisations.id, { onDelete: 'cascade' }),
    counsellorId: uuid('counsellor_id').references(() => users.id, { onDelete: 'cascade' }),
    siteId: uuid('site_id').references(() => sites.id, { onDelete: 'cascade' }),
    startsAt: timestamp('starts_at', { withTimezone: true }).notNull(),
    endsAt: timestamp('ends_at', { withTimezone: true }).notNull(),
    reason: text('reason').notNull(),
    ...timestamps,
  },
  (t) => [
    index('availability_exceptions_ml_idx').on(t.missionLocaleId, t.startsAt),
    check('availability_exceptions_range', sql`${t.startsAt} < ${t.endsAt}`),
  ],
)

export type AvailabilityException = typeof availabilityExceptions.$inferSelect
