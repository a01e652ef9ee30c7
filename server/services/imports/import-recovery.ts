/**
 * No import stays stuck: the reconciler's sweep over imports left `queued` or `processing`
 * longer than the job lock without a live `import.process` job in BullMQ (the job vanished
 * with a Redis flush, failed without its final `markFailed`, or its worker died and BullMQ
 * dropped it). Each is given a new run (a new job id, through the outbox), or, when its runs
 * keep dying, failed with a French message so staff can retry or re-upload it.
 * A job that is active, waiting or delayed is left alone: BullMQ's own lock and stall
 * detection take an active job over when its worker dies.
 */
import type { Db } from '../../../db/client.ts'
import { createImportRepository, type ImportRepository } from '../../../db/repositories/imports.repository.ts'
import { JOBS, type JobName } from '../../../workers/queues.ts'
import type { Logger } from '../../lib/logger.ts'
import type { OutboxService } from '../outbox.service.ts'
import type { ImportProcessor } from './import-processor.ts'

/** BullMQ states in which the job will still run (or is running). */
const LIVE_STATES = new Set(['active', 'waiting', 'delayed', 'prioritized', 'waiting-children'])
/** Claims of one import (across runs) after which a dying run is not restarted but failed. */
const MAX_CLAIMS = JOBS['import.process'].opts.attempts ?? 3

type Deps = {
  db: Db
  imports: Pick<ImportRepository, 'unfinished'>
  outbox: Pick<OutboxService, 'add' | 'dispatch' | 'pendingJobIds'>
  processor: Pick<ImportProcessor, 'markFailed' | 'markAbandoned'>
  jobState: (name: JobName, jobId: string) => Promise<string>
  log: Logger
  config: { WORKER_LOCK_MS: number }
}

export type SweepResult = { requeued: number; failed: number }

export function createImportRecovery({ db, imports, outbox, processor, jobState, log, config }: Deps) {
  async function requeue(id: string, from: 'queued' | 'processing', run: number): Promise<boolean> {
    const ids = await db.transaction(async (tx) => {
      const next = await createImportRepository(tx).requeue(id, from, run)
      return next ? [await outbox.add(tx, 'import.process', { importId: id, run: next })] : []
    })
    await outbox.dispatch(ids)
    return ids.length > 0
  }

  return {
    async sweep(): Promise<SweepResult> {
      const result: SweepResult = { requeued: 0, failed: 0 }
      const rows = await imports.unfinished(new Date(Date.now() - config.WORKER_LOCK_MS))
      const jobIds = rows.map((r) => JOBS['import.process'].jobId({ importId: r.id, run: r.run }))
      // A job still in the outbox is on its way (the flush enqueues it).
      const pending = await outbox.pendingJobIds(jobIds)
      for (const [i, imp] of rows.entries()) {
        const jobId = jobIds[i] as string
        if (pending.has(jobId)) {
          continue
        }
        const state = await jobState('import.process', jobId)
        if (LIVE_STATES.has(state)) {
          continue
        }
        // The job failed for good but its `failed` handler never ran (worker died): record it.
        // Runs that keep dying are stopped. Anything else gets a new run.
        const verdict =
          imp.status === 'processing' && state === 'failed'
            ? { action: 'failed' as const, done: processor.markFailed(imp.id, imp.run) }
            : imp.status === 'processing' && imp.attempts >= MAX_CLAIMS
              ? { action: 'failed' as const, done: processor.markAbandoned(imp.id, imp.run) }
              : { action: 'requeued' as const, done: requeue(imp.id, imp.status as 'queued' | 'processing', imp.run) }
        if (await verdict.done) {
          result[verdict.action]++
          log.warn(
            { importId: imp.id, run: imp.run, status: imp.status, jobState: state, action: verdict.action },
            'import without a live job: recovered',
          )
        }
      }
      return result
    },
  }
}
export type ImportRecovery = ReturnType<typeof createImportRecovery>
