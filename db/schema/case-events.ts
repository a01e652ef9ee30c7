import { bigserial, index, jsonb, pgEnum, pgTable, timestamp, uuid } from 'drizzle-orm/pg-core'
import { CASE_EVENT_KINDS } from '../vocabulary/index.ts'
import { cases } from './cases.ts'
import { bytea } from './columns.ts'
import { users } from './users.ts'

export const caseEventKind = pgEnum('case_event_kind', CASE_EVENT_KINDS)

/**
 * The history of a case: one row per action (claim, assignment, note, contact attempt, status,
 * outcome, appointment attendance, reminders paused, follow-up). A note's text is personal data,
 * encrypted at rest like the identity (AES-256-GCM, server/lib/crypto.ts); `payload` holds only
 * codes and ids (statuses, channels, user ids), never text the counsellor typed.
 */
export const caseEvents = pgTable(
  'case_events',
  {
    /** Increasing: orders the events of one instant as they were written. */
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    caseId: uuid('case_id')
      .notNull()
      .references(() => cases.id, { onDelete: 'cascade' }),
    /** Null for the platform itself (the case opened by a booking, a job). */
    actorUserId: uuid('actor_user_id').references(() => users.id, { onDelete: 'set null' }),
    kind: caseEventKind('kind').notNull(),
    payload: jsonb('payload').$type<Record<string, unknown>>().notNull().default({}),
    noteEnc: bytea('note_enc'),
    at: timestamp('at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('case_events_case_idx').on(t.caseId, t.at)],
)

export type CaseEvent = typeof caseEvents.$inferSelect
