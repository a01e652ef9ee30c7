import { bigserial, index, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core'
import { imports } from './imports.ts'
import { organisations } from './organisations.ts'

/**
 * One row per import that asked for its cohort to be scored (`score.cohort`): the trace of what
 * triggered scoring, unique per import so a job run twice records it once. The scoring itself is
 * a run (score_runs.ts): several requests within the debounce window join the same pending run.
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
