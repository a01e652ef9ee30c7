/**
 * PostgreSQL error codes the services act on, read in one place. drizzle wraps the driver's error
 * (DrizzleQueryError): its `cause` carries the code and the constraint; postgres.js's own errors
 * carry them directly.
 * @see https://www.postgresql.org/docs/15/errcodes-appendix.html
 */
type PgErrorLike = { code?: string; constraint_name?: string; cause?: PgErrorLike } | null | undefined

function pgError(err: unknown): PgErrorLike {
  const e = err as PgErrorLike
  return e?.code ? e : e?.cause
}

/** The SQLSTATE of a database error, or undefined for anything else. */
export function pgErrorCode(err: unknown): string | undefined {
  return pgError(err)?.code
}

/** unique_violation (23505), optionally on one named constraint or unique index. */
export function isUniqueViolation(err: unknown, constraint?: string): boolean {
  const e = pgError(err)
  return e?.code === '23505' && (constraint === undefined || e.constraint_name === constraint)
}

/** exclusion_violation (23P01): an exclusion constraint refused the row. */
export function isExclusionViolation(err: unknown, constraint?: string): boolean {
  const e = pgError(err)
  return e?.code === '23P01' && (constraint === undefined || e.constraint_name === constraint)
}
