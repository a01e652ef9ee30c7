/**
 * Row validation: turns a CSV record into typed values keyed by column key, or French errors.
 *
 * `compileValidator` resolves everything that does not depend on the row once per file (column
 * indexes, headers for messages, parse functions, memo tables), so the per-row work is one parse call
 * per column and one result object.
 */
import { columnsFor, parseIndicator, rulesFor, type KindDef, type RowValues } from './kinds/index.ts'
import type { HeaderResolution } from './headers.ts'
import { excerpt, trimCell, type ParseResult } from './values.ts'
import { toCsv } from '../../lib/csv/writer.ts'

export interface RowError {
  /** Physical line in the file (the header is line 1 in most files). */
  line: number
  /** The header as in the file, or the column's French label when it is not in the file. */
  column: string
  /** The raw cell (shortened to 200 characters). */
  value: string
  /** French. */
  reason: string
}

export type Indicators = Record<string, number | null>

export type RowResult = { ok: true; values: RowValues; indicators: Indicators } | { ok: false; errors: RowError[] }

export type RowValidator = (fields: string[], line: number) => RowResult

/** Column name used for errors about the whole line (wrong number of cells). */
export const WHOLE_LINE = '(ligne entière)'

const MEMO_SIZE = 4096

/**
 * Wraps a pure parse function with a bounded memo table. Most columns have few distinct values
 * (years, codes, statuses, dates of one term), so most cells are one Map lookup; for columns of
 * mostly distinct values (ids, grades) the table fills up with a poor hit rate and is dropped.
 */
function memoise(parse: (raw: string) => ParseResult): (raw: string) => ParseResult {
  let cache: Map<string, ParseResult> | null = new Map()
  let hits = 0
  let misses = 0
  return (raw) => {
    if (cache === null) {
      return parse(raw)
    }
    const hit = cache.get(raw)
    if (hit !== undefined) {
      hits++
      return hit
    }
    const result = parse(raw)
    misses++
    if (cache.size < MEMO_SIZE) {
      cache.set(raw, result)
    } else if (hits < misses) {
      cache = null
    }
    return result
  }
}

interface ColumnPlan {
  key: string
  rawKey: string | undefined
  index: number
  header: string
  parse: (raw: string) => ParseResult
}

const EMPTY_INDICATORS: Indicators = Object.freeze({})

function rawCode(raw: string): string | null {
  const code = trimCell(raw)
  return code === '' ? null : code.toUpperCase()
}

/**
 * Builds the row function for one file (one kind, one header resolution).
 *
 * The common path (every cell valid) is generated code: one local per column, an object literal for
 * `values` (one hidden class, no keyed stores) and one call site per column parser, which V8 can
 * inline. This halves validation time on a million rows compared to a loop over the columns; the
 * generic loop below remains for rows with errors. Only our own column keys (JSON-quoted) reach
 * the generated source, never text from the file.
 */
