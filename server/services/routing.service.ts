/**
 * Which Mission Locale receives a student, from their home commune (INSEE code): routing is by
 * commune, never by postcode (db/seed-data/README.md). A commune outside the three partners'
 * territories gets a useful answer, never a dead end: the Mission Locale known to cover it
 * (from the mapping note), and always the national directory.
 */
import type { Db } from '../../db/client.ts'
import { createAvailabilityRepository } from '../../db/repositories/availability.repository.ts'
import { createCommuneRepository } from '../../db/repositories/communes.repository.ts'
import { createOrganisationRepository } from '../../db/repositories/organisations.repository.ts'
import { createRoutingRepository } from '../../db/repositories/routing.repository.ts'
import type { SiteKind, SiteModality } from '../../db/vocabulary/index.ts'

/** The national directory of Missions Locales (UNML, the national union of the network). */
// TODO(#9): confirm the directory page with the partners; the root of the network's site is the safe link.
export const NATIONAL_DIRECTORY_URL = 'https://www.unml.info/'

export type Place = {
  id: string
  kind: SiteKind
  name: string
  address: string
  postcode: string
  communeName: string | null
  modalities: SiteModality[]
  notes: string | null
}

/** What a student page may show of a Mission Locale: its generic contact, never a person. */
export type MissionLocaleContact = {
  id: string
  name: string
  shortName: string
  phone: string | null
  email: string | null
  /** The main agency's address, one line. */
  address: string | null
}

export type RoutingAnswer = {
  /** covered: one of the partners; outside: a Marne commune none of them covers; unknown_commune: not in the table. */
  status: 'covered' | 'outside' | 'unknown_commune'
  commune: { inseeCode: string; name: string } | null
  missionLocale: MissionLocaleContact | null
  places: Place[]
  modalities: SiteModality[]
  /** For `outside`: the Mission Locale known to cover the commune, by name (not a partner: no booking here). */
  otherMissionLocale: string | null
  nationalDirectoryUrl: string
}

/** `ML Vitry-le-François (not a partner)` → `Mission Locale de Vitry-le-François`. */
function otherFromNote(note: string | null): string | null {
  const m = note ? /ML (?:de |d’|d')?([^()]+?)\s*\((?:not a partner|non partenaire)\)/i.exec(note) : null
  return m?.[1] ? `Mission Locale de ${m[1].trim()}` : null
}

function simplify(s: string): string {
  return s
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/œ/gi, 'oe')
    .toLowerCase()
    .replace(/[-'’\s]+/g, ' ')
    .replace(/^(saint|st) /, 'saint ')
    .trim()
}

export function createRoutingService({ db }: { db: Db }) {
  const repo = createRoutingRepository(db)

  function places(missionLocaleId: string): Promise<Place[]> {
    return repo.places(missionLocaleId)
  }

  async function missionLocale(id: string): Promise<MissionLocaleContact | null> {
    const org = await createOrganisationRepository(db).byId(id)
    if (!org || org.kind !== 'mission_locale') {
      return null
    }
    const settings = await createAvailabilityRepository(db).settings(id)
    const agency = (await places(id)).find((p) => p.kind === 'agency')
    return {
      id: org.id,
      name: org.name,
      shortName: org.shortName,
      phone: settings.publicPhone,
      email: settings.publicEmail,
      address: agency ? `${agency.address}, ${agency.postcode} ${agency.communeName ?? ''}`.trim() : null,
    }
  }

  return {
    missionLocale,
    places,

    /** The generic contacts of every partner Mission Locale (for a page that knows no student: unknown code). */
    async directory(): Promise<MissionLocaleContact[]> {
      const rows = await repo.missionLocaleIds()
      const list = await Promise.all(rows.map((r) => missionLocale(r.id)))
      return list.filter((m): m is MissionLocaleContact => m !== null)
    },

    /**
     * Communes matching what a student typed: an exact postcode, or a name prefix (accents,
     * case, hyphens and apostrophes ignored). At most 10, largest first.
     */
    async searchCommunes(text: string): Promise<{ inseeCode: string; name: string; postcodes: string[] }[]> {
      const q = text.trim()
      if (q.length < 2) {
        return []
      }
      if (/^\d{5}$/.test(q)) {
        return repo.communesByPostcode(q)
      }
      const key = simplify(q)
      const all = await repo.communeNames()
      return all
        .filter((c) => simplify(c.name).startsWith(key))
        .sort((a, b) => (b.population ?? 0) - (a.population ?? 0))
        .slice(0, 10)
        .map(({ inseeCode, name, postcodes }) => ({ inseeCode, name, postcodes }))
    },

    /** A commune's name by INSEE code, without routing it (one read). */
    async commune(inseeCode: string): Promise<{ inseeCode: string; name: string } | null> {
      const code = inseeCode.trim().toUpperCase()
      const row = /^[0-9][0-9AB][0-9]{3}$/.test(code) ? await createCommuneRepository(db).byInsee(code) : undefined
      return row ? { inseeCode: row.inseeCode, name: row.name } : null
    },

    async forCommune(inseeCode: string): Promise<RoutingAnswer> {
      const code = inseeCode.trim().toUpperCase()
      const [commune] = /^[0-9][0-9AB][0-9]{3}$/.test(code)
        ? [await createCommuneRepository(db).byInsee(code)].filter((c) => c !== undefined)
        : []
      const base = {
        nationalDirectoryUrl: NATIONAL_DIRECTORY_URL,
        places: [],
        modalities: [],
        otherMissionLocale: null,
        missionLocale: null,
      }
      if (!commune) {
        return { ...base, status: 'unknown_commune', commune: null }
      }
      const ref = { inseeCode: commune.inseeCode, name: commune.name }
      const ml = commune.missionLocaleId ? await missionLocale(commune.missionLocaleId) : null
      if (!ml) {
        return { ...base, status: 'outside', commune: ref, otherMissionLocale: otherFromNote(commune.mappingNote) }
      }
      const list = await places(ml.id)
      const modalities = [...new Set(list.flatMap((p) => p.modalities))]
      return { ...base, status: 'covered', commune: ref, missionLocale: ml, places: list, modalities }
    },
  }
}
export type RoutingService = ReturnType<typeof createRoutingService>
