/**
 * One mechanism for "a job must follow this database change", for every domain:
 *
 *   await db.transaction(async (tx) => {
 *     await repo(tx).changeSomething()
 *     ids.push(await outbox.add(tx, 'domain.verb', { someId }))   // same transaction
 *   })
 *   await outbox.dispatch(ids)                                    // best effort, after commit
 *
 * If Redis is down at commit time, or the process dies right after the commit, the row stays
 * pending and the repeatable `outbox.reconcile` job enqueues it later. The job id is the
 * catalogue's deterministic one (workers/queues.ts), so a row enqueued twice (a flush whose
 * final UPDATE was lost) is still one job while BullMQ keeps it; handlers claim their rows
 * anyway, so a late duplicate finds nothing to do.
 */
import Value from 'typebox/value'
import type { Db, DbOrTx } from '../../db/client.ts'
import { createOutboxRepository } from '../../db/repositories/outbox.repository.ts'
import { JOBS, JobPayloadSchemas, type JobName, type JobPayloads } from '../../workers/queues.ts'
import type { Logger } from '../lib/logger.ts'
import type { Queues } from '../lib/queue.ts'

type Deps = { db: Db; queues: Pick<Queues, 'enqueue'>; log: Logger }

export type FlushResult = { enqueued: number; failed: number; lastError?: string }

const BATCH = 200
/** Enqueued rows are kept this long (to read what was sent when), then deleted. */
const KEEP_ENQUEUED_MS = 7 * 24 * 3600_000

export function createOutboxService({ db, queues, log }: Deps) {
  /** One batch in one transaction: lock due rows, enqueue them in order, mark what went through. */
  async function flushBatch(opts: { ids?: number[]; limit: number }): Promise<FlushResult & { seen: number }> {
    return db.transaction(async (tx) => {
      const repo = createOutboxRepository(tx)
      const rows = await repo.lockDue(opts)
      const done: number[] = []
      let failed = 0
      let lastError: string | undefined
      for (const row of rows) {
        try {
          await queues.enqueue(row.jobName as JobName, row.payload)
          done.push(row.id)
        } catch (err) {
          // Redis is down or refusing: the next rows would fail the same way. Keep them for later.
          lastError = (err as Error).message
          failed++
          await repo.markAttemptFailed(row.id, lastError)
          break
        }
      }
      await repo.markEnqueued(done)
      return { seen: rows.length, enqueued: done.length, failed, ...(lastError ? { lastError } : {}) }
    })
  }

  return {
    /**
     * Records a job to run after the caller's transaction commits. `q` MUST be that transaction.
     * Returns the outbox row id, for `dispatch` once committed.
     */
    async add<K extends JobName>(q: DbOrTx, name: K, payload: JobPayloads[K], opts: { delayMs?: number } = {}): Promise<number> {
      // A payload the worker would refuse is a bug: fail the transaction now, not the job later.
      if (!Value.Check(JobPayloadSchemas[name], payload)) {
        throw new Error(`invalid payload for ${name}`)
      }
      return createOutboxRepository(q).add({
        jobName: name,
        payload: payload as Record<string, unknown>,
        jobId: JOBS[name].jobId(payload),
        ...(opts.delayMs ? { availableAt: new Date(Date.now() + opts.delayMs) } : {}),
      })
    },

    /**
     * Enqueues these rows now, right after their commit; never throws. When Redis cannot take
     * them, the reconciler will.
     */
    async dispatch(ids: number[]): Promise<void> {
      if (ids.length === 0) {
        return
      }
      try {
        const r = await flushBatch({ ids, limit: ids.length })
        if (r.failed > 0) {
          log.warn({ outboxIds: ids, err: { message: r.lastError } }, 'outbox: enqueue after commit failed; the reconciler will retry')
        }
      } catch (err) {
        log.warn({ outboxIds: ids, err: { message: (err as Error).message } }, 'outbox: dispatch failed; the reconciler will retry')
      }
    },

    /** Enqueues every due pending row, batch after batch, until none is left or Redis fails. */
    async flush(): Promise<FlushResult> {
      const total: FlushResult = { enqueued: 0, failed: 0 }
      for (;;) {
        const r = await flushBatch({ limit: BATCH })
        total.enqueued += r.enqueued
        total.failed += r.failed
        if (r.lastError) {
          total.lastError = r.lastError
        }
        if (r.failed > 0 || r.seen < BATCH) {
          return total
        }
      }
    },

    pendingCount: () => createOutboxRepository(db).pendingCount(),

    pendingJobIds: (jobIds: string[]) => createOutboxRepository(db).pendingJobIds(jobIds),

    prune: () => createOutboxRepository(db).pruneEnqueued(new Date(Date.now() - KEEP_ENQUEUED_MS)),
  }
}
export type OutboxService = ReturnType<typeof createOutboxService>
