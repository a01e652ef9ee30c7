import type { Db } from '../../db/client.ts'
import { scoreRequests } from '../../db/schema/score-requests.ts'
import type { Logger } from '../lib/logger.ts'

/**
 * Scoring of a university's cohort.
 * TODO(scoring issue): compute features and risk scores. Until then a finished import
 * records that its cohort needs scoring, so nothing is lost when scoring lands.
 */
export function createScoringService({ db, log }: { db: Db; log: Logger }) {
  return {
    async requestCohortScore(p: { universityId: string; academicYear: string; importId: string }): Promise<void> {
      // One request per import: running the job twice records it once.
      await db.insert(scoreRequests).values(p).onConflictDoNothing({ target: scoreRequests.importId })
      log.info({ universityId: p.universityId, academicYear: p.academicYear, importId: p.importId }, 'cohort scoring requested')
    },
  }
}
export type ScoringService = ReturnType<typeof createScoringService>
