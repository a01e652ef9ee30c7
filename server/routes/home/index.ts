import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import Type from 'typebox'
import { STAFF_ROLES } from '../../services/access.ts'
import { toImportView } from '../imports/view.ts'

/** Each role's home page: what that person works on, nothing more. */
const plugin: FastifyPluginAsyncTypebox = async (fastify) => {
  const { services } = fastify
  fastify.get(
    '/',
    {
      config: { access: STAFF_ROLES, html: true },
      schema: { hide: true, querystring: Type.Object({ statut: Type.Optional(Type.String({ maxLength: 50 })) }) },
    },
    async (request, reply) => {
      const p = request.requirePrincipal()
      const notice = request.query.statut === 'mot-de-passe-change' ? 'Votre mot de passe a été changé.' : undefined
      switch (p.role) {
        case 'university_staff':
          return reply.page('pages/home/university.hbs', {
            title: 'Accueil',
            notice,
            imports: (await services.imports.list(p)).slice(0, 5).map(toImportView),
            risk: await services.scoring.riskSummary(p, p.organisationId),
            outcomes: await services.cases.outcomeCounts(p),
          })
        case 'counsellor':
          return reply.page('pages/home/counsellor.hbs', { title: 'Accueil', notice, sites: await services.sites.list(p) })
        case 'ml_manager':
          return reply.page('pages/home/manager.hbs', {
            title: 'Accueil',
            notice,
            sites: await services.sites.list(p),
            team: await services.users.list(p),
          })
        case 'admin':
          return reply.page('pages/home/admin.hbs', {
            title: 'Accueil',
            notice,
            organisations: await services.organisations.list(),
            users: await services.users.list(p),
            communes: await services.communes.summary(),
          })
      }
    },
  )
}
export default plugin
