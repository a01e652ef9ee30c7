/**
 * Parsing and validation of university CSV imports (pure: no database, no HTTP).
 * See docs/imports.md for the file formats and the error policy.
 */
export * from './errors.ts'
export * from './values.ts'
export * from './kinds/index.ts'
export * from '../../lib/csv/reader.ts'
export * from './headers.ts'
export * from './identifiers.ts'
export * from './validate.ts'
