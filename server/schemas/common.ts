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

/** Response schemas for the errors every authenticated route can send. */
export const authErrors = { 401: ErrorBody, 403: ErrorBody, 429: ErrorBody }
export const notFound = { 404: ErrorBody }
