import { bigint, boolean, index, jsonb, pgEnum, pgTable, timestamp, uuid } from 'drizzle-orm/pg-core'
import { CASE_ORIGINS, CASE_OUTCOMES, CASE_STATUSES } from '../vocabulary/index.ts'
import { bytea, id, timestamps } from './columns.ts'
import { links } from './links.ts'
import { organisations } from './organisations.ts'
import { students } from './students.ts'
import { users } from './users.ts'

export const caseOrigin = pgEnum('case_origin', CASE_ORIGINS)
export const caseStatus = pgEnum('case_status', CASE_STATUSES)
export const caseOutcome = pgEnum('case_outcome', CASE_OUTCOMES)

/**
 * One young person in a Mission Locale's queue: opened by a booking or a callback request. The
 * inbox (issue #11, docs/inbox.md) claims, follows up and closes it with an outcome; its history
 * is in `case_events`. The identity is what the student chose
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
    /**
     * When the next action is due (acknowledge a booking, call back, follow up a no-show); null
     * when nothing is pending. Due today or overdue puts the case in « prioritaire ».
     */
    dueAt: timestamp('due_at', { withTimezone: true }),
    claimedAt: timestamp('claimed_at', { withTimezone: true }),
    outcome: caseOutcome('outcome'),
    closedAt: timestamp('closed_at', { withTimezone: true }),
    /** The counsellor reached the student: `appointment.remind` sends nothing more for this case. */
    remindersPaused: boolean('reminders_paused').notNull().default(false),
    identityEnc: bytea('identity_enc'),
    /** 16–17 years old at the time of the request: the counsellor checks the obligation de formation. */
    minor: boolean('minor').notNull().default(false),
    /** Non-identifying facts for the counsellor (callback moments…), never contact details. */
    details: jsonb('details').$type<Record<string, unknown>>().notNull().default({}),
    ...timestamps,
  },
  (t) => [
    index('cases_queue_idx').on(t.missionLocaleId, t.status, t.dueAt),
    index('cases_link_idx').on(t.linkId),
    index('cases_assignee_idx').on(t.assigneeId),
  ],
)

export type Case = typeof cases.$inferSelect
