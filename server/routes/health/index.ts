import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import Type from 'typebox'

const Health = Type.Object({
  status: Type.Union([Type.Literal('ok'), Type.Literal('degraded')]),
  postgres: Type.Union([Type.Literal('ok'), Type.Literal('down')]),
  redis: Type.Union([Type.Literal('ok'), Type.Literal('down')]),
  workers: Type.Union([Type.Literal('ok'), Type.Literal('degraded')]),
  workerCount: Type.Integer(),
  reasons: Type.Array(Type.Object({ code: Type.String(), fr: Type.String(), en: Type.String() })),
})

/**
 * Liveness and readiness of this server in one: 200 when PostgreSQL and Redis answer, 503
 * otherwise. Workers that are missing or stuck make `status` (and `workers`) `degraded`, with
 * the reasons, but keep the 200: this server still serves pages and accepts uploads (their jobs
 * wait in the outbox), so a load balancer must not take it out of rotation for that.
 */
const plugin: FastifyPluginAsyncTypebox = async (fastify) => {
  fastify.get(
    '/health',
    {
      config: { access: 'public', rateLimit: { max: 600, timeWindow: 60_000 } },
      schema: { hide: true, response: { 200: Health, 503: Health } },
    },
    async (_req, reply) => {
      const report = await fastify.services.health.check()
      return reply.code(report.postgres === 'ok' && report.redis === 'ok' ? 200 : 503).send(report)
    },
  )
}
export default plugin
