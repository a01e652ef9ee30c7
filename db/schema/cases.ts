import { bigint, boolean, index, jsonb, pgEnum, pgTable, timestamp, uuid } from 'drizzle-orm/pg-core'
import { CASE_ORIGINS, CASE_STATUSES } from '../vocabulary/index.ts'
import { bytea, id, timestamps } from './columns.ts'
import { links } from './links.ts'
import { organisations } from './organisations.ts'
import { students } from './students.ts'
import { users } from './users.ts'

export const caseOrigin = pgEnum('case_origin', CASE_ORIGINS)
export const caseStatus = pgEnum('case_status', CASE_STATUSES)

/**
 * One young person in a Mission Locale's queue: opened by a booking or a callback request (the
 * inbox issue #11 adds referrals, claims and outcomes). The identity is what the student chose
 * to give, encrypted at rest (AES-256-GCM, server/lib/crypto.ts): a JSON object
 * `{ firstName, lastName?, email?, phone?, birthDate?, message? }`.
 */
export const cases = pgTable(
  'cases',
  {
    id: id(),
    missionLocaleId: uuid('mission_locale_id')
      .notNull()
      .references(() => organisations.id, { onDelete: 'restrict' }),
    origin: caseOrigin('origin').notNull(),
    status: caseStatus('status').notNull().default('new'),
    studentId: bigint('student_id', { mode: 'number' }).references(() => students.id, { onDelete: 'set null' }),
    linkId: uuid('link_id').references(() => links.id, { onDelete: 'set null' }),
    assigneeId: uuid('assignee_id').references(() => users.id, { onDelete: 'set null' }),
    /** When the Mission Locale should have acted: the appointment's start, or 2 working days for a callback. */
    dueAt: timestamp('due_at', { withTimezone: true }),
    identityEnc: bytea('identity_enc'),
    /** 16–17 years old at the time of the request: the counsellor checks the obligation de formation. */
    minor: boolean('minor').notNull().default(false),
    /** Non-identifying facts for the counsellor (callback moments…), never contact details. */
    details: jsonb('details').$type<Record<string, unknown>>().notNull().default({}),
    ...timestamps,
  },
  (t) => [index('cases_queue_idx').on(t.missionLocaleId, t.status, t.dueAt), index('cases_link_idx').on(t.linkId)],
)

export type Case = typeof cases.$inferSelect
