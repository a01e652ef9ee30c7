import { bigint, date, integer, pgTable, primaryKey, timestamp, uuid } from 'drizzle-orm/pg-core'
import { imports } from './imports.ts'
import { students } from './students.ts'

/** Optional activity on the university's learning platform (ENT/LMS), per week. */
export const lmsActivity = pgTable(
  'lms_activity',
  {
    studentId: bigint('student_id', { mode: 'number' })
      .notNull()
      .references(() => students.id, { onDelete: 'cascade' }),
    weekStart: date('week_start').notNull(),
    logins: integer('logins').notNull(),
    minutes: integer('minutes'),
    resourcesViewed: integer('resources_viewed'),
    assignmentsSubmitted: integer('assignments_submitted'),
    importId: uuid('import_id').references(() => imports.id, { onDelete: 'set null' }),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.studentId, t.weekStart] })],
)
