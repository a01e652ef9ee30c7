/**
 * Job name → handler. The mapped type makes a missing handler a compile error, and
 * `assertEveryJobHasHandler` makes it a start-up error too (a worker never starts half-equipped).
 * What each job is (queue, payload, options, schedule, final failure) is in server/jobs/catalogue.ts.
 */
import { JOB_NAMES, type JobName } from '../server/jobs/catalogue.ts'
import type { JobHandler } from './job-context.ts'
import { failImportJob, processImportJob } from './jobs/process-import.job.ts'
import { notifyImportJob } from './jobs/notify-import.job.ts'
import { reconcileJob } from './jobs/reconcile.job.ts'
import { scoreBatchJob, scoreCohortJob, scoreNightlyJob, scoreRunJob } from './jobs/score-cohort.job.ts'
import { trainModelJob } from './jobs/train-model.job.ts'
import { appointmentConfirmJob, appointmentNoShowJob, appointmentRemindJob } from './jobs/appointment-notify.job.ts'
import { campaignTickJob, messageFailJob, messageSendJob } from './jobs/campaign.job.ts'

export type Handlers = { [K in JobName]: JobHandler<K> }

export const handlers: Handlers = {
  'import.process': processImportJob,
  'import.fail': failImportJob,
  'import.notify': notifyImportJob,
  'score.cohort': scoreCohortJob,
  'score.run': scoreRunJob,
  'score.batch': scoreBatchJob,
  'score.nightly': scoreNightlyJob,
  'model.train': trainModelJob,
  'appointment.confirm': appointmentConfirmJob,
  'appointment.remind': appointmentRemindJob,
  'appointment.no_show_follow_up': appointmentNoShowJob,
  'campaign.tick': campaignTickJob,
  'message.send': messageSendJob,
  'message.fail': messageFailJob,
  'outbox.reconcile': reconcileJob,
}

export function assertEveryJobHasHandler(reg: Partial<Record<string, unknown>>, names: readonly string[] = JOB_NAMES): void {
  const missing = names.filter((n) => {
    const h = reg[n] as { handle?: unknown; name?: unknown } | undefined
    return typeof h?.handle !== 'function' || h.name !== n
  })
  if (missing.length > 0) {
    throw new Error(`No handler registered for job(s): ${missing.join(', ')}`)
  }
}
