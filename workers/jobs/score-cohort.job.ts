/**
 * The scoring jobs (server/services/scoring.service.ts does the work):
 * `score.cohort` after an import (debounced into one pending run per cohort), `score.run` plans a
 * run's batches, `score.batch` scores a few hundred students, `score.nightly` re-scores every cohort.
 */
import type { Queues } from '../../server/lib/queue.ts'
import type { JobHandler } from '../registry.ts'

export const scoreCohortJob: JobHandler<'score.cohort'> = async (payload, { services }) =>
  services.scoring.requestCohortScore(payload, 'import')

export const scoreRunJob: JobHandler<'score.run'> = async ({ runId }, { services }) => services.scoring.startRun(runId)

export const scoreBatchJob: JobHandler<'score.batch'> = async (payload, { services }) => services.scoring.scoreBatch(payload)

export const scoreNightlyJob: JobHandler<'score.nightly'> = async (_payload, { services }) => services.scoring.scoreEveryCohort()

/** 03:00 in Paris, after the nightly exports of the universities. */
export const NIGHTLY_SCORING_CRON = '0 3 * * *'

/**
 * Registers the nightly run as a BullMQ job scheduler (idempotent: same scheduler id, same
 * options). Called once when the workers start.
 * @see https://docs.bullmq.io/guide/job-schedulers
 */
export async function ensureScoringSchedules(queues: Pick<Queues, 'get'>): Promise<void> {
  await queues
    .get('scoring')
    .upsertJobScheduler('score-nightly', { pattern: NIGHTLY_SCORING_CRON, tz: 'Europe/Paris' }, { name: 'score.nightly', data: {} })
}
