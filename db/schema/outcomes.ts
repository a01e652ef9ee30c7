import { bigint, date, pgEnum, pgTable, primaryKey, text, timestamp, uuid } from 'drizzle-orm/pg-core'
import { DEVENIR_VALUES } from '../vocabulary/index.ts'
import { imports } from './imports.ts'
import { students } from './students.ts'

/** What became of a student at the end of a year: the labels models are trained on. */
export const outcomeKind = pgEnum('outcome_kind', DEVENIR_VALUES)

export const outcomes = pgTable(
  'outcomes',
  {
    studentId: bigint('student_id', { mode: 'number' })
      .notNull()
      .references(() => students.id, { onDelete: 'cascade' }),
    academicYear: text('academic_year').notNull(),
    outcome: outcomeKind('outcome').notNull(),
    observedOn: date('observed_on'),
    importId: uuid('import_id').references(() => imports.id, { onDelete: 'set null' }),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.studentId, t.academicYear] })],
)
