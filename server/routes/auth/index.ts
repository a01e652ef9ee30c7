import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import Type from 'typebox'
import { STAFF_ROLES } from '../../services/access.ts'
import { MIN_PASSWORD_LENGTH } from '../../services/user.service.ts'
import { loginLimits } from '../../plugins/external/login-limits.ts'

/** Only a local path may follow the login: no open redirect. */
export function safeNext(value: unknown): string {
  return typeof value === 'string' && /^\/(?![/\\])[^\s]*$/.test(value) && !value.startsWith('/connexion') ? value : '/'
}

const LoginForm = Type.Object({
  email: Type.String({ maxLength: 200, default: '' }),
  password: Type.String({ maxLength: 500, default: '' }),
  suite: Type.Optional(Type.String({ maxLength: 500 })),
  _csrf: Type.Optional(Type.String()),
})

const PasswordForm = Type.Object({
  current: Type.String({ maxLength: 500, default: '' }),
  next: Type.String({ maxLength: 500, default: '' }),
  confirm: Type.String({ maxLength: 500, default: '' }),
  _csrf: Type.Optional(Type.String()),
})

const plugin: FastifyPluginAsyncTypebox = async (fastify) => {
  const limits = loginLimits(fastify)

  fastify.get(
    '/connexion',
    {
      config: { access: 'public', html: true, rateLimit: { max: fastify.config.PUBLIC_RATE_LIMIT_PER_MINUTE, timeWindow: 60_000 } },
      schema: { hide: true, querystring: Type.Object({ suite: Type.Optional(Type.String({ maxLength: 500 })) }) },
    },
    async (request, reply) => {
      if (request.principal) {
        return reply.redirect(safeNext(request.query.suite))
      }
      return reply.page('pages/auth/login.hbs', { title: 'Connexion', bare: true, suite: safeNext(request.query.suite) })
    },
  )

  fastify.post(
    '/connexion',
    {
      config: { access: 'public', html: true, rateLimit: limits.rateLimit },
      onRequest: limits.perAddress,
      schema: { hide: true, body: LoginForm },
    },
    async (request, reply) => {
      const { email, password } = request.body
      const suite = safeNext(request.body.suite)
      try {
        const user = await fastify.services.users.authenticate(email, password, { requestId: request.id, ip: request.ip })
        await reply.startSession(user)
        return reply.redirect(user.mustChangePassword ? '/mot-de-passe' : suite, 303)
      } catch (err) {
        const code = (err as { code?: string }).code
        if (code === 'APP_INVALID_CREDENTIALS' || code === 'APP_ACCOUNT_DISABLED') {
          reply.code((err as { statusCode: number }).statusCode)
          return reply.page('pages/auth/login.hbs', { title: 'Connexion', bare: true, error: (err as Error).message, email, suite })
        }
        throw err
      }
    },
  )

  fastify.post('/deconnexion', { config: { access: STAFF_ROLES, html: true }, schema: { hide: true } }, async (request, reply) => {
    await fastify.services.audit.record(request.auditCtx(), {
      action: 'auth.logout',
      entityType: 'user',
      entityId: request.principal?.userId,
    })
    reply.endSession()
    return reply.redirect('/connexion', 303)
  })

  // While a temporary password stands, every other page leads back here: no navigation to
  // offer, only this form and the logout button.
  fastify.get('/mot-de-passe', { config: { access: STAFF_ROLES, html: true }, schema: { hide: true } }, async (request, reply) =>
    reply.page('pages/auth/password.hbs', {
      title: 'Changer de mot de passe',
      required: request.user_?.mustChangePassword,
      hideNav: request.user_?.mustChangePassword,
      minLength: MIN_PASSWORD_LENGTH,
    }),
  )

  fastify.post(
    '/mot-de-passe',
    {
      config: {
        access: STAFF_ROLES,
        html: true,
        rateLimit: { ...limits.rateLimit, keyGenerator: (request) => `pwd|${request.principal?.userId ?? request.ip}` },
      },
      schema: { hide: true, body: PasswordForm },
    },
    async (request, reply) => {
      const { current, next, confirm } = request.body
      const render = (error: string) => {
        reply.code(400)
        return reply.page('pages/auth/password.hbs', {
          title: 'Changer de mot de passe',
          required: request.user_?.mustChangePassword,
          hideNav: request.user_?.mustChangePassword,
          minLength: MIN_PASSWORD_LENGTH,
          error,
        })
      }
      if (next !== confirm) {
        return render('Les deux nouveaux mots de passe ne sont pas identiques.')
      }
      try {
        await fastify.services.users.changeOwnPassword(request.auditCtx(), current, next)
      } catch (err) {
        if ((err as { statusCode?: number }).statusCode === 400) {
          return render((err as Error).message)
        }
        throw err
      }
      // The change revoked every session, this one included: issue a fresh one.
      const me = await fastify.services.users.byId(request.requirePrincipal().userId)
      if (me) {
        await reply.startSession(me)
      }
      return reply.redirect('/?statut=mot-de-passe-change', 303)
    },
  )
}
export default plugin
