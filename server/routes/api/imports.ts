import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyReply, FastifyRequest } from 'fastify'
import Type from 'typebox'
import { ErrorBody, IdParams, authErrors, notFound } from '../../schemas/common.ts'
import { DuplicateBody, ImportErrorView, ImportView, MappingBody, RejectedBody, UploadQuery } from '../../schemas/imports.ts'
import { BadInput } from '../../errors.ts'
import { filePart } from '../../plugins/external/multipart.ts'
import { isImportKind, KINDS, IMPORT_KINDS } from '../../services/imports/kinds/index.ts'
import { toImportView } from '../imports/view.ts'

const READ = ['university_staff', 'admin'] as const
const WRITE = ['university_staff'] as const

/** Receives a multipart upload (a `file` part; `kind` in the query or as a field before the file). */
async function handleUpload(request: FastifyRequest<{ Querystring: { kind?: string } }>, reply: FastifyReply) {
  const { services } = request.server
  const part = await filePart(request, 'Aucun fichier reçu : joignez le fichier dans le champ « file ».')
  const field = part.fields.kind as { value?: unknown } | undefined
  const kind = request.query.kind ?? (typeof field?.value === 'string' ? field.value : undefined)
  if (!isImportKind(kind)) {
    part.discard()
    throw new BadInput(`Indiquez le type d’import parmi : ${IMPORT_KINDS.join(', ')}.`)
  }
  const result = await services.imports.upload(request.auditCtx(), {
    kind,
    fileName: part.filename || 'fichier.csv',
    stream: part.file,
    truncated: part.truncated,
  })
  switch (result.outcome) {
    case 'duplicate': {
      const existing = result.existing
      return reply.code(409).send({
        statusCode: 409 as const,
        code: 'APP_IMPORT_DUPLICATE' as const,
        message: `Ce fichier a déjà été déposé le ${existing.createdAt.toLocaleDateString('fr-FR', { timeZone: 'Europe/Paris' })} : rien n’a été chargé une deuxième fois.`,
        reqId: request.id,
        existingImportId: existing.id,
        existingImportUrl: `/imports/${existing.id}`,
      })
    }
    case 'rejected':
      return reply.code(422).send({
        statusCode: 422 as const,
        code: result.import.errorCode ?? 'rejected',
        message: result.import.errorMessage ?? 'Fichier refusé.',
        reqId: request.id,
        importId: result.import.id,
      })
    case 'awaiting_mapping':
    case 'queued': {
      const row = await services.imports.get(request.requirePrincipal(), result.import.id)
      return reply.code(202).send(toImportView(row))
    }
  }
}

