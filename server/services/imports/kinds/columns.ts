/** Column builders shared by the kind definitions: one place for how a column parses and is described. */
import {
  MISSING_RESULT,
  NULL_RESULT,
  academicYearOf,
  codeParser,
  fail,
  integerParser,
  lookupParser,
  parseAcademicYear,
  parseBoolean,
  parsePseudoId,
  parseWeek,
  stripAccents,
  trimCell,
  type CellValue,
  type ParseResult,
  type Parser,
} from '../values.ts'
import type { ColumnDef, RowRule } from './types.ts'

export type ColumnSpec = Omit<ColumnDef, 'parse' | 'required'> & { required?: boolean; parser: Parser }

export function column(spec: ColumnSpec): ColumnDef {
  const { parser, required = false, ...rest } = spec
  const parse = required
    ? (raw: string): ParseResult => {
        const s = trimCell(raw)
        return s === '' ? MISSING_RESULT : parser(s)
      }
    : (raw: string): ParseResult => {
        const s = trimCell(raw)
        return s === '' ? NULL_RESULT : parser(s)
      }
  return { ...rest, required, parse }
}

export function idPseudo(): ColumnDef {
  return column({
    key: 'id_pseudo',
    label: 'Identifiant pseudonymisé',
    aliases: [
      'Identifiant pseudonymisé',
      'id_pseudo',
      'pseudo_id',
      'identifiant pseudonyme',
      'id pseudonymisé',
      'pseudonyme',
      'pseudonym',
      'pseudonymised id',
      'pseudonymized id',
      'pseudo',
    ],
    required: true,
    type: 'pseudo_id',
    parser: parsePseudoId,
    format: 'au moins 16 caractères (lettres, chiffres, - et _) produits par scripts/pseudonymise.ts',
    example: 'k3Xb9QeT1mZp0aLr7sVw2u',
  })
}

export function anneeUniv(required: boolean): ColumnDef {
  return column({
    key: 'annee_univ',
    label: 'Année universitaire',
    aliases: ['Année universitaire', 'annee_univ', 'année univ', 'année', 'cod_anu', 'année académique', 'academic year', 'year'],
    required,
    type: 'academic_year',
    parser: parseAcademicYear,
    format: 'aaaa/aaaa ou aaaa-aaaa (ex. 2024/2025) ; aaaa seul = année débutant en septembre',
    example: '2024/2025',
  })
}

export function codeElp(required: boolean): ColumnDef {
  return column({
    key: 'code_elp',
    label: 'Code élément pédagogique',
    aliases: [
      'Code ELP',
      'code_elp',
      'cod_elp',
      'élément pédagogique',
      'code élément pédagogique',
      'code élément',
      'code UE',
      'code matière',
      'code enseignement',
      'course unit',
      'course code',
      'elp',
    ],
    required,
    type: 'code',
    parser: codeParser(),
    format: 'code Apogée de l’élément pédagogique (ex. 7DRT101)',
    example: '7DRT101',
  })
}

export const weekColumn = column({
  key: 'semaine',
  label: 'Semaine (lundi)',
  aliases: ['Semaine', 'lundi de la semaine', 'début de semaine', 'date semaine', 'semaine iso', 'week', 'week start', 'week of'],
  required: true,
  type: 'week',
  parser: parseWeek,
  format: 'date du lundi (jj/mm/aaaa) ou semaine ISO (2024-W41) ; une autre date est ramenée au lundi de sa semaine',
  example: '07/10/2024',
})

export function booleanColumn(spec: Omit<ColumnSpec, 'parser' | 'type' | 'format'> & { format?: string }): ColumnDef {
  return column({ ...spec, type: 'boolean', parser: parseBoolean, format: spec.format ?? 'O ou N (oui/non, 1/0)' })
}

export function countColumn(spec: Omit<ColumnSpec, 'parser' | 'type' | 'format'> & { format?: string }): ColumnDef {
  return column({ ...spec, type: 'integer', parser: integerParser({ min: 0 }), format: spec.format ?? 'entier positif ou nul' })
}

/** A status code of a free vocabulary: accents stripped, upper case, spaces as `_` (`annulé` → `ANNULE`). */
export function statusCode(maxLength = 30): Parser {
  return (s) => {
    const code = stripAccents(s)
      .toUpperCase()
      .replace(/[^A-Z0-9]+/g, '_')
      .replace(/^_|_$/g, '')
    if (code === '') {
      return fail('code invalide : lettres et chiffres attendus')
    }
    return code.length <= maxLength ? { ok: true, value: code } : fail(`code trop long (${maxLength} caractères au plus)`)
  }
}

/** A lookup that falls back to another parser instead of failing (known spellings first, then any code). */
export function lookupOr(entries: Record<string, CellValue>, fallback: Parser): Parser {
  const known = lookupParser(entries, '', '')
  return (s) => {
    const r = known(s)
    return r.ok ? r : fallback(s)
  }
}

// ---------------------------------------------------------------------------------------------
// Vocabularies (docs/domain.md#result-and-absence-codes, docs/domain.md#dropout-definitions-and-l1-figures)
// ---------------------------------------------------------------------------------------------

export function deriveAcademicYearFrom(dateKey: string): RowRule {
  return (v) => {
    const date = v[dateKey]
    if (v.annee_univ === null && typeof date === 'string') {
      v.annee_univ = academicYearOf(date)
    }
    return null
  }
}

export function unionColumns(...lists: ColumnDef[][]): ColumnDef[] {
  const seen = new Map<string, ColumnDef>()
  for (const list of lists) {
    for (const c of list) {
      if (!seen.has(c.key)) {
        seen.set(c.key, c)
      }
    }
  }
  return [...seen.values()]
}
