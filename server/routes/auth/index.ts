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

/** What the login page says after a logout (`?statut=`). */
const LOGIN_NOTICES: Record<string, string> = {
  'deconnecte-partout': 'Vous êtes déconnecté de toutes vos sessions, sur tous vos appareils. Reconnectez-vous pour continuer.',
}

/** Routes a person must reach even while their temporary password stands. */
const session = { access: STAFF_ROLES, duringPasswordChange: true } as const

const plugin: FastifyPluginAsyncTypebox = async (fastify) => {
  const limits = loginLimits(fastify)

  fastify.get(
    '/connexion',
    {
      config: { access: 'public', html: true, rateLimit: { max: fastify.config.PUBLIC_RATE_LIMIT_PER_MINUTE, timeWindow: 60_000 } },
      schema: {
        hide: true,
        querystring: Type.Object({
          suite: Type.Optional(Type.String({ maxLength: 500 })),
          statut: Type.Optional(Type.String({ maxLength: 50 })),
        }),
      },
    },
    async (request, reply) => {
      if (request.principal) {
        return reply.redirect(safeNext(request.query.suite))
      }
      return reply.page('pages/auth/login.hbs', {
        title: 'Connexion',
        bare: true,
        suite: safeNext(request.query.suite),
        notice: LOGIN_NOTICES[request.query.statut ?? ''],
      })
    },
  )

  fastify.post(
    '/connexion',
    {
      config: { access: 'public', html: true },
      onRequest: limits.perAddress,
      preHandler: limits.perAccount,
      schema: { hide: true, body: LoginForm },
    },
    async (request, reply) => {
      const { email, password } = request.body
      const suite = safeNext(request.body.suite)
      try {
        const user = await fastify.services.users.authenticate(email, password, { requestId: request.id, ip: request.ip })
        reply.startSession(user)
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

  // Logging out ends this session server-side: the token stops working even if a copy of it
  // was kept (services/session.service.ts).
  fastify.post('/deconnexion', { config: { ...session, html: true }, schema: { hide: true } }, async (request, reply) => {
    if (request.session) {
      await fastify.services.sessions.end(request.auditCtx(), request.session)
    }
    reply.endSession()
    return reply.redirect('/connexion', 303)
  })

  // "Se déconnecter partout": this browser, the other ones and every API token of the account.
  fastify.post('/deconnexion/partout', { config: { ...session, html: true }, schema: { hide: true } }, async (request, reply) => {
    await fastify.services.users.endSessions(request.auditCtx(), request.requirePrincipal().userId)
    reply.endSession()
    return reply.redirect('/connexion?statut=deconnecte-partout', 303)
  })

  fastify.get('/compte', { config: { access: STAFF_ROLES, html: true }, schema: { hide: true } }, async (request, reply) =>
    reply.page('pages/auth/account.hbs', { title: 'Mon compte', account: request.user_ }),
  )

  // While a temporary password stands, every other page leads back here: no navigation to
  // offer, only this form and the logout button.
  fastify.get('/mot-de-passe', { config: { ...session, html: true }, schema: { hide: true } }, async (request, reply) =>
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
      config: { ...session, html: true, rateLimit: limits.passwordChange },
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
        reply.startSession(me)
      }
      return reply.redirect('/?statut=mot-de-passe-change', 303)
    },
  )
}
export default plugin
