/** The shapes of an import kind's definition: columns, rows, cross-field rules. */
import type { AttendanceShape, ImportKind } from '../../../../db/vocabulary/index.ts'
import type { CellValue, ParseResult } from '../values.ts'

export type { AttendanceShape, ImportKind }

export type ColumnType =
  | 'text'
  | 'code'
  | 'integer'
  | 'decimal'
  | 'date'
  | 'time'
  | 'boolean'
  | 'enum'
  | 'pseudo_id'
  | 'academic_year'
  | 'year'
  | 'week'
  | 'insee_code'
  | 'postcode'
  | 'email'
  | 'phone'

export interface ColumnDef {
  /** snake_case, the database-facing name. */
  key: string
  /** French, shown to staff. */
  label: string
  /** Accepted header spellings, French first (the first one is the canonical header of the example files). */
  aliases: string[]
  required: boolean
  type: ColumnType
  /** Parses one cell (raw, untrimmed). Empty optional → `{ ok: true, value: null }`. */
  parse: (raw: string) => ParseResult
  /** French description of the expected format, for the mapping screen and the docs. */
  format: string
  /** A valid example value, as it would appear in a file. */
  example: string
  /** For enums: the normalised values the column can take. */
  values?: readonly string[]
  /**
   * When set, the row output also carries the raw code (trimmed, upper case) under this key,
   * next to the normalised value (e.g. `statut_presence_raw: 'ABI'`, `statut_presence: 'absent_unjustified'`).
   */
  rawKey?: string
}

export type RowValues = Record<string, CellValue>

/**
 * A cross-field rule, run after every cell of the row parsed. It may fill derived values (e.g. the
 * academic year from a session date) and returns a French error on the given column, or null.
 */
export type RowRule = (values: RowValues) => { key: string; reason: string } | null

export interface ShapeDef {
  shape: AttendanceShape
  label: string
  description: string
  columns: ColumnDef[]
  naturalKey: string[]
  rules: RowRule[]
}

export interface KindDef {
  kind: ImportKind
  /** French. */
  label: string
  /** French, one sentence. */
  description: string
  /** False only for `contacts`: analytics files must not hold direct identifiers. */
  analytics: boolean
  /**
   * The columns of the file. For a kind with shapes (assiduite) this is every column of every shape,
   * with the `session` shape's flags; validation uses the detected shape's own list (`shapes[shape]`).
   */
  columns: ColumnDef[]
  shapes?: Readonly<Record<AttendanceShape, ShapeDef>>
  /** Column keys that identify a row; a later import of the same key replaces the row. */
  naturalKey: string[]
  rules: RowRule[]
}

// ---------------------------------------------------------------------------------------------
// Column builders
// ---------------------------------------------------------------------------------------------
