/**
 * Authentication and role checks for every route, in one place.
 *
 * Every route declares `config.access`: 'public' or the list of roles that may use it. A route
 * that declares nothing is admin-only (deny by default). The session is a JWT, read from the
 * `Authorization: Bearer` header (JSON API, scripts) or from the httpOnly session cookie (pages).
 * Cookie-authenticated requests that change something must carry a CSRF token; Bearer requests
 * cannot be forged by another site and need none.
 * Each token carries a session id (`sid`): logging out revokes it (services/session.service.ts),
 * so the same token, replayed as a cookie or as a Bearer token, is refused from then on.
 * While an account holds a temporary password, it reaches only the password change and the
 * logouts, whatever the transport (one gate below: pages are redirected, the rest gets 403).
 * Organisation scoping (which rows) is the services' job: see services/access.ts.
 */
import fp from 'fastify-plugin'
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify'
import type { UserRole } from '../../../db/vocabulary/index.ts'
import type { UserWithOrganisation } from '../../../db/repositories/users.repository.ts'
import { Forbidden, NotFound, PasswordChangeRequired, ServiceUnavailable, Unauthorized } from '../../errors.ts'
import type { Principal } from '../../services/access.ts'
import type { AuditContext } from '../../services/audit.service.ts'
import type { SessionRef } from '../../services/session.service.ts'
import { SESSION_COOKIE } from '../external/security.ts'
import { sendError, toErrorView, wantsHtml } from './error-handler.ts'

export { wantsHtml }

export type Access = 'public' | readonly UserRole[]
export type SessionClaims = { sub: string; role: UserRole; org: string; tv: number; sid: string; exp?: number }

declare module 'fastify' {
  interface FastifyContextConfig {
    access?: Access
    /** Page routes answer errors with HTML; set on routes that render pages. */
    html?: boolean
    /** Reachable while the account must change its temporary password (the change, the logouts). */
    duringPasswordChange?: boolean
    /**
     * A signed-in role outside `access` gets 404, not 403: the route does not exist for them
     * (issue #8: counsellors and managers must not even learn that risk scores exist).
     */
    notFoundForOtherRoles?: boolean
  }
  interface FastifyRequest {
    principal: Principal | null
    user_: UserWithOrganisation | null
    authVia: 'bearer' | 'cookie' | null
    /** The verified token's session, for logging it out. */
    session: SessionRef | null
    /** Audit context for services: actor, request id, address. */
    auditCtx(): AuditContext & { actor: Principal }
    requirePrincipal(): Principal
  }
  interface FastifyInstance {
    /** A signed session token (cookie or Bearer) for the account, with a fresh session id. */
    signSession(user: UserWithOrganisation): string
  }
  interface FastifyReply {
    startSession(user: UserWithOrganisation): void
    endSession(): void
  }
}
declare module '@fastify/jwt' {
  interface FastifyJWT {
    payload: SessionClaims
    user: SessionClaims
  }
}

const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE'])

/**
 * Stylesheets and icons, served by @fastify/static. Its routes are registered by the views
 * plugin before this one (so the deny-by-default hook never sees them) and it takes no route
 * config: they are public by this rule, or the login page would have no stylesheet.
 */
export const PUBLIC_ASSETS_PREFIX = '/static/'

function accessOf(request: FastifyRequest): Access {
  const declared = request.routeOptions.config?.access
  if (declared) {
    return declared
  }
  return (request.routeOptions.url ?? '').startsWith(PUBLIC_ASSETS_PREFIX) ? 'public' : ['admin']
}

