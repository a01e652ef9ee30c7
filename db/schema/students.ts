import { bigint, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core'
import { organisations } from './organisations.ts'

/**
 * A student as the platform knows them: a pseudonym, unique per university. Everything else
 * hangs off this row. Bigint ids keep the large attendance table compact.
 */
export const students = pgTable(
  'students',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    universityId: uuid('university_id')
      .notNull()
      .references(() => organisations.id, { onDelete: 'restrict' }),
    pseudoId: text('pseudo_id').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex('students_university_pseudo_key').on(t.universityId, t.pseudoId)],
)
