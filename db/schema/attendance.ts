import { bigint, boolean, date, integer, pgEnum, pgTable, primaryKey, text, timestamp, uuid } from 'drizzle-orm/pg-core'
import { PRESENCE_VALUES } from '../vocabulary/index.ts'
import { imports } from './imports.ts'
import { students } from './students.ts'

export const presence = pgEnum('presence', PRESENCE_VALUES)

/**
 * Attendance, one row per student and session (`assiduite`, shape `session`).
 * The natural key is the primary key: the only index this large table maintains.
 * `session_type` and `session_time` are '' when the file does not give them, so the key stays total.
 */
export const attendanceSessions = pgTable(
  'attendance_sessions',
  {
    studentId: bigint('student_id', { mode: 'number' })
      .notNull()
      .references(() => students.id, { onDelete: 'cascade' }),
    courseUnit: text('course_unit').notNull(),
    sessionDate: date('session_date').notNull(),
    sessionType: text('session_type').notNull().default(''),
    sessionTime: text('session_time').notNull().default(''),
    presenceRaw: text('presence_raw').notNull(),
    presence: presence('presence').notNull(),
    justified: boolean('justified'),
    /** No foreign key on purpose: a per-row check on millions of rows for a provenance field. */
    importId: uuid('import_id'),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.studentId, t.courseUnit, t.sessionDate, t.sessionType, t.sessionTime] })],
)

/** Attendance, one row per student, week and (optionally) course unit (`assiduite`, shape `week`). */
export const attendanceWeeks = pgTable(
  'attendance_weeks',
  {
    studentId: bigint('student_id', { mode: 'number' })
      .notNull()
      .references(() => students.id, { onDelete: 'cascade' }),
    weekStart: date('week_start').notNull(),
    courseUnit: text('course_unit').notNull().default(''),
    sessionsExpected: integer('sessions_expected').notNull(),
    sessionsAttended: integer('sessions_attended').notNull(),
    importId: uuid('import_id').references(() => imports.id, { onDelete: 'set null' }),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.studentId, t.weekStart, t.courseUnit] })],
)
