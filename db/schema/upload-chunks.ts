import { customType, integer, pgTable, primaryKey, uuid } from 'drizzle-orm/pg-core'

const bytea = customType<{ data: Buffer; driverData: Buffer }>({ dataType: () => 'bytea' })

/**
 * Uploaded files kept in PostgreSQL (UPLOAD_STORE=postgres), for servers and workers on several
 * machines: one row per chunk of about 1 MiB, in order (`seq` from 0). A file's chunks are
 * written in one transaction, so a file is either whole or absent; they are deleted when its
 * import ends. `upload_id` is the uuid of the key `pg:<uuid>` kept in `imports.stored_path`.
 */
export const uploadChunks = pgTable(
  'upload_chunks',
  {
    uploadId: uuid('upload_id').notNull(),
    seq: integer('seq').notNull(),
    data: bytea('data').notNull(),
  },
  (t) => [primaryKey({ columns: [t.uploadId, t.seq] })],
)
