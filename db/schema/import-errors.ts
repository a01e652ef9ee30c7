import { bigserial, index, integer, pgTable, text, uuid } from 'drizzle-orm/pg-core'
import { imports } from './imports.ts'

/** The per-row validation report of an import (line, column, value, reason in French). */
export const importErrors = pgTable(
  'import_errors',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    importId: uuid('import_id')
      .notNull()
      .references(() => imports.id, { onDelete: 'cascade' }),
    line: integer('line').notNull(),
    column: text('column').notNull(),
    value: text('value').notNull(),
    reason: text('reason').notNull(),
  },
  (t) => [index('import_errors_import_idx').on(t.importId, t.line)],
)
