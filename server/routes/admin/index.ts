import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import Type from 'typebox'
import type { FastifyReply } from 'fastify'
import { USER_ROLES } from '../../../db/vocabulary/index.ts'
import { CursorId, IdParams } from '../../schemas/common.ts'
import { Role } from '../../schemas/users.ts'
import { ROLE_LABELS } from '../../lib/views.ts'

const html = { access: ['admin'] as const, html: true }
const roleOptions = USER_ROLES.map((value) => ({ value, label: ROLE_LABELS[value] }))

const NewUserForm = Type.Object({
  email: Type.String({ maxLength: 200, default: '' }),
  fullName: Type.String({ maxLength: 200, default: '' }),
  role: Role,
  organisationId: Type.String({ format: 'uuid' }),
  _csrf: Type.Optional(Type.String()),
})

const EditUserForm = Type.Object({
  fullName: Type.String({ minLength: 2, maxLength: 200 }),
  role: Role,
  organisationId: Type.String({ format: 'uuid' }),
  active: Type.Optional(Type.Literal('on')),
  _csrf: Type.Optional(Type.String()),
})

/** Admin pages: accounts and the audit log. Each action has its twin under /api/v1. */
const plugin: FastifyPluginAsyncTypebox = async (fastify) => {
  const { users, organisations, audit } = fastify.services

  const renderUser = async (reply: FastifyReply, id: string, extra: Record<string, unknown> = {}) => {
    const user = await users.get(reply.request.requirePrincipal(), id)
    return reply.page('pages/admin/user.hbs', {
      title: user.fullName,
      user,
      roles: roleOptions,
      organisations: await organisations.list(),
      ...extra,
    })
  }

  fastify.get('/admin/utilisateurs', { config: html, schema: { hide: true } }, async (request, reply) =>
    reply.page('pages/admin/users.hbs', { title: 'Utilisateurs', users: await users.list(request.requirePrincipal()) }),
  )

  fastify.get('/admin/utilisateurs/nouveau', { config: html, schema: { hide: true } }, async (_request, reply) =>
    reply.page('pages/admin/new-user.hbs', { title: 'Nouvel utilisateur', roles: roleOptions, organisations: await organisations.list() }),
  )

  fastify.post('/admin/utilisateurs', { config: html, schema: { hide: true, body: NewUserForm } }, async (request, reply) => {
    try {
      const created = await users.create(request.auditCtx(), request.body)
      // The temporary password is shown once, on this page, never put in a URL.
      return await renderUser(reply, created.id, { temporaryPassword: created.temporaryPassword, notice: 'Compte créé.' })
    } catch (err) {
      const status = (err as { statusCode?: number }).statusCode
      if (status === 400 || status === 409) {
        reply.code(status)
        return reply.page('pages/admin/new-user.hbs', {
          title: 'Nouvel utilisateur',
          roles: roleOptions,
          organisations: await organisations.list(),
          error: (err as Error).message,
          values: request.body,
        })
      }
      throw err
    }
  })

  fastify.get('/admin/utilisateurs/:id', { config: html, schema: { hide: true, params: IdParams } }, async (request, reply) =>
    renderUser(reply, request.params.id),
  )

  fastify.post(
    '/admin/utilisateurs/:id',
    { config: html, schema: { hide: true, params: IdParams, body: EditUserForm } },
    async (request, reply) => {
      const { fullName, role, organisationId, active } = request.body
      try {
        await users.update(request.auditCtx(), request.params.id, { fullName, role, organisationId, active: active === 'on' })
      } catch (err) {
        if ((err as { statusCode?: number }).statusCode === 400) {
          reply.code(400)
          return renderUser(reply, request.params.id, { error: (err as Error).message })
        }
        throw err
      }
      return renderUser(reply, request.params.id, { notice: 'Modifications enregistrées.' })
    },
  )

  fastify.post(
    '/admin/utilisateurs/:id/mot-de-passe',
    { config: html, schema: { hide: true, params: IdParams } },
    async (request, reply) => {
      const temporaryPassword = await users.resetPassword(request.auditCtx(), request.params.id)
      return renderUser(reply, request.params.id, {
        temporaryPassword,
        notice: 'Mot de passe réinitialisé. Les sessions ouvertes de cette personne sont fermées.',
      })
    },
  )

  fastify.post(
    '/admin/utilisateurs/:id/deconnexion',
    { config: html, schema: { hide: true, params: IdParams } },
    async (request, reply) => {
      await users.endSessions(request.auditCtx(), request.params.id)
      const self = request.params.id === request.requirePrincipal().userId
      if (self) {
        reply.endSession()
        return reply.redirect('/connexion?statut=deconnecte-partout', 303)
      }
      return renderUser(reply, request.params.id, { notice: 'Toutes les sessions de cette personne sont fermées.' })
    },
  )

  fastify.get('/admin/communes', { config: html, schema: { hide: true } }, async (_request, reply) =>
    reply.page('pages/admin/communes.hbs', {
      title: 'Communes et Missions Locales',
      summary: await fastify.services.communes.summary(),
      scripts: ['/static/communes.js'],
    }),
  )

  fastify.get(
    '/admin/journal',
    {
      config: html,
      schema: {
        hide: true,
        querystring: Type.Object({
          avant: Type.Optional(CursorId()),
          action: Type.Optional(Type.String({ maxLength: 100 })),
        }),
      },
    },
    async (request, reply) => {
      const limit = 100
      const entries = await audit.list({ limit, beforeId: request.query.avant, action: request.query.action || undefined })
      const everyone = new Map((await users.list(request.requirePrincipal())).map((u) => [u.id, u.fullName]))
      return reply.page('pages/admin/audit.hbs', {
        title: 'Journal d’audit',
        entries: entries.map((e) => ({
          ...e,
          actorName: e.actorUserId ? (everyone.get(e.actorUserId) ?? e.actorUserId) : '—',
          detailsJson: JSON.stringify(e.details),
        })),
        action: request.query.action ?? '',
        next: entries.length === limit ? entries[entries.length - 1]?.id : undefined,
      })
    },
  )
}
export default plugin