export function compileValidator(def: KindDef, resolution: HeaderResolution): RowValidator {
  const headers = resolution.headers
  const width = headers.length
  const plans: ColumnPlan[] = columnsFor(def, resolution.shape).map((c) => {
    const index = resolution.columns[c.key] ?? -1
    return {
      key: c.key,
      rawKey: c.rawKey,
      index,
      header: index >= 0 ? headers[index] || c.label : c.label,
      parse: memoise(c.parse),
    }
  })
  const headerOf = new Map(plans.map((p) => [p.key, p.header]))
  const indicatorPlans = resolution.indicators.map((ind) => ({ ...ind, parse: memoise(parseIndicator) }))
  const rules = rulesFor(def, resolution.shape)

  const widthError = (fields: string[], line: number): RowResult => ({
    ok: false,
    errors: [
      {
        line,
        column: WHOLE_LINE,
        value: excerpt(fields.join(';')),
        reason:
          `nombre de colonnes incorrect : ${fields.length} au lieu de ${width} ` +
          '(séparateur en trop ou manquant, ou valeur contenant le séparateur sans guillemets)',
      },
    ],
  })

  /** Parses indicators and runs the rules on parsed values; `errors` may already hold cell errors. */
  const finish = (values: RowValues, fields: string[], line: number, errors: RowError[] | null): RowResult => {
    let indicators = EMPTY_INDICATORS
    if (indicatorPlans.length > 0) {
      indicators = {}
      for (const ind of indicatorPlans) {
        const raw = fields[ind.index]!
        const r = ind.parse(raw)
        if (r.ok) {
          indicators[ind.name] = r.value as number | null
        } else {
          indicators[ind.name] = null
          ;(errors ??= []).push({ line, column: ind.header, value: excerpt(raw), reason: r.reason })
        }
      }
    }
    if (errors === null) {
      for (const rule of rules) {
        const broken = rule(values)
        if (broken !== null) {
          const plan = plans.find((p) => p.key === broken.key)
          const value = plan !== undefined && plan.index >= 0 ? excerpt(fields[plan.index]!) : ''
          ;(errors ??= []).push({ line, column: headerOf.get(broken.key) ?? broken.key, value, reason: broken.reason })
        }
      }
    }
    return errors === null ? { ok: true, values, indicators } : { ok: false, errors }
  }

  /** Generic path: every column, collecting every error. */
  const slow = (fields: string[], line: number): RowResult => {
    const values: RowValues = {}
    let errors: RowError[] | null = null
    for (const p of plans) {
      const raw = p.index >= 0 ? fields[p.index]! : ''
      const r = p.parse(raw)
      if (r.ok) {
        values[p.key] = r.value
      } else {
        values[p.key] = null
        ;(errors ??= []).push({ line, column: p.header, value: excerpt(raw), reason: r.reason })
      }
      if (p.rawKey !== undefined) {
        values[p.rawKey] = rawCode(raw)
      }
    }
    return finish(values, fields, line, errors)
  }

  // Generated fast path.
  const args: string[] = ['widthError', 'slow', 'finish', 'rawCode']
  const argValues: unknown[] = [widthError, slow, finish, rawCode]
  const body: string[] = [`if (fields.length !== ${width}) return widthError(fields, line)`]
  const props: string[] = []
  plans.forEach((p, c) => {
    args.push(`p${c}`)
    argValues.push(p.parse)
    const cell = p.index >= 0 ? `fields[${p.index}]` : `''`
    body.push(`const r${c} = p${c}(${cell})`, `if (!r${c}.ok) return slow(fields, line)`)
    props.push(`${JSON.stringify(p.key)}: r${c}.value`)
    if (p.rawKey !== undefined) {
      props.push(`${JSON.stringify(p.rawKey)}: rawCode(${cell})`)
    }
  })
  body.push(`const values = { ${props.join(', ')} }`)
  body.push(`return finish(values, fields, line, null)`)
  const source = `return function validateRow(fields, line) {\n  ${body.join('\n  ')}\n}`
  // eslint-disable-next-line @typescript-eslint/no-implied-eval -- see the doc comment: generated from our own keys.
  const factory = new Function(...args, source) as (...a: unknown[]) => RowValidator
  return factory(...argValues)
}

const compiled = new WeakMap<HeaderResolution, { def: KindDef; validate: RowValidator }>()

/**
 * Validates one record. Compiles the validator on first use for a given resolution and reuses it,
 * so calling this per row is fine; `compileValidator` avoids even the lookup.
 */
export function validateRow(def: KindDef, resolution: HeaderResolution, fields: string[], line: number): RowResult {
  let entry = compiled.get(resolution)
  if (entry === undefined || entry.def !== def) {
    entry = { def, validate: compileValidator(def, resolution) }
    compiled.set(resolution, entry)
  }
  return entry.validate(fields, line)
}

// ---------------------------------------------------------------------------------------------
// Error report
// ---------------------------------------------------------------------------------------------

/**
 * The error report staff download: UTF-8 with BOM (so Excel shows accents), `;`-separated, CRLF,
 * columns `ligne;colonne;valeur;raison`.
 */
export function errorReportCsv(errors: RowError[]): string {
  return toCsv([['ligne', 'colonne', 'valeur', 'raison'], ...errors.map((e) => [e.line, e.column, e.value, e.reason])])
}
