import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import Type from 'typebox'
import type { UserWithOrganisation } from '../../../db/repositories/users.repository.ts'
import { CursorId, ErrorBody, IdParams, authErrors, notFound } from '../../schemas/common.ts'
import { CreateUser, TemporaryPassword, UpdateUser, UserView } from '../../schemas/users.ts'

export function toUserView(u: UserWithOrganisation) {
  return {
    id: u.id,
    email: u.email,
    fullName: u.fullName,
    role: u.role,
    organisationId: u.organisationId,
    organisationName: u.organisationName,
    active: u.active,
    mustChangePassword: u.mustChangePassword,
    lastLoginAt: u.lastLoginAt ? u.lastLoginAt.toISOString() : null,
  }
}

/** Account administration. Admins see everyone; Mission Locale managers see their own team. */
const plugin: FastifyPluginAsyncTypebox = async (fastify) => {
  const { users } = fastify.services

  fastify.get(
    '/users',
    {
      config: { access: ['admin', 'ml_manager'] },
      schema: { tags: ['users'], summary: 'List accounts in scope', response: { 200: Type.Array(UserView), ...authErrors } },
    },
    async (request) => (await users.list(request.requirePrincipal())).map(toUserView),
  )

  fastify.get(
    '/users/:id',
    {
      config: { access: ['admin', 'ml_manager'] },
      schema: { tags: ['users'], params: IdParams, response: { 200: UserView, ...authErrors, ...notFound } },
    },
    async (request) => toUserView(await users.get(request.requirePrincipal(), request.params.id)),
  )

  fastify.post(
    '/users',
    {
      config: { access: ['admin'] },
      schema: {
        tags: ['users'],
        summary: 'Create an account with a temporary password',
        body: CreateUser,
        response: {
          201: Type.Object({ id: Type.String(), temporaryPassword: Type.String() }),
          400: ErrorBody,
          409: ErrorBody,
          ...authErrors,
        },
      },
    },
    async (request, reply) => {
      const created = await users.create(request.auditCtx(), request.body)
      return reply.code(201).send({ id: created.id, temporaryPassword: created.temporaryPassword ?? '' })
    },
  )

  fastify.patch(
    '/users/:id',
    {
      config: { access: ['admin'] },
      schema: {
        tags: ['users'],
        summary: 'Change role, organisation, name or active state; ends the person’s sessions when rights change',
        params: IdParams,
        body: UpdateUser,
        response: { 200: UserView, 400: ErrorBody, ...authErrors, ...notFound },
      },
    },
    async (request) => {
      await users.update(request.auditCtx(), request.params.id, request.body)
      return toUserView(await users.get(request.requirePrincipal(), request.params.id))
    },
  )

  fastify.post(
    '/users/:id/password-reset',
    {
      config: { access: ['admin'] },
      schema: {
        tags: ['users'],
        summary: 'Reset a password',
        params: IdParams,
        response: { 200: TemporaryPassword, ...authErrors, ...notFound },
      },
    },
    async (request) => ({ temporaryPassword: await users.resetPassword(request.auditCtx(), request.params.id) }),
  )

  fastify.post(
    '/users/:id/logout-everywhere',
    {
      config: { access: ['admin'] },
      schema: {
        tags: ['users'],
        summary: 'End every session of the account (pages, devices, API tokens); the password stays',
        params: IdParams,
        response: { 204: Type.Null(), ...authErrors, ...notFound },
      },
    },
    async (request, reply) => {
      await users.endSessions(request.auditCtx(), request.params.id)
      return reply.code(204).send(null)
    },
  )

  fastify.get(
    '/audit-log',
    {
      config: { access: ['admin'] },
      schema: {
        tags: ['audit'],
        summary: 'Audit log, newest first',
        querystring: Type.Object({
          limit: Type.Integer({ minimum: 1, maximum: 500, default: 100 }),
          beforeId: Type.Optional(CursorId()),
          action: Type.Optional(Type.String({ maxLength: 100 })),
        }),
        response: {
          200: Type.Array(
            Type.Object({
              id: Type.Integer(),
              at: Type.String({ format: 'date-time' }),
              actorUserId: Type.Union([Type.String(), Type.Null()]),
              action: Type.String(),
              entityType: Type.Union([Type.String(), Type.Null()]),
              entityId: Type.Union([Type.String(), Type.Null()]),
              requestId: Type.Union([Type.String(), Type.Null()]),
              details: Type.Record(Type.String(), Type.Unknown()),
            }),
          ),
          ...authErrors,
        },
      },
    },
    async (request) => (await fastify.services.audit.list(request.query)).map((e) => ({ ...e, at: e.at.toISOString() })),
  )
}
export default plugin