const plugin: FastifyPluginAsyncTypebox = async (fastify) => {
  const { imports } = fastify.services

  fastify.get(
    '/imports/kinds',
    {
      config: { access: READ },
      schema: {
        tags: ['imports'],
        summary: 'Import kinds and their columns',
        response: {
          200: Type.Array(
            Type.Object({
              kind: Type.String(),
              label: Type.String(),
              description: Type.String(),
              exampleUrl: Type.String(),
              columns: Type.Array(
                Type.Object({
                  key: Type.String(),
                  label: Type.String(),
                  required: Type.Boolean(),
                  format: Type.String(),
                  aliases: Type.Array(Type.String()),
                }),
              ),
            }),
          ),
          ...authErrors,
        },
      },
    },
    async () =>
      IMPORT_KINDS.map((k) => ({
        kind: k,
        label: KINDS[k].label,
        description: KINDS[k].description,
        exampleUrl: `/imports/exemples/${k}.csv`,
        columns: KINDS[k].columns.map((c) => ({ key: c.key, label: c.label, required: c.required, format: c.format, aliases: c.aliases })),
      })),
  )

  fastify.post(
    '/imports',
    {
      config: { access: WRITE },
      schema: {
        tags: ['imports'],
        summary: 'Upload a university export (multipart/form-data, field "file"; ?kind=…)',
        description:
          'Answers 202 with the import (status `queued`, or `awaiting_mapping` when the headers need the mapping step), 409 when the same file was already uploaded, 422 when the file is refused (direct identifiers, unreadable).',
        consumes: ['multipart/form-data'],
        querystring: UploadQuery,
        response: { 202: ImportView, 400: ErrorBody, 409: DuplicateBody, 422: RejectedBody, 413: ErrorBody, ...authErrors },
      },
    },
    handleUpload,
  )

  fastify.get(
    '/imports',
    {
      config: { access: READ },
      schema: { tags: ['imports'], summary: 'Latest imports, newest first', response: { 200: Type.Array(ImportView), ...authErrors } },
    },
    async (request) => (await imports.list(request.requirePrincipal())).map(toImportView),
  )

  fastify.get(
    '/imports/:id',
    {
      config: { access: READ },
      schema: { tags: ['imports'], params: IdParams, response: { 200: ImportView, ...authErrors, ...notFound } },
    },
    async (request) => toImportView(await imports.get(request.requirePrincipal(), request.params.id)),
  )

  fastify.get(
    '/imports/:id/errors',
    {
      config: { access: READ },
      schema: {
        tags: ['imports'],
        summary: 'Row errors of an import (line, column, value, reason in French)',
        params: IdParams,
        querystring: Type.Object({ limit: Type.Integer({ minimum: 1, maximum: 50_000, default: 1_000 }) }),
        response: { 200: Type.Array(ImportErrorView), ...authErrors, ...notFound },
      },
    },
    async (request) => imports.errors(request.auditCtx(), request.params.id, request.query.limit),
  )

  fastify.get(
    '/imports/:id/errors.csv',
    {
      config: { access: READ },
      schema: {
        tags: ['imports'],
        summary: 'Error report as CSV (UTF-8 with BOM, ;)',
        params: IdParams,
        produces: ['text/csv'],
        response: { 200: Type.String(), ...authErrors, ...notFound },
      },
    },
    async (request, reply) => {
      const report = await imports.errorReport(request.auditCtx(), request.params.id)
      return reply
        .header('content-type', 'text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="${report.fileName}"`)
        .header('cache-control', 'no-store')
        .send(report.csv)
    },
  )

  fastify.delete(
    '/imports/:id',
    {
      config: { access: WRITE },
      schema: {
        tags: ['imports'],
        summary: 'Abandon an import that waits for its column mapping (nothing was loaded; the file is deleted)',
        params: IdParams,
        response: { 200: ImportView, 409: ErrorBody, ...authErrors, ...notFound },
      },
    },
    async (request) => {
      await imports.abandon(request.auditCtx(), request.params.id)
      return toImportView(await imports.get(request.requirePrincipal(), request.params.id))
    },
  )

  fastify.post(
    '/imports/:id/retry',
    {
      config: { access: WRITE },
      schema: {
        tags: ['imports'],
        summary: 'Retry a failed import with the file it kept (a new run; counters and row report cleared)',
        description:
          'Answers 202 with the import, queued again; 409 when the import did not fail, when its file is no longer kept, or when the same file was uploaded again since.',
        params: IdParams,
        response: { 202: ImportView, 409: ErrorBody, ...authErrors, ...notFound },
      },
    },
    async (request, reply) => {
      await imports.retry(request.auditCtx(), request.params.id)
      return reply.code(202).send(toImportView(await imports.get(request.requirePrincipal(), request.params.id)))
    },
  )

  fastify.put(
    '/imports/:id/mapping',
    {
      config: { access: WRITE },
      schema: {
        tags: ['imports'],
        summary: 'Choose which file column is which, then queue the import; the mapping is kept for the next file of this kind',
        params: IdParams,
        body: MappingBody,
        response: { 202: ImportView, 400: ErrorBody, 409: ErrorBody, ...authErrors, ...notFound },
      },
    },
    async (request, reply) => {
      await imports.setMapping(request.auditCtx(), request.params.id, request.body.mapping)
      return reply.code(202).send(toImportView(await imports.get(request.requirePrincipal(), request.params.id)))
    },
  )
}
export default plugin
