import { pgEnum, pgTable, text } from 'drizzle-orm/pg-core'
import { id, timestamps } from './columns.ts'
import { ORGANISATION_KINDS } from '../vocabulary/index.ts'

export const organisationKind = pgEnum('organisation_kind', ORGANISATION_KINDS)

export const organisations = pgTable('organisations', {
  id: id(),
  kind: organisationKind('kind').notNull(),
  /** Stable short code used by seeds and the commune mapping CSV (e.g. `reims`). */
  slug: text('slug').notNull().unique(),
  name: text('name').notNull(),
  shortName: text('short_name').notNull(),
  ...timestamps,
})

export type Organisation = typeof organisations.$inferSelect
export type OrganisationKind = (typeof organisationKind.enumValues)[number]
