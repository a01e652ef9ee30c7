/**
 * Login rate limits: ONE set of counters for the login form (`POST /connexion`) and the API
 * token exchange (`POST /api/v1/auth/token`), so that switching door gives no fresh tries.
 * - per address AND account (LOGIN_MAX_ATTEMPTS per window, after the body is parsed so the
 *   account is known): a Mission Locale office behind one public address does not lock every
 *   colleague out when one person mistypes;
 * - per address across accounts (10 × that, checked on arrival): guessing many accounts from one
 *   address stays capped.
 * Both use `createRateLimit`, whose Redis keys carry no route (a route's `config.rateLimit` would
 * prefix its keys with the route's method and URL, hence one counter per route: the bug this
 * replaces). Counters live in Redis (see security.ts), so they hold across server instances.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { RateLimited } from '../../errors.ts'

function emailOf(request: FastifyRequest): string {
  const body = request.body as { email?: unknown } | undefined
  return typeof body?.email === 'string' ? body.email.trim().toLowerCase().slice(0, 200) : ''
}

type Limiter = ReturnType<FastifyInstance['createRateLimit']>

async function apply(limiter: Limiter, request: FastifyRequest, reply: FastifyReply): Promise<void> {
  const r = await limiter(request)
  if (!r.isAllowed && r.isExceeded) {
    reply.header('retry-after', Math.max(1, r.ttlInSeconds))
    const minutes = Math.max(1, Math.ceil(r.ttl / 60_000))
    throw new RateLimited(`Trop de requêtes. Réessayez dans ${minutes} minute${minutes > 1 ? 's' : ''}.`)
  }
}

export function loginLimits(fastify: FastifyInstance) {
  const { LOGIN_MAX_ATTEMPTS: max, LOGIN_WINDOW_MINUTES: minutes } = fastify.config
  const timeWindow = minutes * 60_000
  const addressLimit = fastify.createRateLimit({ max: max * 10, timeWindow, keyGenerator: (request) => `login-addr|${request.ip}` })
  const accountLimit = fastify.createRateLimit({
    max,
    timeWindow,
    keyGenerator: (request) => `login-acct|${request.ip}|${emailOf(request)}`,
  })
  return {
    /** `onRequest`: every attempt from the address counts, before the body is read. */
    perAddress: (request: FastifyRequest, reply: FastifyReply) => apply(addressLimit, request, reply),
    /** `preHandler`: once the body is parsed, the attempts on this account from this address. */
    perAccount: (request: FastifyRequest, reply: FastifyReply) => apply(accountLimit, request, reply),
    /** The same allowance for the password change form, counted per account (route config). */
    passwordChange: {
      max,
      timeWindow,
      hook: 'preHandler' as const,
      keyGenerator: (request: FastifyRequest) => `pwd|${request.principal?.userId ?? request.ip}`,
    },
  }
}
