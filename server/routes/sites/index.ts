import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { IdParams } from '../../schemas/common.ts'

const access = ['counsellor', 'ml_manager', 'admin'] as const

const plugin: FastifyPluginAsyncTypebox = async (fastify) => {
  fastify.get('/sites', { config: { access, html: true }, schema: { hide: true } }, async (request, reply) =>
    reply.page('pages/sites/index.hbs', { title: 'Lieux d’accueil', sites: await fastify.services.sites.list(request.requirePrincipal()) }),
  )
  fastify.get('/sites/:id', { config: { access, html: true }, schema: { hide: true, params: IdParams } }, async (request, reply) => {
    const site = await fastify.services.sites.get(request.requirePrincipal(), request.params.id)
    return reply.page('pages/sites/show.hbs', { title: site.name, site })
  })
  fastify.get('/equipe', { config: { access: ['ml_manager'], html: true }, schema: { hide: true } }, async (request, reply) =>
    reply.page('pages/team/index.hbs', { title: 'Équipe', team: await fastify.services.users.list(request.requirePrincipal()) }),
  )
}
export default plugin
