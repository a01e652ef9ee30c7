/**
 * Login rate limits, shared by the login form and the API token exchange:
 * - per address AND account (LOGIN_MAX_ATTEMPTS per window, the route's `config.rateLimit`): a
 *   Mission Locale office behind one public address does not lock every colleague out when one
 *   person mistypes;
 * - per address across accounts (10 × that, checked on arrival): guessing many accounts from one
 *   address stays capped.
 * The plugin runs one route limiter per request, so the second is applied with `createRateLimit`.
 * Counters live in Redis (see security.ts), so they hold across server instances.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { RateLimited } from '../../errors.ts'

function emailOf(request: FastifyRequest): string {
  const body = request.body as { email?: unknown } | undefined
  return typeof body?.email === 'string' ? body.email.trim().toLowerCase().slice(0, 200) : ''
}

export function loginLimits(fastify: FastifyInstance) {
  const { LOGIN_MAX_ATTEMPTS: max, LOGIN_WINDOW_MINUTES: minutes } = fastify.config
  const timeWindow = minutes * 60_000
  const addressLimit = fastify.createRateLimit({ max: max * 10, timeWindow, keyGenerator: (request) => `addr|${request.ip}` })
  return {
    rateLimit: {
      max,
      timeWindow,
      // After body parsing, so the account is known.
      hook: 'preHandler' as const,
      keyGenerator: (request: FastifyRequest) => `acct|${request.ip}|${emailOf(request)}`,
    },
    perAddress: async (request: FastifyRequest): Promise<void> => {
      const r = await addressLimit(request)
      if (!r.isAllowed && r.isExceeded) {
        throw new RateLimited(`Trop de requêtes. Réessayez dans ${Math.max(1, Math.ceil(r.ttl / 60_000))} minutes.`)
      }
    },
  }
}
