import { asc, eq, sql } from 'drizzle-orm'
import type { DbOrTx } from '../client.ts'
import { communes } from '../schema/communes.ts'
import { organisations } from '../schema/organisations.ts'

export type CommuneMappingRow = { inseeCode: string; missionLocaleId: string | null; note: string | null }

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
    /** Every commune with its Mission Locale, in INSEE order (the mapping export). */
    list: () =>
      db
        .select({
          inseeCode: communes.inseeCode,
          name: communes.name,
          postcodes: communes.postcodes,
          epciName: communes.epciName,
          missionLocaleSlug: organisations.slug,
          missionLocaleName: organisations.shortName,
          mappingStatus: communes.mappingStatus,
          mappingNote: communes.mappingNote,
        })
        .from(communes)
        .leftJoin(organisations, eq(organisations.id, communes.missionLocaleId))
        .orderBy(asc(communes.inseeCode)),
    async inseeCodes(): Promise<Set<string>> {
      const rows = await db.select({ code: communes.inseeCode }).from(communes)
      return new Set(rows.map((r) => r.code))
    },
    /**
     * Sets the Mission Locale of the given communes, marked `confirmed` (an admin decided it).
     * One statement, so a mapping file is applied whole or not at all.
     */
    async applyMapping(rows: CommuneMappingRow[]): Promise<number> {
      if (rows.length === 0) {
        return 0
      }
      const result = await db.execute(sql`
        UPDATE communes c
        SET mission_locale_id = v.ml::uuid, mapping_status = 'confirmed', mapping_note = v.note, updated_at = now()
        FROM json_to_recordset(${JSON.stringify(rows.map((r) => ({ insee: r.inseeCode, ml: r.missionLocaleId, note: r.note })))}::json)
          AS v(insee text, ml text, note text)
        WHERE c.insee_code = v.insee`)
      return result.count
    },
  }
}
export type CommuneRepository = ReturnType<typeof createCommuneRepository>
