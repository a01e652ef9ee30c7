import { bigint, boolean, date, integer, pgTable, primaryKey, text, timestamp, uuid } from 'drizzle-orm/pg-core'
import { imports } from './imports.ts'
import { students } from './students.ts'

/** One row per student and academic year (`etudiants` import). */
export const enrolments = pgTable(
  'enrolments',
  {
    studentId: bigint('student_id', { mode: 'number' })
      .notNull()
      .references(() => students.id, { onDelete: 'cascade' }),
    academicYear: text('academic_year').notNull(),
    faculty: text('faculty'),
    stepCode: text('step_code'),
    stepLabel: text('step_label'),
    level: text('level'),
    campus: text('campus'),
    birthYear: integer('birth_year'),
    grantHolder: boolean('grant_holder'),
    grantLevel: text('grant_level'),
    homeCommuneInsee: text('home_commune_insee'),
    homePostcode: text('home_postcode'),
    registrationDate: date('registration_date'),
    adminStatus: text('admin_status'),
    pedagogicalStatus: text('pedagogical_status'),
    studyRegime: text('study_regime'),
    ouiSi: boolean('oui_si'),
    importId: uuid('import_id').references(() => imports.id, { onDelete: 'set null' }),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.studentId, t.academicYear] })],
)
