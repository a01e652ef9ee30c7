import { customType, timestamp, uuid } from 'drizzle-orm/pg-core'

/** Shared column helpers: every table gets the same id and timestamp shapes. */
export const id = () => uuid('id').primaryKey().defaultRandom()

export const timestamps = {
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  updatedAt: timestamp('updated_at', { withTimezone: true })
    .notNull()
    .defaultNow()
    .$onUpdate(() => new Date()),
}

/** Encrypted fields (AES-256-GCM, server/lib/crypto.ts) are stored as bytea. */
export const bytea = customType<{ data: Buffer; driverData: Buffer }>({ dataType: () => 'bytea' })

/**
 * A PostgreSQL tstzrange, read as its text form. Used as a generated column only (appointments),
 * so the application never writes it.
 */
export const tstzrange = customType<{ data: string; driverData: string }>({ dataType: () => 'tstzrange' })
