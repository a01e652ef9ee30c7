/**
 * What the student pages read to route a student: communes (by INSEE code, postcode or name),
 * a Mission Locale's places, and the partner Missions Locales. Read-only.
 */
import { asc, desc, eq, sql } from 'drizzle-orm'
import type { DbOrTx } from '../client.ts'
import { communes } from '../schema/communes.ts'
import { organisations } from '../schema/organisations.ts'
import { sites } from '../schema/sites.ts'

export function createRoutingRepository(q: DbOrTx) {
  return {
    /** A Mission Locale's places (agencies first, then antennas and permanences), with their commune's name. */
    places: (missionLocaleId: string) =>
      q
        .select({
          id: sites.id,
          kind: sites.kind,
          name: sites.name,
          address: sites.address,
          postcode: sites.postcode,
          communeName: communes.name,
          modalities: sites.modalities,
          notes: sites.notes,
        })
        .from(sites)
        .leftJoin(communes, eq(communes.inseeCode, sites.inseeCode))
        .where(eq(sites.organisationId, missionLocaleId))
        .orderBy(asc(sites.kind), asc(sites.name)),

    /** Every Mission Locale, by name. */
    missionLocaleIds: () =>
      q
        .select({ id: organisations.id })
        .from(organisations)
        .where(eq(organisations.kind, 'mission_locale'))
        .orderBy(asc(organisations.name)),

    /** Communes with this postcode (a postcode may cover several), largest first; at most 10. */
    communesByPostcode: (postcode: string) =>
      q
        .select({ inseeCode: communes.inseeCode, name: communes.name, postcodes: communes.postcodes })
        .from(communes)
        .where(sql`${postcode} = ANY(${communes.postcodes})`)
        .orderBy(desc(communes.population))
        .limit(10),

    /** Every commune's name and population (a few hundred rows), for an accent-blind name search. */
    communeNames: () =>
      q
        .select({ inseeCode: communes.inseeCode, name: communes.name, postcodes: communes.postcodes, population: communes.population })
        .from(communes),
  }
}
export type RoutingRepository = ReturnType<typeof createRoutingRepository>
