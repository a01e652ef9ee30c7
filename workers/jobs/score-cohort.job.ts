import type { JobHandler } from '../registry.ts'

/** `score.cohort`: score a university's cohort after new data arrived. */
export const scoreCohortJob: JobHandler<'score.cohort'> = async (payload, { services }) => {
  await services.scoring.requestCohortScore(payload)
  return 'done'
}
