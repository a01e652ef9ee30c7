import { boolean, pgEnum, pgTable, timestamp, uuid } from 'drizzle-orm/pg-core'
import { CALLBACK_MOMENTS } from '../vocabulary/index.ts'
import { cases } from './cases.ts'
import { links } from './links.ts'

export const callbackMoment = pgEnum('callback_moment', CALLBACK_MOMENTS)

/** When a student asked to be called back; the phone number is in the case's encrypted identity. */
export const callbackRequests = pgTable('callback_requests', {
  caseId: uuid('case_id')
    .primaryKey()
    .references(() => cases.id, { onDelete: 'cascade' }),
  linkId: uuid('link_id').references(() => links.id, { onDelete: 'set null' }),
  moments: callbackMoment('moments').array().notNull(),
  weekdaysOnly: boolean('weekdays_only').notNull().default(true),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
})

export type CallbackRequest = typeof callbackRequests.$inferSelect
