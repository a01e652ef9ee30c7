import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import Type from 'typebox'
import { IdParams, authErrors, notFound } from '../../schemas/common.ts'
import { SiteView } from '../../schemas/sites.ts'

/** Reception sites of the Missions Locales; each person sees their own organisation's. */
const plugin: FastifyPluginAsyncTypebox = async (fastify) => {
  const access = ['counsellor', 'ml_manager', 'admin'] as const
  fastify.get(
    '/sites',
    { config: { access }, schema: { tags: ['sites'], response: { 200: Type.Array(SiteView), ...authErrors } } },
    async (request) => fastify.services.sites.list(request.requirePrincipal()),
  )
  fastify.get(
    '/sites/:id',
    { config: { access }, schema: { tags: ['sites'], params: IdParams, response: { 200: SiteView, ...authErrors, ...notFound } } },
    async (request) => fastify.services.sites.get(request.requirePrincipal(), request.params.id),
  )
}
export default plugin
