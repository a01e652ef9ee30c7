import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import Type from 'typebox'
import { createReadStream } from 'node:fs'
import { access } from 'node:fs/promises'
import path from 'node:path'
import { IdParams } from '../../schemas/common.ts'
import { IMPORT_KINDS, KINDS } from '../../services/imports/kinds/index.ts'
import { NotFound } from '../../errors.ts'
import { TEMPLATES_DIR } from '../../plugins/app/views.ts'
import { toImportView } from './view.ts'

const READ = { access: ['university_staff', 'admin'] as const, html: true }
const WRITE = { access: ['university_staff'] as const, html: true }
const EXAMPLES_DIR = path.join(TEMPLATES_DIR, 'examples')

const kindsForPage = () =>
  IMPORT_KINDS.map((k) => ({
    kind: k,
    label: KINDS[k].label,
    description: KINDS[k].description,
    example: `/imports/exemples/${k}.csv`,
    ...(k === 'assiduite' ? { exampleWeek: '/imports/exemples/assiduite-semaine.csv' } : {}),
  }))

/** Import pages for university staff. Uploads go through the API twin (POST /api/v1/imports). */
const plugin: FastifyPluginAsyncTypebox = async (fastify) => {
  const { imports } = fastify.services

  fastify.get('/imports', { config: READ, schema: { hide: true } }, async (request, reply) => {
    const p = request.requirePrincipal()
    const list = (await imports.list(p)).map(toImportView)
    return reply.page('pages/imports/index.hbs', {
      title: 'Imports',
      imports: list,
      kinds: kindsForPage(),
      canUpload: p.role === 'university_staff',
      scripts: ['/static/imports.js'],
    })
  })

  fastify.get('/imports/:id', { config: READ, schema: { hide: true, params: IdParams } }, async (request, reply) => {
    const p = request.requirePrincipal()
    const imp = toImportView(await imports.get(p, request.params.id))
    const errors = imp.rowsInvalid > 0 || imp.errorCode ? await imports.errors(request.auditCtx(), imp.id, 100) : []
    return reply.page('pages/imports/show.hbs', {
      title: `Import ${imp.kindLabel}`,
      imp,
      errors,
      moreErrors: imp.rowsInvalid > errors.length,
      live: imp.status === 'queued' || imp.status === 'processing',
      canRetry: imp.status === 'failed' && p.role === 'university_staff',
      scripts: ['/static/import-progress.js'],
    })
  })

  fastify.get('/imports/:id/correspondance', { config: WRITE, schema: { hide: true, params: IdParams } }, async (request, reply) => {
    const view = await imports.mappingView(request.requirePrincipal(), request.params.id)
    if (view.import.status !== 'awaiting_mapping') {
      return reply.redirect(`/imports/${view.import.id}`)
    }
    return reply.page('pages/imports/mapping.hbs', {
      title: 'Associer les colonnes',
      imp: toImportView(view.import),
      columns: view.columns,
      headers: view.headers,
    })
  })

  fastify.post(
    '/imports/:id/correspondance',
    { config: WRITE, schema: { hide: true, params: IdParams, body: Type.Record(Type.String(), Type.String()) } },
    async (request, reply) => {
      const { _csrf, ...rest } = request.body
      void _csrf
      const chosen: Record<string, string> = {}
      for (const [k, v] of Object.entries(rest)) {
        if (k.startsWith('col_')) {
          chosen[k.slice(4)] = v
        }
      }
      try {
        await imports.setMapping(request.auditCtx(), request.params.id, chosen)
      } catch (err) {
        if ((err as { statusCode?: number }).statusCode === 400) {
          const view = await imports.mappingView(request.requirePrincipal(), request.params.id)
          const columns = view.columns.map((c) => ({ ...c, selected: chosen[c.key] || null }))
          reply.code(400)
          return reply.page('pages/imports/mapping.hbs', {
            title: 'Associer les colonnes',
            imp: toImportView(view.import),
            columns,
            headers: view.headers,
            error: (err as Error).message,
          })
        }
        throw err
      }
      return reply.redirect(`/imports/${request.params.id}`, 303)
    },
  )

  fastify.post('/imports/:id/relancer', { config: WRITE, schema: { hide: true, params: IdParams } }, async (request, reply) => {
    await imports.retry(request.auditCtx(), request.params.id)
    return reply.redirect(`/imports/${request.params.id}`, 303)
  })

  fastify.post('/imports/:id/abandon', { config: WRITE, schema: { hide: true, params: IdParams } }, async (request, reply) => {
    await imports.abandon(request.auditCtx(), request.params.id)
    return reply.redirect(`/imports/${request.params.id}`, 303)
  })

  fastify.get(
    '/imports/exemples/:file',
    { config: READ, schema: { hide: true, params: Type.Object({ file: Type.String({ pattern: '^[a-z_-]+\\.csv$' }) }) } },
    async (request, reply) => {
      const file = path.join(EXAMPLES_DIR, request.params.file)
      try {
        await access(file)
      } catch {
        throw new NotFound()
      }
      return reply
        .header('content-type', 'text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="exemple-${request.params.file}"`)
        .send(createReadStream(file))
    },
  )
}
export default plugin
