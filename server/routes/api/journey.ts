import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import Type from 'typebox'
import { parisDay } from '../../lib/paris-time.ts'
import { ErrorBody, IdParams, authErrors, notFound } from '../../schemas/common.ts'
import {
  AppointmentRow,
  AppointmentsQuery,
  Availability,
  CreateLink,
  CreatedLink,
  Identity,
  MissionLocaleParams,
  NewException,
  NewRule,
  RuleParams,
  SettingsPatch,
} from '../../schemas/journey.ts'

const read = ['counsellor', 'ml_manager', 'admin'] as const
const write = ['ml_manager', 'admin'] as const
const iso = (d: Date) => d.toISOString()

/**
 * The journey's staff API: personal links for tests and the demo (admin), availability of a
 * Mission Locale (its counsellors read, its managers and admins write; another Mission Locale's
 * staff get 404), and the appointments of a day.
 */
const plugin: FastifyPluginAsyncTypebox = async (fastify) => {
  const { links, availability, bookings } = fastify.services

  fastify.post(
    '/links',
    {
      config: { access: ['admin'] },
      schema: {
        tags: ['journey'],
        summary: 'Create a personal link for a student (tests, demo); the code is returned once',
        body: CreateLink,
        response: { 201: CreatedLink, 400: ErrorBody, ...authErrors },
      },
    },
    async (request, reply) => {
      const b = request.body
      const created = await links.createFor(request.auditCtx(), {
        ...(b.studentId ? { studentId: b.studentId } : {}),
        ...(b.universityId && b.pseudoId ? { universityId: b.universityId, pseudoId: b.pseudoId } : {}),
        ...(b.missionLocaleId !== undefined ? { missionLocaleId: b.missionLocaleId } : {}),
        ...(b.expiresInDays ? { expiresAt: new Date(Date.now() + b.expiresInDays * 86_400_000) } : {}),
      })
      return reply.code(201).send({ ...created, expiresAt: iso(created.expiresAt) })
    },
  )

  fastify.get(
    '/missions-locales/:missionLocaleId/availability',
    {
      config: { access: read },
      schema: {
        tags: ['availability'],
        summary: 'Booking settings, weekly rules and closures of a Mission Locale',
        params: MissionLocaleParams,
        response: { 200: Availability, ...authErrors, ...notFound },
      },
    },
    async (request) => {
      const p = request.requirePrincipal()
      const id = request.params.missionLocaleId
      const [settings, rules, exceptions] = [
        await availability.settings(p, id),
        await availability.rules(p, id),
        await availability.exceptions(p, id),
      ]
      return {
        settings,
        rules,
        exceptions: exceptions.map((e) => ({ ...e, startsAt: iso(e.startsAt), endsAt: iso(e.endsAt) })),
      }
    },
  )

  fastify.patch(
    '/missions-locales/:missionLocaleId/availability/settings',
    {
      config: { access: write },
      schema: {
        tags: ['availability'],
        summary: 'Change the minimum notice, the horizon, public holidays, the public contact',
        params: MissionLocaleParams,
        body: SettingsPatch,
        response: { 204: Type.Null(), 400: ErrorBody, ...authErrors, ...notFound },
      },
    },
    async (request, reply) => {
      await availability.updateSettings(request.auditCtx(), request.params.missionLocaleId, request.body)
      return reply.code(204).send(null)
    },
  )

  fastify.post(
    '/missions-locales/:missionLocaleId/availability/rules',
    {
      config: { access: write },
      schema: {
        tags: ['availability'],
        summary: 'Add a weekly opening of a counsellor (appointment length in slotMinutes)',
        params: MissionLocaleParams,
        body: NewRule,
        response: { 201: Type.Object({ id: Type.String() }), 400: ErrorBody, ...authErrors, ...notFound },
      },
    },
    async (request, reply) =>
      reply.code(201).send({ id: await availability.addRule(request.auditCtx(), request.params.missionLocaleId, request.body) }),
  )

  fastify.delete(
    '/missions-locales/:missionLocaleId/availability/rules/:id',
    {
      config: { access: write },
      schema: { tags: ['availability'], params: RuleParams, response: { 204: Type.Null(), ...authErrors, ...notFound } },
    },
    async (request, reply) => {
      await availability.deleteRule(request.auditCtx(), request.params.missionLocaleId, request.params.id)
      return reply.code(204).send(null)
    },
  )

  fastify.post(
    '/missions-locales/:missionLocaleId/availability/exceptions',
    {
      config: { access: write },
      schema: {
        tags: ['availability'],
        summary: 'Add a closure (absence, works, bridge day); public holidays need none',
        params: MissionLocaleParams,
        body: NewException,
        response: { 201: Type.Object({ id: Type.String() }), 400: ErrorBody, ...authErrors, ...notFound },
      },
    },
    async (request, reply) => {
      const b = request.body
      const id = await availability.addException(request.auditCtx(), request.params.missionLocaleId, {
        counsellorId: b.counsellorId ?? null,
        siteId: b.siteId ?? null,
        startsAt: new Date(b.startsAt),
        endsAt: new Date(b.endsAt),
        reason: b.reason,
      })
      return reply.code(201).send({ id })
    },
  )

  fastify.delete(
    '/missions-locales/:missionLocaleId/availability/exceptions/:id',
    {
      config: { access: write },
      schema: { tags: ['availability'], params: RuleParams, response: { 204: Type.Null(), ...authErrors, ...notFound } },
    },
    async (request, reply) => {
      await availability.deleteException(request.auditCtx(), request.params.missionLocaleId, request.params.id)
      return reply.code(204).send(null)
    },
  )

  fastify.get(
    '/appointments',
    {
      config: { access: read },
      schema: {
        tags: ['appointments'],
        summary: 'Appointments of a day (default today, Europe/Paris), optionally of one place; no identity',
        querystring: AppointmentsQuery,
        response: { 200: Type.Array(AppointmentRow), ...authErrors },
      },
    },
    async (request) => {
      const q = request.query
      const rows = await bookings.day(request.requirePrincipal(), {
        day: q.day ?? parisDay(new Date()),
        ...(q.siteId ? { siteId: q.siteId } : {}),
        ...(q.missionLocaleId ? { missionLocaleId: q.missionLocaleId } : {}),
      })
      return rows.map((r) => ({ ...r, startsAt: iso(r.startsAt), endsAt: iso(r.endsAt) }))
    },
  )

  fastify.get(
    '/appointments/:id/identity',
    {
      config: { access: read },
      schema: {
        tags: ['appointments'],
        summary: 'What the student chose to give the Mission Locale (every read is audited)',
        params: IdParams,
        response: { 200: Identity, ...authErrors, ...notFound },
      },
    },
    async (request) => bookings.identity(request.auditCtx(), request.params.id),
  )
}
export default plugin
