import type { FastifyPluginAsync } from 'fastify'
import health from './health/index.ts'
import auth from './auth/index.ts'
import home from './home/index.ts'
import admin from './admin/index.ts'
import sites from './sites/index.ts'
import availability from './availability/index.ts'
import api from './api/index.ts'
import imports from './imports/index.ts'
import risk from './risk/index.ts'
import studentPages from './r/index.ts'
import cases from './cases/index.ts'
import campaigns from './campaigns/index.ts'

const routes: FastifyPluginAsync = async (fastify) => {
  await fastify.register(health)
  await fastify.register(auth)
  await fastify.register(home)
  await fastify.register(admin)
  await fastify.register(sites)
  await fastify.register(availability)
  await fastify.register(imports)
  await fastify.register(risk)
  await fastify.register(cases)
  await fastify.register(campaigns)
  await fastify.register(studentPages, { prefix: '/r' })
  await fastify.register(api, { prefix: '/api/v1' })
}
export default routes
