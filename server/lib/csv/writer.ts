/**
 * The one CSV writer of the platform: every file Repère hands out (the import error report, the
 * commune mapping export, the output of scripts/pseudonymise.ts) is written here, with
 * csv-stringify, in the format French spreadsheets open as is: `;`-separated, CRLF, UTF-8 with a
 * BOM (so Excel shows accents), cells quoted only when they must be.
 *
 * Every string cell goes through `guardFormula`: these files quote what users uploaded, and a
 * spreadsheet runs a cell that starts with `=`, `+`, `-` or `@` as a formula.
 * @see https://owasp.org/www-community/attacks/CSV_Injection
 */
import { stringify, type Options, type Stringifier } from 'csv-stringify'
import { stringify as stringifySync } from 'csv-stringify/sync'

/** A cell as callers hand it over; `null`/`undefined` write an empty cell. */
export type CsvValue = string | number | null | undefined

/**
 * Characters that make a spreadsheet read a cell as a formula (or, for tab and CR, that some
 * spreadsheets skip before reading the rest as one), with their full-width forms, which Apple
 * Numbers normalises to the ASCII ones.
 */
const FORMULA_STARTS = new Set(['=', '+', '-', '@', '\t', '\r', '\uFF1D', '\uFF0B', '\uFF0D', '\uFF20'])

/**
 * A number as the platform writes one: optional minus sign, digits, and an optional decimal part
 * after a comma (French) or a dot. `-2`, `-2,5`, `3.5` and `12` stay plain; `-2+3`, `-1e5` and
 * `+33…` do not match.
 */
const PLAIN_NUMBER = /^-?\d+(?:[.,]\d+)?$/

/**
 * The formula guard: a cell that a spreadsheet would evaluate is prefixed with an apostrophe,
 * which spreadsheets show as text; plain numbers are left alone so that figures stay figures.
 */
export function guardFormula(value: string): string {
  if (value.length === 0 || !FORMULA_STARTS.has(value[0]!) || PLAIN_NUMBER.test(value)) {
    return value
  }
  return `'${value}`
}

export type CsvWriteOptions = {
  /** Prepend the UTF-8 BOM (default true). */
  bom?: boolean
  /**
   * Apply the formula guard (default true). Only files whose every cell Repère itself wrote from
   * its own sources (the example files in templates/examples) may turn it off.
   */
  guardFormulas?: boolean
}

function stringifyOptions({ bom = true, guardFormulas = true }: CsvWriteOptions): Options {
  return {
    bom,
    delimiter: ';',
    record_delimiter: 'windows',
    // Setting `record_delimiter` turns this off by default: a lone CR or LF inside a cell must
    // still be quoted, or a reader would split the record there.
    quote_record_delimiter: true,
    // Edge spaces are quoted so that a reader that trims unquoted cells keeps them.
    quoted_match: /^ | $/,
    cast: {
      string: guardFormulas ? guardFormula : (v) => v,
      // Numbers are written by the platform itself (`String(-2)` = `-2`): never guarded.
      number: (v) => String(v),
    },
  }
}

/** A whole CSV document, for reports that fit in memory. */
export function toCsv(rows: readonly (readonly CsvValue[])[], options: CsvWriteOptions = {}): string {
  return stringifySync(rows as CsvValue[][], stringifyOptions(options))
}

/**
 * A transform stream that takes rows (arrays of cells) and emits the CSV text, for exports too
 * large to hold in memory: `pipeline(csvStream(), createWriteStream(path))`, then `write(row)`
 * honouring back-pressure.
 */
export function csvStream(options: CsvWriteOptions = {}): Stringifier {
  return stringify(stringifyOptions(options))
}
