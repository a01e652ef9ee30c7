/**
 * Errors of the import parsing layer.
 *
 * A structural error means the file as a whole cannot be read as a table (binary file, no header,
 * unterminated quote, Excel workbook…): the whole import is refused, nothing is loaded. Row-level
 * problems are never thrown; they are returned as `RowError` values by the validator.
 */

export type ImportStructureCode =
  | 'empty'
  | 'binary'
  | 'spreadsheet'
  | 'unsupported_encoding'
  | 'apogee_raw_export'
  | 'no_header'
  | 'unterminated_quote'
  | 'record_too_large'
  | 'too_many_columns'
  | 'invalid_encoding'
  | 'unreadable'

export class ImportStructureError extends Error {
  readonly code: ImportStructureCode
  /** Physical line (1-based) where the problem was found, when known. */
  readonly line: number | undefined

  /** `message` is French: it is shown as is to university staff. */
  constructor(code: ImportStructureCode, message: string, options?: { line?: number; cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause })
    this.name = 'ImportStructureError'
    this.code = code
    this.line = options?.line
  }
}

export function isImportStructureError(err: unknown): err is ImportStructureError {
  return err instanceof ImportStructureError
}
