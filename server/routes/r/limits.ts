/**
 * Rate limits of the student pages: ONE counter per address across every page under /r/
 * (a route's `config.rateLimit` would count each route apart, see plugins/external/login-limits.ts),
 * and a tighter one for what writes (booking, callback, objection, cancel, move), so a script
 * cannot fill a Mission Locale's agenda or queue. Counters live in Redis (security.ts).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { RateLimited } from '../../errors.ts'

type Limiter = ReturnType<FastifyInstance['createRateLimit']>

async function apply(limiter: Limiter, request: FastifyRequest, reply: FastifyReply): Promise<void> {
  const r = await limiter(request)
  if (!r.isAllowed && r.isExceeded) {
    reply.header('retry-after', Math.max(1, r.ttlInSeconds))
    const minutes = Math.max(1, Math.ceil(r.ttl / 60_000))
    throw new RateLimited(`Trop de demandes en peu de temps. Réessayez dans ${minutes} minute${minutes > 1 ? 's' : ''}.`)
  }
}

export function publicLimits(fastify: FastifyInstance) {
  const perMinute = fastify.config.PUBLIC_RATE_LIMIT_PER_MINUTE
  const pages = fastify.createRateLimit({ max: perMinute, timeWindow: 60_000, keyGenerator: (request) => `public|${request.ip}` })
  // A sixth of the page allowance (20 a minute by default): a person books, calls back or
  // objects a few times at most.
  const writes = fastify.createRateLimit({
    max: Math.max(1, Math.ceil(perMinute / 6)),
    timeWindow: 60_000,
    keyGenerator: (request) => `public-write|${request.ip}`,
  })
  return {
    /** `onRequest` of every student page. */
    pages: (request: FastifyRequest, reply: FastifyReply) => apply(pages, request, reply),
    /** `onRequest` of every student form submission, on top of `pages`. */
    writes: (request: FastifyRequest, reply: FastifyReply) => apply(writes, request, reply),
  }
}
