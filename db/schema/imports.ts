import { sql } from 'drizzle-orm'
import { bigint, index, integer, jsonb, pgEnum, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core'
import { IMPORT_KINDS, IMPORT_STATUSES } from '../vocabulary/index.ts'
import { id, timestamps } from './columns.ts'
import { organisations } from './organisations.ts'
import { users } from './users.ts'

export const importKind = pgEnum('import_kind', IMPORT_KINDS)

/**
 * uploaded → (awaiting_mapping →) queued → processing → succeeded | failed.
 * `rejected` is for files refused before processing (direct identifiers, too many invalid rows
 * is `failed` with a report). A failed or rejected file may be uploaded again.
 */
export const importStatus = pgEnum('import_status', IMPORT_STATUSES)

export const imports = pgTable(
  'imports',
  {
    id: id(),
    organisationId: uuid('organisation_id')
      .notNull()
      .references(() => organisations.id, { onDelete: 'restrict' }),
    kind: importKind('kind').notNull(),
    /** For attendance: 'session' (one row per session) or 'week' (one row per week). */
    shape: text('shape'),
    status: importStatus('status').notNull(),
    fileName: text('file_name').notNull(),
    storedPath: text('stored_path').notNull(),
    sizeBytes: bigint('size_bytes', { mode: 'number' }).notNull(),
    sha256: text('sha256').notNull(),
    encoding: text('encoding').notNull(),
    delimiter: text('delimiter'),
    headers: jsonb('headers').$type<string[]>().notNull().default([]),
    /** Column key → header text in the file, as used for this import. */
    mapping: jsonb('mapping').$type<Record<string, string>>().notNull().default({}),
    uploadedBy: uuid('uploaded_by').references(() => users.id, { onDelete: 'set null' }),
    academicYear: text('academic_year'),
    rowsRead: integer('rows_read').notNull().default(0),
    rowsValid: integer('rows_valid').notNull().default(0),
    rowsInvalid: integer('rows_invalid').notNull().default(0),
    rowsLoaded: integer('rows_loaded').notNull().default(0),
    /** Rows inserted or changed by the merge (a re-import of the same data changes none). */
    rowsChanged: integer('rows_changed').notNull().default(0),
    studentsCreated: integer('students_created').notNull().default(0),
    attempts: integer('attempts').notNull().default(0),
    /**
     * Which run of `import.process` may work on this import: a retry or a takeover starts a
     * new run (a new job id), so a stale job of an earlier run can neither claim nor fail it.
     */
    run: integer('run').notNull().default(1),
    /** The run whose end the uploader was told about by e-mail (at most one e-mail per run). */
    notifiedRun: integer('notified_run'),
    errorCode: text('error_code'),
    /** French, shown to staff. */
    errorMessage: text('error_message'),
    startedAt: timestamp('started_at', { withTimezone: true }),
    finishedAt: timestamp('finished_at', { withTimezone: true }),
    ...timestamps,
  },
  (t) => [
    index('imports_organisation_created_idx').on(t.organisationId, t.createdAt),
    // The reconciler looks for imports left queued or processing.
    index('imports_unfinished_idx')
      .on(t.updatedAt)
      .where(sql`${t.status} IN ('queued', 'processing')`),
    // The same file twice is refused, unless the first attempt failed or was rejected.
    uniqueIndex('imports_same_file_key')
      .on(t.organisationId, t.sha256)
      .where(sql`${t.status} NOT IN ('failed', 'rejected')`),
  ],
)

export type Import = typeof imports.$inferSelect
export type ImportStatus = (typeof importStatus.enumValues)[number]
