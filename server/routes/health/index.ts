import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import Type from 'typebox'

const Health = Type.Object({
  status: Type.Union([Type.Literal('ok'), Type.Literal('degraded')]),
  postgres: Type.Union([Type.Literal('ok'), Type.Literal('down')]),
  redis: Type.Union([Type.Literal('ok'), Type.Literal('down')]),
})

/** Liveness and readiness in one: 200 when PostgreSQL and Redis answer, 503 otherwise. */
const plugin: FastifyPluginAsyncTypebox = async (fastify) => {
  fastify.get(
    '/health',
    {
      config: { access: 'public', rateLimit: { max: 600, timeWindow: 60_000 } },
      schema: { hide: true, response: { 200: Health, 503: Health } },
    },
    async (_req, reply) => {
      const report = await fastify.services.health.check()
      return reply.code(report.status === 'ok' ? 200 : 503).send(report)
    },
  )
}
export default plugin
