import { bigint, customType, index, pgTable, smallint, timestamp, uuid } from 'drizzle-orm/pg-core'
import { imports } from './imports.ts'
import { students } from './students.ts'

const bytea = customType<{ data: Buffer; driverData: Buffer }>({ dataType: () => 'bytea' })

/**
 * Contact details of students who consented to be contacted, encrypted at rest with
 * AES-256-GCM (server/lib/crypto.ts). `key_id` names the data key of the three values, so keys
 * rotate (scripts/reencrypt-contacts.ts). Whether a student may be contacted is not here: the
 * consent ledger (`consents`) is the source of truth. Only the university reads them; a Mission
 * Locale learns who a student is only when the student acts.
 */
export const contacts = pgTable(
  'contacts',
  {
    studentId: bigint('student_id', { mode: 'number' })
      .primaryKey()
      .references(() => students.id, { onDelete: 'cascade' }),
    firstNameEnc: bytea('first_name_enc'),
    emailEnc: bytea('email_enc'),
    phoneEnc: bytea('phone_enc'),
    keyId: smallint('key_id').notNull().default(1),
    /** Set when a send found the address or number invalid (a permanent failure). */
    emailInvalidAt: timestamp('email_invalid_at', { withTimezone: true }),
    phoneInvalidAt: timestamp('phone_invalid_at', { withTimezone: true }),
    importId: uuid('import_id').references(() => imports.id, { onDelete: 'set null' }),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('contacts_key_id_idx').on(t.keyId)],
)