export default fp(
  async (fastify) => {
    fastify.decorateRequest('principal', null)
    fastify.decorateRequest('user_', null)
    fastify.decorateRequest('authVia', null)
    fastify.decorateRequest('session', null)
    fastify.decorateRequest('auditCtx', function (this: FastifyRequest) {
      return { actor: this.requirePrincipal(), requestId: this.id, ip: this.ip }
    })
    fastify.decorateRequest('requirePrincipal', function (this: FastifyRequest) {
      if (!this.principal) {
        throw new Unauthorized()
      }
      return this.principal
    })

    const cookieOptions = {
      path: '/',
      httpOnly: true,
      sameSite: 'lax' as const,
      secure: fastify.config.COOKIE_SECURE,
      maxAge: fastify.config.SESSION_HOURS * 3600,
    }
    fastify.decorate('signSession', (user: UserWithOrganisation) =>
      fastify.jwt.sign({
        sub: user.id,
        role: user.role,
        org: user.organisationId,
        tv: user.tokenVersion,
        sid: fastify.services.sessions.newId(),
      }),
    )
    fastify.decorateReply('startSession', function (this: FastifyReply, user: UserWithOrganisation) {
      this.setCookie(SESSION_COOKIE, fastify.signSession(user), cookieOptions)
    })
    fastify.decorateReply('endSession', function (this: FastifyReply) {
      this.clearCookie(SESSION_COOKIE, { path: '/' })
    })

    // Deny by default: a route without `config.access` is for admins only.
    fastify.addHook('onRoute', (route) => {
      route.config = { ...(route.config ?? {}), access: route.config?.access ?? ['admin'] }
    })

    /** Resolves to 'unavailable' when Redis cannot say whether the session was logged out. */
    async function identify(request: FastifyRequest, reply: FastifyReply): Promise<void | 'unavailable'> {
      const header = request.headers.authorization
      let token: string | undefined
      if (header) {
        const match = /^Bearer\s+(\S+)$/i.exec(header)
        if (!match) {
          return
        }
        token = match[1]
        request.authVia = 'bearer'
      } else if (request.cookies[SESSION_COOKIE]) {
        token = request.cookies[SESSION_COOKIE]
        request.authVia = 'cookie'
      }
      if (!token) {
        return
      }
      let claims: SessionClaims
      try {
        claims = fastify.jwt.verify<SessionClaims>(token)
      } catch {
        if (request.authVia === 'cookie') {
          reply.endSession()
        }
        request.authVia = null
        return
      }
      // The account's current state wins over the token: deactivation, role change, password
      // reset and "se déconnecter partout" end every session at once (token version); a logout
      // ends this one (revoked session id). A token without a session id predates logouts that
      // work, and is refused.
      const [user, revoked] = await Promise.all([
        fastify.services.users.byId(claims.sub),
        typeof claims.sid === 'string' && typeof claims.exp === 'number'
          ? fastify.services.sessions.isRevoked(claims.sid).catch((err: unknown) => {
              request.log.error({ err, reqId: request.id }, 'session revocation check failed')
              return null
            })
          : true,
      ])
      if (revoked === null) {
        // No guess either way: neither accept a token that may be logged out, nor clear the
        // cookie of a session that may be fine.
        request.authVia = null
        return 'unavailable'
      }
      if (!user || !user.active || user.tokenVersion !== claims.tv || revoked) {
        if (request.authVia === 'cookie') {
          reply.endSession()
        }
        request.authVia = null
        return
      }
      request.user_ = user
      request.session = { sid: claims.sid, exp: claims.exp as number }
      request.principal = { userId: user.id, role: user.role, organisationId: user.organisationId }
    }

    /**
     * Refusals are answered here with the app's own error format, not thrown: a route of a
     * third-party plugin (the queue dashboard) has its own error handler, which would answer
     * in its own format and language.
     */
    async function refuse(request: FastifyRequest, reply: FastifyReply, err: FastifyError): Promise<FastifyReply> {
      request.log.info({ code: err.code, statusCode: err.statusCode, reqId: request.id }, 'request refused')
      const body = await sendError(fastify, request, reply, toErrorView(err, request))
      // A hook that answers must send and return the reply, or the route would run after it.
      return typeof body === 'string' ? reply.send(body) : reply
    }

    // Who is asking and may they: before the body is even read, so that an anonymous or
    // unauthorised caller gets 401/403 (never a validation error, never a parsed upload).
    fastify.addHook('onRequest', async (request, reply) => {
      const access = accessOf(request)
      if ((request.routeOptions.url ?? '').startsWith(PUBLIC_ASSETS_PREFIX)) {
        return // a stylesheet needs no database lookup of the session
      }
      const identified = await identify(request, reply)
      // Unknown URLs answer 404 to everyone: no route, no access rule to apply.
      if (request.is404 || access === 'public') {
        return
      }
      if (identified === 'unavailable') {
        return refuse(request, reply, new ServiceUnavailable())
      }
      // `wantsHtml` is false for every /api/ path: the API answers JSON errors, never redirects,
      // whatever the credentials.
      if (!request.principal) {
        if (wantsHtml(request) && request.method === 'GET') {
          return reply.redirect(`/connexion?suite=${encodeURIComponent(request.url)}`)
        }
        return refuse(request, reply, new Unauthorized())
      }
      // The one gate of the forced password change, for every transport. A browser (session
      // cookie, outside the API) is led to the form; an API call or a Bearer token gets 403 and
      // is told what to do.
      if (request.user_?.mustChangePassword && !request.routeOptions.config?.duringPasswordChange) {
        if (request.authVia === 'cookie' && !request.url.startsWith('/api/')) {
          return reply.redirect('/mot-de-passe', request.method === 'GET' ? 302 : 303)
        }
        return refuse(request, reply, new PasswordChangeRequired())
      }
      if (!access.includes(request.principal.role)) {
        return refuse(request, reply, request.routeOptions.config?.notFoundForOtherRoles ? new NotFound() : new Forbidden())
      }
    })

    // CSRF needs the parsed body (the `_csrf` form field), so it runs once the body is read and
    // before validation. It protects what a forged cross-site request could abuse: requests
    // carrying the session cookie, and the pages' own forms (the login form: login CSRF).
    // Bearer requests cannot be forged by another site; an anonymous JSON API call (token
    // exchange) carries no session to abuse and its answer cannot be read cross-site.
    fastify.addHook('preValidation', (request, reply, done) => {
      const needsCsrf =
        UNSAFE.has(request.method) &&
        !request.is404 &&
        (request.authVia === 'cookie' || (request.authVia === null && !request.url.startsWith('/api/')))
      if (!needsCsrf) {
        done()
        return
      }
      // On failure the plugin sends the error itself and does not call `done`.
      fastify.csrfProtection(request, reply, done)
    })
  },
  { name: 'auth', dependencies: ['security', 'services'] },
)
