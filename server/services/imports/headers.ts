/**
 * Matching a file's headers to a kind's columns; direct identifiers are recognised in identifiers.ts.
 *
 * Analytics files (everything but `contacts`) must be pseudonymised: no name, e-mail, phone, INE,
 * raw student number, NIR, postal address or exact birth date (docs/principles.md#double-blind-outreach,
 * docs/domain.md#student-information-systems, docs/domain.md#pseudonymised-data-is-personal-data).
 * Such columns are flagged by their header here, and by their values in `detectIdentifierValues`.
 */
import { KINDS, columnsFor, type AttendanceShape, type ColumnDef, type ImportKind, type KindDef } from './kinds/index.ts'
import { headerMatchKey, slugify } from './values.ts'
import { identifierReasonForHeader, type IdentifierFinding } from './identifiers.ts'

export type { IdentifierFinding }

export interface IndicatorColumn {
  /** snake_case name after the `indicateur_` prefix: `indicateur_Heures tutorat` → `heures_tutorat`. */
  name: string
  index: number
  header: string
}

export interface HeaderResolution {
  kind: ImportKind
  /** Detected attendance shape (assiduite only). */
  shape?: AttendanceShape
  /** The file's headers, trimmed (as given to `resolveHeaders`). */
  headers: string[]
  /** Column key → index in the file. */
  columns: Record<string, number>
  /** Required columns not found. */
  missing: ColumnDef[]
  /** Headers matched to nothing (indicateur_* excluded; identifier headers are listed here too). */
  unknown: string[]
  indicators: IndicatorColumn[]
  /** Headers that look like direct identifiers (analytics kinds only). Blocking. */
  identifiers: IdentifierFinding[]
  /** Several headers matching the same column (or the same indicator); the first one is used. Blocking. */
  duplicates: { key: string; headers: string[] }[]
}

// ---------------------------------------------------------------------------------------------
// Alias tables
// ---------------------------------------------------------------------------------------------

const aliasCache = new Map<string, Map<string, string>>()

/** Match key → column key, for every alias, key and label of the columns. */
function aliasMap(def: KindDef, shape: AttendanceShape | undefined): Map<string, string> {
  const cacheKey = `${def.kind}:${shape ?? ''}`
  let map = aliasCache.get(cacheKey)
  if (map === undefined) {
    map = new Map()
    for (const c of columnsFor(def, shape)) {
      for (const spelling of [c.key, ...c.aliases, c.label]) {
        const k = headerMatchKey(spelling)
        if (!map.has(k)) {
          map.set(k, c.key)
        }
      }
    }
    aliasCache.set(cacheKey, map)
  }
  return map
}

// ---------------------------------------------------------------------------------------------
// Resolution
// ---------------------------------------------------------------------------------------------

const WEEK_KEYS = ['seances_prevues', 'seances_suivies', 'semaine']
const SESSION_KEYS = ['date_seance', 'statut_presence', 'type_seance', 'heure_seance', 'justif']

function findHeader(headers: string[], matchKeys: string[], wanted: string): number {
  const exact = headers.indexOf(wanted.trim())
  if (exact !== -1) {
    return exact
  }
  const k = headerMatchKey(wanted)
  return k === '' ? -1 : matchKeys.indexOf(k)
}

function detectShape(def: KindDef, headers: string[], matchKeys: string[], saved: Record<string, string> | undefined): AttendanceShape {
  const hits = (shape: AttendanceShape, keys: string[]): number => {
    const map = aliasMap(def, shape)
    const found = new Set<string>()
    for (const k of matchKeys) {
      const key = map.get(k)
      if (key !== undefined && keys.includes(key)) {
        found.add(key)
      }
    }
    for (const [key, header] of Object.entries(saved ?? {})) {
      if (keys.includes(key) && findHeader(headers, matchKeys, header) !== -1) {
        found.add(key)
      }
    }
    return found.size
  }
  return hits('week', WEEK_KEYS) > hits('session', SESSION_KEYS) ? 'week' : 'session'
}

/**
 * Matches headers to columns. A saved mapping (column key → header text, from the mapping step the
 * user did last time) wins over aliases; then aliases, keys and labels are matched ignoring case,
 * accents, spaces and punctuation; the first matching header wins.
 */
