/**
 * The commune → Mission Locale mapping that routes every student by home commune (INSEE code).
 * The seed's mapping is inferred from public sources; admins export it as CSV, correct it with
 * the Missions Locales, and import it back: imported rows become `confirmed`, and later seeds
 * never overwrite them. A mapping file is applied whole, or not at all when a row is wrong.
 */
import { unlink } from 'node:fs/promises'
import type { Readable } from 'node:stream'
import type { CommuneMappingRow, CommuneRepository } from '../../db/repositories/communes.repository.ts'
import type { OrganisationRepository } from '../../db/repositories/organisations.repository.ts'
import { BadInput } from '../errors.ts'
import type { Principal } from './access.ts'
import type { AuditContext, AuditService } from './audit.service.ts'
import { detectEncoding, openCsv } from './imports/csv-reader.ts'
import { isImportStructureError } from './imports/errors.ts'
import { storeUpload } from './imports/upload-store.ts'
import type { RowError } from './imports/validate.ts'
import { headerMatchKey } from './imports/values.ts'
import { toCsv } from '../lib/csv/writer.ts'

type Deps = {
  communes: CommuneRepository
  organisations: OrganisationRepository
  audit: AuditService
  config: { UPLOAD_DIR: string; UPLOAD_MAX_MB: number }
}

const INSEE_HEADERS = new Set(['inseecode', 'codeinsee', 'insee', 'codecommune', 'codecommuneinsee', 'cog'])
const ML_HEADERS = new Set(['missionlocale', 'ml', 'missionlocaleslug', 'rattachement'])
const NOTE_HEADERS = new Set(['note', 'mappingnote', 'commentaire', 'remarque'])
const NONE_VALUES = new Set(['', 'aucune', 'horsterritoire', 'none', '-', 'non'])

export const EXPORT_HEADERS = ['insee_code', 'commune', 'codes_postaux', 'intercommunalite', 'mission_locale', 'statut', 'note']

export function createCommuneService({ communes, organisations, audit, config }: Deps) {
  /** Every way staff may name a Mission Locale in a file → its id. */
  async function missionLocaleNames(): Promise<Map<string, string>> {
    const names = new Map<string, string>()
    for (const org of await organisations.list()) {
      if (org.kind !== 'mission_locale') {
        continue
      }
      for (const n of [org.slug, org.slug.replace(/^ml-/, ''), org.shortName, org.name]) {
        names.set(headerMatchKey(n), org.id)
      }
    }
    return names
  }

  return {
    summary: () => communes.summary(),

    /** UTF-8 with BOM, `;`: opens as is in French Excel, and imports back unchanged. */
    async exportCsv(): Promise<string> {
      const rows = (await communes.list()).map((c) => [
        c.inseeCode,
        c.name,
        c.postcodes.join(' '),
        c.epciName,
        c.missionLocaleSlug,
        c.mappingStatus,
        c.mappingNote,
      ])
      return toCsv([EXPORT_HEADERS, ...rows])
    },

    async importMapping(ctx: AuditContext & { actor: Principal }, stream: Readable): Promise<{ applied: number; errors: RowError[] }> {
      const stored = await storeUpload(stream, config.UPLOAD_DIR, config.UPLOAD_MAX_MB)
      const rows: CommuneMappingRow[] = []
      const errors: RowError[] = []
      try {
        let csv
        try {
          csv = await openCsv(stored.path, { encoding: detectEncoding(stored.head, stored.utf8Valid) })
        } catch (err) {
          if (isImportStructureError(err)) {
            throw new BadInput(err.message)
          }
          throw err
        }
        const keys = csv.headers.map(headerMatchKey)
        const inseeAt = keys.findIndex((k) => INSEE_HEADERS.has(k))
        const mlAt = keys.findIndex((k) => ML_HEADERS.has(k))
        const noteAt = keys.findIndex((k) => NOTE_HEADERS.has(k))
        if (inseeAt < 0 || mlAt < 0) {
          throw new BadInput(
            'Colonnes attendues : « insee_code » et « mission_locale » (et « note », facultative). Partez de l’export de la correspondance actuelle.',
          )
        }
        const known = await communes.inseeCodes()
        const names = await missionLocaleNames()
        const seen = new Set<string>()
        for await (const row of csv.rows) {
          const insee = (row.fields[inseeAt] ?? '').trim().toUpperCase()
          const ml = (row.fields[mlAt] ?? '').trim()
          const note = noteAt >= 0 ? (row.fields[noteAt] ?? '').trim().slice(0, 500) : ''
          const inseeHeader = csv.headers[inseeAt] ?? 'insee_code'
          if (!known.has(insee)) {
            errors.push({
              line: row.line,
              column: inseeHeader,
              value: insee,
              reason: 'commune inconnue : attendu un code INSEE de la Marne (ex. 51454)',
            })
            continue
          }
          if (seen.has(insee)) {
            errors.push({ line: row.line, column: inseeHeader, value: insee, reason: 'commune présente deux fois dans le fichier' })
            continue
          }
          seen.add(insee)
          const key = headerMatchKey(ml)
          const missionLocaleId = NONE_VALUES.has(key) ? null : names.get(key)
          if (missionLocaleId === undefined) {
            errors.push({
              line: row.line,
              column: csv.headers[mlAt] ?? 'mission_locale',
              value: ml,
              reason: 'Mission Locale inconnue : attendu ml-reims, ml-epernay, ml-chalons, ou vide pour « hors territoire »',
            })
            continue
          }
          rows.push({ inseeCode: insee, missionLocaleId, note: note || null })
        }
      } finally {
        await unlink(stored.path).catch(() => {})
      }
      if (errors.length > 0) {
        return { applied: 0, errors }
      }
      if (rows.length === 0) {
        throw new BadInput('Le fichier ne contient aucune commune.')
      }
      const applied = await communes.applyMapping(rows)
      await audit.record(ctx, { action: 'commune.mapping_import', entityType: 'commune', details: { communes: applied } })
      return { applied, errors: [] }
    },
  }
}
export type CommuneService = ReturnType<typeof createCommuneService>
