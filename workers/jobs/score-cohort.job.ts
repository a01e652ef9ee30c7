/**
 * The scoring jobs (server/services/scoring.service.ts does the work):
 * `score.cohort` after an import (debounced into one pending run per cohort), `score.run` plans a
 * run's batches, `score.batch` scores a few hundred students, `score.nightly` re-scores every
 * cohort (its schedule is in the catalogue).
 */
import { defineHandler } from '../job-context.ts'

export const scoreCohortJob = defineHandler('score.cohort', ['scoring'], async (payload, { services }) =>
  services.scoring.requestCohortScore(payload, 'import'),
)

export const scoreRunJob = defineHandler('score.run', ['scoring'], async ({ runId }, { services }) => services.scoring.startRun(runId))

export const scoreBatchJob = defineHandler('score.batch', ['scoring'], async (payload, { services }) =>
  services.scoring.scoreBatch(payload),
)

export const scoreNightlyJob = defineHandler('score.nightly', ['scoring'], async (_payload, { services }) =>
  services.scoring.scoreEveryCohort(),
)