export function resolveHeaders(kind: ImportKind, headers: string[], saved?: Record<string, string>): HeaderResolution {
  const def = KINDS[kind]
  const trimmed = headers.map((h) => h.trim())
  const matchKeys = trimmed.map(headerMatchKey)
  const shape = def.shapes ? detectShape(def, trimmed, matchKeys, saved) : undefined
  const cols = columnsFor(def, shape)
  const colKeys = new Set(cols.map((c) => c.key))
  const map = aliasMap(def, shape)

  const columns: Record<string, number> = {}
  const taken = new Set<number>()
  /** Keys the user mapped explicitly: other headers with a matching alias are then simply unknown. */
  const fromSaved = new Set<string>()
  const duplicateHeaders = new Map<string, string[]>()
  const addDuplicate = (key: string, first: string, other: string): void => {
    const list = duplicateHeaders.get(key) ?? [first]
    list.push(other)
    duplicateHeaders.set(key, list)
  }

  for (const [key, header] of Object.entries(saved ?? {})) {
    if (!colKeys.has(key) || typeof header !== 'string' || header.trim() === '') {
      continue
    }
    const index = findHeader(trimmed, matchKeys, header)
    if (index !== -1 && !taken.has(index)) {
      columns[key] = index
      taken.add(index)
      fromSaved.add(key)
    }
  }

  const indicators: IndicatorColumn[] = []
  const unknown: string[] = []
  const unknownIndexes: number[] = []
  for (let i = 0; i < trimmed.length; i++) {
    if (taken.has(i)) {
      continue
    }
    const header = trimmed[i]!
    const key = map.get(matchKeys[i]!)
    if (key !== undefined && !fromSaved.has(key)) {
      const existing = columns[key]
      if (existing === undefined) {
        columns[key] = i
        taken.add(i)
      } else {
        addDuplicate(key, trimmed[existing]!, header)
      }
      continue
    }
    const slug = slugify(header)
    if (def.analytics && slug.startsWith('indicateur_') && slug.length > 'indicateur_'.length) {
      const name = slug.slice('indicateur_'.length)
      const same = indicators.find((ind) => ind.name === name)
      if (same) {
        addDuplicate(`indicateur_${name}`, same.header, header)
      } else {
        indicators.push({ name, index: i, header })
      }
      continue
    }
    unknown.push(header === '' ? `(colonne ${i + 1} sans titre)` : header)
    unknownIndexes.push(i)
  }

  const identifiers: IdentifierFinding[] = []
  if (def.analytics) {
    unknownIndexes.forEach((index) => {
      const header = trimmed[index]!
      const reason = identifierReasonForHeader(header)
      if (reason !== null) {
        identifiers.push({ header, reason, index })
      }
    })
  }

  const resolution: HeaderResolution = {
    kind,
    headers: trimmed,
    columns,
    missing: cols.filter((c) => c.required && columns[c.key] === undefined),
    unknown,
    indicators,
    identifiers,
    duplicates: [...duplicateHeaders].map(([key, hs]) => ({ key, headers: hs })),
  }
  if (shape !== undefined) {
    resolution.shape = shape
  }
  return resolution
}

/**
 * French sentences for the blocking problems of a resolution (missing columns, duplicates, identifier
 * columns), ready to show; empty when the file can be validated row by row.
 */
export function resolutionProblems(resolution: HeaderResolution, valueFindings: IdentifierFinding[] = []): string[] {
  const problems: string[] = []
  if (resolution.missing.length > 0) {
    const list = resolution.missing.map((c) => `« ${c.label} » (ex. ${c.aliases[0]})`).join(', ')
    problems.push(
      resolution.missing.length === 1
        ? `Colonne obligatoire introuvable : ${list}. Renommez l’en-tête ou associez la colonne à l’étape de correspondance.`
        : `Colonnes obligatoires introuvables : ${list}. Renommez les en-têtes ou associez les colonnes à l’étape de correspondance.`,
    )
  }
  for (const d of resolution.duplicates) {
    problems.push(`Plusieurs colonnes correspondent à « ${d.key} » : ${d.headers.map((h) => `« ${h} »`).join(', ')}. Gardez-en une seule.`)
  }
  const seen = new Set<string>()
  for (const f of [...resolution.identifiers, ...valueFindings]) {
    if (!seen.has(f.header)) {
      seen.add(f.header)
      problems.push(f.reason)
    }
  }
  return problems
}
