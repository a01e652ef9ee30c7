import { index, pgEnum, pgTable, text, uniqueIndex, uuid } from 'drizzle-orm/pg-core'
import { id, timestamps } from './columns.ts'
import { communes } from './communes.ts'
import { organisations } from './organisations.ts'
import { SITE_KINDS, SITE_MODALITIES } from '../vocabulary/index.ts'

export const siteKind = pgEnum('site_kind', SITE_KINDS)
export const siteModality = pgEnum('site_modality', SITE_MODALITIES)

/** Where a Mission Locale receives young people: agencies, antennas, on-campus permanences. */
export const sites = pgTable(
  'sites',
  {
    id: id(),
    organisationId: uuid('organisation_id')
      .notNull()
      .references(() => organisations.id, { onDelete: 'cascade' }),
    kind: siteKind('kind').notNull(),
    name: text('name').notNull(),
    address: text('address').notNull(),
    postcode: text('postcode').notNull(),
    inseeCode: text('insee_code').references(() => communes.inseeCode),
    modalities: siteModality('modalities').array().notNull().default([]),
    notes: text('notes'),
    ...timestamps,
  },
  (t) => [index('sites_organisation_idx').on(t.organisationId), uniqueIndex('sites_organisation_name_key').on(t.organisationId, t.name)],
)

export type Site = typeof sites.$inferSelect
export type SiteKind = (typeof siteKind.enumValues)[number]
