import { jsonb, pgTable, primaryKey, uuid } from 'drizzle-orm/pg-core'
import { timestamps } from './columns.ts'
import { importKind } from './imports.ts'
import { organisations } from './organisations.ts'
import { users } from './users.ts'

/** A column mapping chosen by staff, reused for the next file of the same kind. */
export const importMappings = pgTable(
  'import_mappings',
  {
    organisationId: uuid('organisation_id')
      .notNull()
      .references(() => organisations.id, { onDelete: 'cascade' }),
    kind: importKind('kind').notNull(),
    /** Column key → header text as it appears in the organisation's files. */
    mapping: jsonb('mapping').$type<Record<string, string>>().notNull(),
    updatedBy: uuid('updated_by').references(() => users.id, { onDelete: 'set null' }),
    ...timestamps,
  },
  (t) => [primaryKey({ columns: [t.organisationId, t.kind] })],
)
