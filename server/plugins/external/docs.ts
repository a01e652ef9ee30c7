/**
 * OpenAPI generated from the route schemas, served at /docs to logged-in staff only.
 * @see https://github.com/fastify/fastify-swagger
 */
import fp from 'fastify-plugin'
import swagger from '@fastify/swagger'
import swaggerUi from '@fastify/swagger-ui'
import type { Config } from '../../config.ts'
import { STAFF_ROLES } from '../../services/access.ts'

export default fp(
  async (fastify, opts: { config: Config }) => {
    await fastify.register(swagger, {
      openapi: {
        info: {
          title: 'Repère API',
          version: '1',
          description: 'JSON API of Repère. Authenticate with `POST /api/v1/auth/token` and send `Authorization: Bearer <token>`.',
        },
        servers: [{ url: opts.config.PUBLIC_URL }],
        components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } } },
        security: [{ bearer: [] }],
      },
      // Only the JSON API is documented; pages and the dashboard are not part of it.
      transform: ({ schema, url }) => ({ schema: url.startsWith('/api/') ? schema : { ...schema, hide: true }, url }),
    })
    await fastify.register(async (child) => {
      child.addHook('onRoute', (route) => {
        route.config = { ...(route.config ?? {}), access: STAFF_ROLES }
      })
      // No call to the public validator service: this machine's pages load nothing from outside.
      await child.register(swaggerUi, { routePrefix: '/docs', staticCSP: true, uiConfig: { validatorUrl: null } })
    })
  },
  { name: 'docs' },
)
