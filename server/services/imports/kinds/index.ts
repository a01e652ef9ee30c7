/**
 * The kinds of university imports and their columns: what each file must contain, how its headers
 * may be spelt and how each cell is parsed. This is the single source for the validator, the
 * column-mapping screen (labels, formats, examples), the example files and docs/imports.md.
 * One file per kind; column builders in columns.ts; accepted spellings of codes in codes.ts and
 * db/vocabulary.
 */
import {
  DEVENIR_VALUES,
  IMPORT_KINDS,
  PRESENCE_VALUES,
  RESULT_VALUES,
  PRESENCE_CODES,
  RESULT_CODES,
} from '../../../../db/vocabulary/index.ts'
import { NULL_RESULT, booleanOf, decimalOf, fail, trimCell, type ParseResult } from '../values.ts'
import type { AttendanceShape, ColumnDef, ImportKind, KindDef, RowRule } from './types.ts'
import { activiteEnt } from './activite-ent.ts'
import { assiduite } from './assiduite.ts'
import { contacts } from './contacts.ts'
import { devenir } from './devenir.ts'
import { etudiants } from './etudiants.ts'
import { resultats } from './resultats.ts'

export { DEVENIR_VALUES, IMPORT_KINDS, PRESENCE_VALUES, RESULT_VALUES, PRESENCE_CODES, RESULT_CODES }
export { NIVEAUX } from './codes.ts'
export type { CellValue, ParseResult } from '../values.ts'
export type * from './types.ts'

export const KINDS: Readonly<Record<ImportKind, KindDef>> = Object.freeze({
  etudiants,
  assiduite,
  resultats,
  activite_ent: activiteEnt,
  contacts,
  devenir,
})

export function isImportKind(value: unknown): value is ImportKind {
  return typeof value === 'string' && (IMPORT_KINDS as readonly string[]).includes(value)
}

/** The columns validated for a kind (and shape). */
export function columnsFor(def: KindDef, shape?: AttendanceShape): ColumnDef[] {
  return def.shapes && shape ? def.shapes[shape].columns : def.columns
}

export function naturalKeyFor(def: KindDef, shape?: AttendanceShape): string[] {
  return def.shapes && shape ? def.shapes[shape].naturalKey : def.naturalKey
}

export function rulesFor(def: KindDef, shape?: AttendanceShape): RowRule[] {
  return def.shapes && shape ? [...def.rules, ...def.shapes[shape].rules] : def.rules
}

/**
 * The keys of a validated row's `values`, in a stable order: each column key, followed by its raw
 * code key when it has one (`statut_presence`, `statut_presence_raw`). Use it for COPY column lists.
 */
export function outputKeys(def: KindDef, shape?: AttendanceShape): string[] {
  const keys: string[] = []
  for (const c of columnsFor(def, shape)) {
    keys.push(c.key)
    if (c.rawKey) {
      keys.push(c.rawKey)
    }
  }
  return keys
}

/** An `indicateur_*` cell: a number (decimal comma allowed) or yes/no (1/0); empty → null. */
export function parseIndicator(raw: string): ParseResult {
  const s = trimCell(raw)
  if (s === '') {
    return NULL_RESULT
  }
  const v = decimalOf(s)
  if (!Number.isNaN(v)) {
    return { ok: true, value: v }
  }
  const b = booleanOf(s)
  if (b !== undefined) {
    return b ? ONE_RESULT : ZERO_RESULT
  }
  return fail('indicateur invalide : attendu un nombre (virgule décimale acceptée) ou oui/non')
}
const ONE_RESULT: ParseResult = Object.freeze({ ok: true, value: 1 })
const ZERO_RESULT: ParseResult = Object.freeze({ ok: true, value: 0 })
