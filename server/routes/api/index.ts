import type { FastifyPluginAsync } from 'fastify'
import auth from './auth.ts'
import users from './users.ts'
import sites from './sites.ts'
import organisations from './organisations.ts'
import imports from './imports.ts'
import communes from './communes.ts'
import risk from './risk.ts'
import models from './models.ts'
import journey from './journey.ts'
import cases from './cases.ts'
import campaigns from './campaigns.ts'

/** The JSON API, versioned under /api/v1 and documented at /docs. */
const api: FastifyPluginAsync = async (fastify) => {
  await fastify.register(auth)
  await fastify.register(users)
  await fastify.register(sites)
  await fastify.register(organisations)
  await fastify.register(imports)
  await fastify.register(communes)
  await fastify.register(risk)
  await fastify.register(models)
  await fastify.register(journey)
  await fastify.register(cases)
  await fastify.register(campaigns)
}
export default api
