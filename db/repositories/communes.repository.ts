import { asc, eq, sql } from 'drizzle-orm'
import type { DbOrTx } from '../client.ts'
import { communes } from '../schema/communes.ts'
import { organisations } from '../schema/organisations.ts'

export function createCommuneRepository(db: DbOrTx) {
  return {
    /** Counts per Mission Locale and mapping status, for the admin overview. */
    summary: () =>
      db
        .select({
          organisation: organisations.shortName,
          status: communes.mappingStatus,
          count: sql<number>`count(*)::int`,
        })
        .from(communes)
        .leftJoin(organisations, eq(organisations.id, communes.missionLocaleId))
        .groupBy(organisations.shortName, communes.mappingStatus)
        .orderBy(asc(organisations.shortName)),
    async byInsee(code: string) {
      const [row] = await db.select().from(communes).where(eq(communes.inseeCode, code))
      return row
    },
  }
}
export type CommuneRepository = ReturnType<typeof createCommuneRepository>
