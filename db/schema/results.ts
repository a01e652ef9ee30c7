import { bigint, numeric, pgEnum, pgTable, primaryKey, smallint, text, timestamp, uuid } from 'drizzle-orm/pg-core'
import { RESULT_VALUES } from '../vocabulary/index.ts'
import { imports } from './imports.ts'
import { students } from './students.ts'

/** Apogée result codes normalised (the raw code is kept beside it). */
export const resultOutcome = pgEnum('result_outcome', RESULT_VALUES)

export const results = pgTable(
  'results',
  {
    studentId: bigint('student_id', { mode: 'number' })
      .notNull()
      .references(() => students.id, { onDelete: 'cascade' }),
    academicYear: text('academic_year').notNull(),
    courseUnit: text('course_unit').notNull(),
    session: smallint('session').notNull(),
    grade: numeric('grade', { precision: 5, scale: 2, mode: 'number' }),
    resultRaw: text('result_raw'),
    result: resultOutcome('result'),
    ects: numeric('ects', { precision: 5, scale: 2, mode: 'number' }),
    importId: uuid('import_id').references(() => imports.id, { onDelete: 'set null' }),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.studentId, t.academicYear, t.courseUnit, t.session] })],
)
