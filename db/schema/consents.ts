import { bigint, index, pgEnum, pgTable, primaryKey, text, timestamp, uuid } from 'drizzle-orm/pg-core'
import { CONSENT_CHANNELS, CONSENT_STATUSES } from '../vocabulary/index.ts'
import { imports } from './imports.ts'
import { students } from './students.ts'

export const consentChannel = pgEnum('consent_channel', CONSENT_CHANNELS)
export const consentStatus = pgEnum('consent_status', CONSENT_STATUSES)

/**
 * The current consent of each student per channel: the latest event of `consent_events` that
 * was allowed to apply (db/repositories/consents.repository.ts). The source of truth for every
 * send; the contacts file feeds it but never overrides a later withdrawal or any objection.
 */
export const consents = pgTable(
  'consents',
  {
    studentId: bigint('student_id', { mode: 'number' })
      .notNull()
      .references(() => students.id, { onDelete: 'cascade' }),
    channel: consentChannel('channel').notNull(),
    status: consentStatus('status').notNull(),
    /** Where the consent (or its withdrawal) was given: the file's source, "lien personnel", "désinscription"… */
    source: text('source').notNull(),
    /** The version of the information text the student agreed to, when known. */
    textVersion: text('text_version'),
    /** When it happened (a consent date from a file is midnight Europe/Paris of that day). */
    at: timestamp('at', { withTimezone: true }).notNull(),
    importId: uuid('import_id').references(() => imports.id, { onDelete: 'set null' }),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.studentId, t.channel] }), index('consents_channel_status_idx').on(t.channel, t.status)],
)

export type Consent = typeof consents.$inferSelect
