import { index, pgEnum, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core'
import { CASE_VERDICTS } from '../vocabulary/index.ts'
import { id } from './columns.ts'
import { organisations } from './organisations.ts'

export const caseVerdict = pgEnum('case_verdict', CASE_VERDICTS)

/**
 * A counsellor's verdict on a risk alert (« fausse alerte », « déjà réorienté »), for the next
 * model training. Keyed by the university's pseudonymous id only: no case, no name, no link,
 * so the training set never reaches what the student shared with the Mission Locale.
 */
export const modelFeedback = pgTable(
  'model_feedback',
  {
    id: id(),
    universityId: uuid('university_id')
      .notNull()
      .references(() => organisations.id, { onDelete: 'cascade' }),
    pseudoId: text('pseudo_id').notNull(),
    verdict: caseVerdict('verdict').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('model_feedback_student_idx').on(t.universityId, t.pseudoId)],
)

export type ModelFeedback = typeof modelFeedback.$inferSelect
