import { bigint, doublePrecision, pgTable, primaryKey, text, timestamp, uuid } from 'drizzle-orm/pg-core'
import { importKind } from './imports.ts'
import { students } from './students.ts'

/**
 * Extra `indicateur_<name>` columns of analytics imports, kept per student and offered to
 * the model as features. `academic_year` is '' when the file gives none.
 */
export const studentIndicators = pgTable(
  'student_indicators',
  {
    studentId: bigint('student_id', { mode: 'number' })
      .notNull()
      .references(() => students.id, { onDelete: 'cascade' }),
    academicYear: text('academic_year').notNull().default(''),
    sourceKind: importKind('source_kind').notNull(),
    name: text('name').notNull(),
    value: doublePrecision('value'),
    importId: uuid('import_id'),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.studentId, t.academicYear, t.sourceKind, t.name] })],
)
