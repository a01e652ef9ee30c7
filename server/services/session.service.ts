/**
 * Sessions that really end. A session is a JWT carrying a random session id (`sid`); logging
 * out revokes that id in Redis until the token would have expired anyway, so a copy of the
 * token (cookie or Bearer) stops working at once. Ending every session of an account is the
 * token version on the user row (user.service `endSessions`), which needs no list of ids.
 *
 * Redis, not PostgreSQL: the check runs on every authenticated request, the entries expire by
 * themselves (TTL = the token's remaining life), and every server instance shares it.
 */
import { randomUUID } from 'node:crypto'
import type { Redis } from 'ioredis'
import type { AuditContext, AuditService } from './audit.service.ts'
import type { Principal } from './access.ts'

/** What the server keeps of a verified token to end it later. */
export type SessionRef = { sid: string; exp: number }

type Deps = { redis: Pick<Redis, 'set' | 'exists'>; prefix: string; audit: AuditService; now?: () => number }

export function createSessionService({ redis, prefix, audit, now = Date.now }: Deps) {
  const key = (sid: string) => `${prefix}:session-revoked:${sid}`
  return {
    newId: (): string => randomUUID(),

    /** True when the session was ended by a logout. Throws if Redis cannot answer: no guess. */
    async isRevoked(sid: string): Promise<boolean> {
      return (await redis.exists(key(sid))) === 1
    },

    /** Logout: this session (and only this one) stops working, on every server instance. */
    async end(ctx: AuditContext & { actor: Principal }, session: SessionRef): Promise<void> {
      const ttl = session.exp - Math.floor(now() / 1000)
      if (ttl > 0) {
        await redis.set(key(session.sid), '1', 'EX', ttl)
      }
      await audit.record(ctx, { action: 'auth.logout', entityType: 'user', entityId: ctx.actor.userId })
    },
  }
}
export type SessionService = ReturnType<typeof createSessionService>
