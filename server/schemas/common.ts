import Type from 'typebox'

export const ErrorBody = Type.Object(
  {
    statusCode: Type.Integer(),
    code: Type.String(),
    message: Type.String({ description: 'French, safe to show to a person' }),
    reqId: Type.String(),
  },
  { $id: 'ErrorBody' },
)

export const IdParams = Type.Object({ id: Type.String({ format: 'uuid' }) })

/**
 * A keyset cursor over a `bigint` identity column: above 2^53 - 1 a JavaScript number is no
 * longer exact, and far above it PostgreSQL refuses the value (a 500, issue #6).
 */
export const CursorId = (options: { description?: string } = {}) =>
  Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER, ...options })

/** Response schemas for the errors every authenticated route can send. */
export const authErrors = { 401: ErrorBody, 403: ErrorBody, 429: ErrorBody }
export const notFound = { 404: ErrorBody }
