/**
 * Job name → handler. The mapped type makes a missing handler a compile error, and
 * `assertEveryJobHasHandler` makes it a start-up error too (a worker never starts half-equipped).
 */
import type { Container } from '../server/container.ts'
import type { Logger } from '../server/lib/logger.ts'
import { JOB_NAMES, type JobName, type JobPayloads } from './queues.ts'
import { processImportJob } from './jobs/process-import.job.ts'
import { scoreCohortJob } from './jobs/score-cohort.job.ts'
import { notifyImportJob } from './jobs/notify-import.job.ts'
import { reconcileJob } from './jobs/reconcile.job.ts'
import { appointmentConfirmJob } from './jobs/appointment-confirm.job.ts'
import { appointmentRemindJob } from './jobs/appointment-remind.job.ts'

export type JobContext = {
  services: Container
  log: Logger
  job: { id: string; attemptsMade: number; updateProgress(progress: object): Promise<void> }
}

/** What a handler reports; BullMQ stores it as the job's return value. */
export type JobOutcome = 'done' | 'skipped' | 'failed'

export type JobHandler<K extends JobName> = (payload: JobPayloads[K], ctx: JobContext) => Promise<JobOutcome>

export type Registry = { [K in JobName]: JobHandler<K> }

export const registry: Registry = {
  'import.process': processImportJob,
  'import.notify': notifyImportJob,
  'score.cohort': scoreCohortJob,
  'outbox.reconcile': reconcileJob,
  'appointment.confirm': appointmentConfirmJob,
  'appointment.remind': appointmentRemindJob,
}

export function assertEveryJobHasHandler(reg: Partial<Record<string, unknown>>, names: readonly string[] = JOB_NAMES): void {
  const missing = names.filter((n) => typeof reg[n] !== 'function')
  if (missing.length > 0) {
    throw new Error(`No handler registered for job(s): ${missing.join(', ')}`)
  }
}
