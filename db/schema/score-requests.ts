import { bigserial, index, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core'
import { imports } from './imports.ts'
import { organisations } from './organisations.ts'

/**
 * A cohort waiting to be scored: written by `score.cohort` when an import finishes.
 * TODO(scoring issue): the scoring job consumes these rows and writes risk_scores.
 */
export const scoreRequests = pgTable(
  'score_requests',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    universityId: uuid('university_id')
      .notNull()
      .references(() => organisations.id, { onDelete: 'cascade' }),
    academicYear: text('academic_year').notNull(),
    importId: uuid('import_id').references(() => imports.id, { onDelete: 'set null' }),
    status: text('status').notNull().default('pending'),
    requestedAt: timestamp('requested_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index('score_requests_university_idx').on(t.universityId, t.academicYear),
    uniqueIndex('score_requests_import_key').on(t.importId),
  ],
)
