import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import Type from 'typebox'
import { filePart } from '../../plugins/external/multipart.ts'
import { ErrorBody, authErrors } from '../../schemas/common.ts'
import { ImportErrorView } from '../../schemas/imports.ts'

/** The commune → Mission Locale mapping: export it, correct it, import it back (admins). */
const plugin: FastifyPluginAsyncTypebox = async (fastify) => {
  const { communes } = fastify.services

  fastify.get(
    '/communes/mapping.csv',
    {
      config: { access: ['admin'] },
      schema: {
        tags: ['communes'],
        summary: 'Export the commune → Mission Locale mapping (CSV, UTF-8 with BOM, ;)',
        produces: ['text/csv'],
        response: { 200: Type.String(), ...authErrors },
      },
    },
    async (_request, reply) =>
      reply
        .header('content-type', 'text/csv; charset=utf-8')
        .header('content-disposition', 'attachment; filename="correspondance-communes-missions-locales.csv"')
        .send(await communes.exportCsv()),
  )

  fastify.post(
    '/communes/mapping',
    {
      config: { access: ['admin'] },
      schema: {
        tags: ['communes'],
        summary: 'Import a corrected mapping (multipart field "file"): the listed communes become confirmed',
        description:
          'Columns insee_code and mission_locale (ml-reims, ml-epernay, ml-chalons, or empty for outside the territory), note optional. Applied whole, or not at all: 422 with the row errors.',
        consumes: ['multipart/form-data'],
        response: {
          200: Type.Object({ applied: Type.Integer() }),
          422: Type.Object({
            statusCode: Type.Literal(422),
            code: Type.Literal('APP_MAPPING_INVALID'),
            message: Type.String(),
            reqId: Type.String(),
            errors: Type.Array(ImportErrorView),
          }),
          400: ErrorBody,
          ...authErrors,
        },
      },
    },
    async (request, reply) => {
      const part = await filePart(request, 'Joignez le fichier CSV dans le champ « file ».')
      const result = await communes.importMapping(request.auditCtx(), part.file)
      if (result.errors.length > 0) {
        return reply.code(422).send({
          statusCode: 422 as const,
          code: 'APP_MAPPING_INVALID' as const,
          message: `${result.errors.length} ligne(s) invalide(s) : rien n’a été modifié. Corrigez-les et déposez le fichier à nouveau.`,
          reqId: request.id,
          errors: result.errors.slice(0, 1_000),
        })
      }
      return { applied: result.applied }
    },
  )
}
export default plugin
