import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import Type from 'typebox'
import { authErrors } from '../../schemas/common.ts'

const OrganisationView = Type.Object({
  id: Type.String({ format: 'uuid' }),
  kind: Type.String(),
  slug: Type.String(),
  name: Type.String(),
  shortName: Type.String(),
})

const plugin: FastifyPluginAsyncTypebox = async (fastify) => {
  fastify.get(
    '/organisations',
    { config: { access: ['admin'] }, schema: { tags: ['organisations'], response: { 200: Type.Array(OrganisationView), ...authErrors } } },
    async () => fastify.services.organisations.list(),
  )
}
export default plugin
