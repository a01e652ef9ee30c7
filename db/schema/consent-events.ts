import { bigint, bigserial, index, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core'
import { consentChannel, consentStatus } from './consents.ts'
import { imports } from './imports.ts'
import { students } from './students.ts'

/**
 * The consent ledger's history, append-only (a trigger refuses UPDATE): every consent,
 * withdrawal and objection that changed a student's current consent (`consents`), with its
 * source, text version and date — the proof the CNIL asks for.
 */
export const consentEvents = pgTable(
  'consent_events',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    studentId: bigint('student_id', { mode: 'number' })
      .notNull()
      .references(() => students.id, { onDelete: 'cascade' }),
    channel: consentChannel('channel').notNull(),
    status: consentStatus('status').notNull(),
    source: text('source').notNull(),
    textVersion: text('text_version'),
    at: timestamp('at', { withTimezone: true }).notNull(),
    importId: uuid('import_id').references(() => imports.id, { onDelete: 'set null' }),
    recordedAt: timestamp('recorded_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('consent_events_student_idx').on(t.studentId, t.channel)],
)
