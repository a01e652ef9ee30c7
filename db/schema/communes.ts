import { boolean, index, integer, pgEnum, pgTable, text, uuid } from 'drizzle-orm/pg-core'
import { timestamps } from './columns.ts'
import { organisations } from './organisations.ts'
import { COMMUNE_MAPPING_STATUSES } from '../vocabulary/index.ts'

/** How sure we are that a commune belongs to a Mission Locale (see db/seed-data/README.md). */
export const communeMappingStatus = pgEnum('commune_mapping_status', COMMUNE_MAPPING_STATUSES)

/**
 * Communes keyed by INSEE code: routing is by commune, never by postcode or canton
 * (one postcode covers several communes; cantons cross arrondissements).
 */
export const communes = pgTable(
  'communes',
  {
    inseeCode: text('insee_code').primaryKey(),
    name: text('name').notNull(),
    postcodes: text('postcodes').array().notNull().default([]),
    epciSiren: text('epci_siren'),
    epciName: text('epci_name'),
    population: integer('population'),
    rural: boolean('rural').notNull().default(false),
    missionLocaleId: uuid('mission_locale_id').references(() => organisations.id, { onDelete: 'set null' }),
    mappingStatus: communeMappingStatus('mapping_status').notNull().default('none'),
    mappingNote: text('mapping_note'),
    ...timestamps,
  },
  (t) => [index('communes_mission_locale_idx').on(t.missionLocaleId), index('communes_postcodes_idx').using('gin', t.postcodes)],
)

export type Commune = typeof communes.$inferSelect
