import { and, asc, eq, inArray, isNotNull, isNull, lt, lte, sql } from 'drizzle-orm'
import type { DbOrTx } from '../client.ts'
import { outbox, type OutboxRow } from '../schema/outbox.ts'

export type NewOutboxRow = { jobName: string; payload: Record<string, unknown>; jobId: string; availableAt?: Date }

/**
 * The outbox, built from `db` or from the caller's transaction: `add` must run in the same
 * transaction as the change the job follows, or the point of the table is lost.
 */
export function createOutboxRepository(q: DbOrTx) {
  return {
    async add(row: NewOutboxRow): Promise<number> {
      const [r] = await q.insert(outbox).values(row).returning({ id: outbox.id })
      return (r as { id: number }).id
    },

    /**
     * Locks up to `limit` pending rows that are due, oldest first, skipping rows another flush
     * holds (`FOR UPDATE SKIP LOCKED`): two reconcilers never enqueue the same row at once.
     * Call inside a transaction; reads the partial index `outbox_pending_idx`.
     */
    async lockDue(opts: { limit: number; ids?: number[] }): Promise<OutboxRow[]> {
      return q
        .select()
        .from(outbox)
        .where(and(isNull(outbox.enqueuedAt), lte(outbox.availableAt, sql`now()`), opts.ids ? inArray(outbox.id, opts.ids) : undefined))
        .orderBy(asc(outbox.availableAt), asc(outbox.id))
        .limit(opts.limit)
        .for('update', { skipLocked: true })
    },

    async markEnqueued(ids: number[]): Promise<void> {
      if (ids.length > 0) {
        await q
          .update(outbox)
          .set({ enqueuedAt: sql`now()` })
          .where(inArray(outbox.id, ids))
      }
    },

    async markAttemptFailed(id: number, error: string): Promise<void> {
      await q
        .update(outbox)
        .set({ attempts: sql`${outbox.attempts} + 1`, lastError: error.slice(0, 500) })
        .where(eq(outbox.id, id))
    },

    /** Job ids among `jobIds` that still wait in the outbox. */
    async pendingJobIds(jobIds: string[]): Promise<Set<string>> {
      if (jobIds.length === 0) {
        return new Set()
      }
      const rows = await q
        .select({ jobId: outbox.jobId })
        .from(outbox)
        .where(and(isNull(outbox.enqueuedAt), inArray(outbox.jobId, jobIds)))
      return new Set(rows.map((r) => r.jobId))
    },

    async pendingCount(): Promise<number> {
      const [r] = await q
        .select({ n: sql<number>`count(*)::int` })
        .from(outbox)
        .where(isNull(outbox.enqueuedAt))
      return r?.n ?? 0
    },

    /** Deletes rows enqueued before `before`: BullMQ owns the job from then on. */
    async pruneEnqueued(before: Date): Promise<number> {
      const rows = await q
        .delete(outbox)
        .where(and(isNotNull(outbox.enqueuedAt), lt(outbox.enqueuedAt, before)))
        .returning({ id: outbox.id })
      return rows.length
    },
  }
}
export type OutboxRepository = ReturnType<typeof createOutboxRepository>
