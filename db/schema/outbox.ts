import { sql } from 'drizzle-orm'
import { bigserial, index, integer, jsonb, pgTable, text, timestamp } from 'drizzle-orm/pg-core'

/**
 * The transactional outbox: a job that must follow a database change is written here, in the
 * same transaction as the change, and a reconciler (`outbox.reconcile`, workers/queues.ts)
 * enqueues the rows not enqueued yet. A commit followed by a Redis failure, or by a crash,
 * therefore delays the job; it never loses it. The job id is the catalogue's deterministic one,
 * so enqueuing a row twice is harmless.
 */
export const outbox = pgTable(
  'outbox',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    /** A job name of the catalogue (`domain.verb`). */
    jobName: text('job_name').notNull(),
    /** Ids only, never personal data (checked against the catalogue's schema when added). */
    payload: jsonb('payload').$type<Record<string, unknown>>().notNull(),
    jobId: text('job_id').notNull(),
    /** Not enqueued before this time: delayed jobs (reminders) wait here, not in Redis. */
    availableAt: timestamp('available_at', { withTimezone: true }).notNull().defaultNow(),
    enqueuedAt: timestamp('enqueued_at', { withTimezone: true }),
    /** Enqueue attempts that failed (Redis down), and the last reason. */
    attempts: integer('attempts').notNull().default(0),
    lastError: text('last_error'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    // The reconciler reads only pending rows, oldest due first.
    index('outbox_pending_idx')
      .on(t.availableAt, t.id)
      .where(sql`${t.enqueuedAt} IS NULL`),
    index('outbox_pending_job_idx')
      .on(t.jobId)
      .where(sql`${t.enqueuedAt} IS NULL`),
  ],
)

export type OutboxRow = typeof outbox.$inferSelect
