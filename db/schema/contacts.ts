import { bigint, boolean, customType, date, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core'
import { imports } from './imports.ts'
import { students } from './students.ts'

const bytea = customType<{ data: Buffer; driverData: Buffer }>({ dataType: () => 'bytea' })

/**
 * Contact details of students who consented to be contacted, encrypted at rest with
 * AES-256-GCM (key DATA_ENCRYPTION_KEY, see server/lib/crypto.ts). Only the university
 * reads them; a Mission Locale learns who a student is only when the student acts.
 */
export const contacts = pgTable('contacts', {
  studentId: bigint('student_id', { mode: 'number' })
    .primaryKey()
    .references(() => students.id, { onDelete: 'cascade' }),
  firstNameEnc: bytea('first_name_enc'),
  emailEnc: bytea('email_enc'),
  phoneEnc: bytea('phone_enc'),
  consentEmail: boolean('consent_email').notNull().default(false),
  consentSms: boolean('consent_sms').notNull().default(false),
  consentDate: date('consent_date').notNull(),
  consentSource: text('consent_source').notNull(),
  importId: uuid('import_id').references(() => imports.id, { onDelete: 'set null' }),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
})
