import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { ErrorBody, authErrors } from '../../schemas/common.ts'
import { Login, TokenResponse, UserView } from '../../schemas/users.ts'
import { STAFF_ROLES } from '../../services/access.ts'
import { Forbidden } from '../../errors.ts'
import { toUserView } from './users.ts'
import { loginLimits } from '../../plugins/external/login-limits.ts'

const plugin: FastifyPluginAsyncTypebox = async (fastify) => {
  const { config } = fastify
  const limits = loginLimits(fastify)
  fastify.post(
    '/auth/token',
    {
      config: { access: 'public', rateLimit: limits.rateLimit },
      onRequest: limits.perAddress,
      schema: {
        tags: ['auth'],
        summary: 'Exchange e-mail and password for a Bearer token',
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
        throw new Forbidden()
      }
      const token = fastify.jwt.sign({ sub: user.id, role: user.role, org: user.organisationId, tv: user.tokenVersion })
      return { token, tokenType: 'Bearer' as const, expiresInSeconds: config.SESSION_HOURS * 3600 }
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
