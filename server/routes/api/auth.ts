import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import Type from 'typebox'
import { ErrorBody, authErrors } from '../../schemas/common.ts'
import { Login, TokenResponse, UserView } from '../../schemas/users.ts'
import { STAFF_ROLES } from '../../services/access.ts'
import { PasswordChangeRequired } from '../../errors.ts'
import { toUserView } from './users.ts'
import { loginLimits } from '../../plugins/external/login-limits.ts'

/** Reachable while a temporary password stands: a person may always log out. */
const session = { access: STAFF_ROLES, duringPasswordChange: true } as const

const plugin: FastifyPluginAsyncTypebox = async (fastify) => {
  const { config } = fastify
  const limits = loginLimits(fastify)
  fastify.post(
    '/auth/token',
    {
      config: { access: 'public' },
      onRequest: limits.perAddress,
      preHandler: limits.perAccount,
      schema: {
        tags: ['auth'],
        summary: 'Exchange e-mail and password for a Bearer token',
        description:
          'Refused (403 APP_PASSWORD_CHANGE_REQUIRED) while the account holds a temporary password: change it at /connexion first. ' +
          'Attempts count against the same limits as the login form.',
        security: [],
        body: Login,
        response: { 200: TokenResponse, 401: ErrorBody, 403: ErrorBody, 429: ErrorBody },
      },
    },
    async (request) => {
      const user = await fastify.services.users.authenticate(request.body.email, request.body.password, {
        requestId: request.id,
        ip: request.ip,
      })
      if (user.mustChangePassword) {
        throw new PasswordChangeRequired()
      }
      return { token: fastify.signSession(user), tokenType: 'Bearer' as const, expiresInSeconds: config.SESSION_HOURS * 3600 }
    },
  )

  fastify.post(
    '/auth/logout',
    {
      config: session,
      schema: {
        tags: ['auth'],
        summary: 'End this session: the token used for the call stops working at once',
        response: { 204: Type.Null(), ...authErrors },
      },
    },
    async (request, reply) => {
      if (request.session) {
        await fastify.services.sessions.end(request.auditCtx(), request.session)
      }
      if (request.authVia === 'cookie') {
        reply.endSession()
      }
      return reply.code(204).send(null)
    },
  )

  fastify.post(
    '/auth/logout-everywhere',
    {
      config: session,
      schema: {
        tags: ['auth'],
        summary: 'End every session of the account: pages, other devices and API tokens (se déconnecter partout)',
        response: { 204: Type.Null(), ...authErrors },
      },
    },
    async (request, reply) => {
      await fastify.services.users.endSessions(request.auditCtx(), request.requirePrincipal().userId)
      if (request.authVia === 'cookie') {
        reply.endSession()
      }
      return reply.code(204).send(null)
    },
  )

  fastify.get(
    '/me',
    {
      config: { access: STAFF_ROLES },
      schema: { tags: ['auth'], summary: 'The account behind the token', response: { 200: UserView, ...authErrors } },
    },
    async (request) => toUserView(request.user_!),
  )
}
export default plugin
