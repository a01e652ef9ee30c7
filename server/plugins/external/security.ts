import fp from 'fastify-plugin'
import cookie from '@fastify/cookie'
import csrf from '@fastify/csrf-protection'
import formbody from '@fastify/formbody'
import helmet from '@fastify/helmet'
import jwt from '@fastify/jwt'
import rateLimit from '@fastify/rate-limit'
import type { Redis } from 'ioredis'
import { createHash } from 'node:crypto'
import type { Config } from '../../config.ts'
import { RateLimited } from '../../errors.ts'

export const SESSION_COOKIE = 'repere_session'

/** Cookies, CSRF, JWT sessions, security headers and the Redis-backed rate limiter. */
export default fp(
  async (fastify, opts: { config: Config; redis: Redis }) => {
    const { config, redis } = opts
    // Separate keys for the cookie signature and the JWTs, both derived from JWT_SECRET.
    const cookieSecret = createHash('sha256').update(`cookie:${config.JWT_SECRET}`).digest('hex')

    await fastify.register(helmet, {
      contentSecurityPolicy: {
        directives: {
          defaultSrc: ["'self'"],
          scriptSrc: ["'self'"],
          styleSrc: ["'self'"],
          imgSrc: ["'self'", 'data:'],
          formAction: ["'self'"],
          frameAncestors: ["'none'"],
          upgradeInsecureRequests: config.COOKIE_SECURE ? [] : null,
        },
      },
      // Pages contain no third-party content; keep the referrer inside the site.
      referrerPolicy: { policy: 'same-origin' },
      hsts: config.COOKIE_SECURE,
    })
    await fastify.register(cookie, { secret: cookieSecret })
    await fastify.register(formbody, { bodyLimit: 64 * 1024 })
    await fastify.register(csrf, {
      sessionPlugin: '@fastify/cookie',
      cookieOpts: { path: '/', sameSite: 'lax', httpOnly: true, secure: config.COOKIE_SECURE, signed: true },
    })
    await fastify.register(jwt, {
      secret: config.JWT_SECRET,
      sign: { expiresIn: `${config.SESSION_HOURS}h` },
      cookie: { cookieName: SESSION_COOKIE, signed: false },
    })
    await fastify.register(rateLimit, {
      global: false,
      redis,
      nameSpace: `${config.REDIS_PREFIX}-rl-`,
      // If Redis is down, let requests through rather than locking everyone out; /health reports it.
      skipOnError: true,
      errorResponseBuilder: (_req, ctx) =>
        new RateLimited(
          `Trop de requêtes. Réessayez dans ${Math.max(1, Math.ceil(ctx.ttl / 60_000))} minute${ctx.ttl > 60_000 ? 's' : ''}.`,
        ),
    })
  },
  { name: 'security' },
)
