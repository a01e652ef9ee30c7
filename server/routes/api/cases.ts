import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import Type, { type TSchema } from 'typebox'
import { ErrorBody, IdParams, authErrors, notFound } from '../../schemas/common.ts'
import {
  AssignBody,
  AttendanceBody,
  BulkAssignBody,
  CaseCounts,
  CaseDetail,
  CaseParams,
  CaseState,
  CloseBody,
  ContactBody,
  Handoff,
  Inbox,
  InboxQuery,
  Load,
  NoteBody,
  OutcomeCounts,
  OutcomeCountsQuery,
  RemindersBody,
  StatusBody,
} from '../../schemas/cases.ts'
import type { Case } from '../../../db/schema/cases.ts'

/** Dates become ISO strings, as the JSON schemas say. */
type Jsonified<T> = T extends Date
  ? string
  : T extends (infer U)[]
    ? Jsonified<U>[]
    : T extends Record<string, unknown>
      ? { [K in keyof T]: Jsonified<T[K]> }
      : T
export function jsonDates<T>(v: T): Jsonified<T> {
  if (v instanceof Date) {
    return v.toISOString() as Jsonified<T>
  }
  if (Array.isArray(v)) {
    return v.map(jsonDates) as Jsonified<T>
  }
  if (v && typeof v === 'object' && !Buffer.isBuffer(v)) {
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, jsonDates(x)])) as Jsonified<T>
  }
  return v as Jsonified<T>
}

const team = ['counsellor', 'ml_manager', 'admin'] as const
/** University staff reach the case routes only to get the same 404 as another Mission Locale. */
const caseReaders = ['counsellor', 'ml_manager', 'admin', 'university_staff'] as const
const state = (c: Case) => ({
  id: c.id,
  status: c.status,
  outcome: c.outcome,
  assigneeId: c.assigneeId,
  dueAt: c.dueAt?.toISOString() ?? null,
  remindersPaused: c.remindersPaused,
})
const actionSchema = <B extends TSchema>(summary: string, body: B) => ({
  tags: ['cases'],
  summary,
  params: CaseParams,
  body,
  response: { 200: CaseState, 400: ErrorBody, 409: ErrorBody, ...authErrors, ...notFound },
})

/**
 * The inbox's JSON twin (docs/inbox.md): lists with counters, a case, every action, the
 * appointments' attendance, the managers' bulk reassignment and load, and the universities'
 * outcome counts. Another Mission Locale and university staff get 404 on any case.
 */
const plugin: FastifyPluginAsyncTypebox = async (fastify) => {
  const { cases } = fastify.services

  fastify.get(
    '/cases',
    {
      config: { access: caseReaders },
      schema: {
        tags: ['cases'],
        summary: 'A work list of the Mission Locale’s inbox, with every list’s counter after the filters (audited)',
        querystring: InboxQuery,
        response: { 200: Inbox, ...authErrors, ...notFound },
      },
    },
    async (request) => {
      const { list, missionLocaleId, minors, ...filters } = request.query
      const r = await cases.inbox(request.auditCtx(), {
        ...(list ? { list } : {}),
        ...(missionLocaleId ? { missionLocaleId } : {}),
        filters: { ...filters, ...(minors === 'true' ? { minors: true } : {}) },
      })
      return jsonDates({ list: r.list, counts: r.counts, rows: r.rows })
    },
  )

  fastify.get(
    '/cases/counts',
    {
      config: { access: caseReaders },
      schema: {
        tags: ['cases'],
        summary: 'Counters of the work lists, without names (for polling)',
        querystring: Type.Object({ missionLocaleId: Type.Optional(Type.String({ format: 'uuid' })) }),
        response: { 200: CaseCounts, ...authErrors, ...notFound },
      },
    },
    async (request) => jsonDates(await cases.counts(request.requirePrincipal(), request.query)),
  )

  fastify.get(
    '/cases/load',
    {
      config: { access: ['ml_manager', 'admin'] },
      schema: {
        tags: ['cases'],
        summary: 'Each counsellor’s open cases, due today and overdue',
        querystring: Type.Object({ missionLocaleId: Type.Optional(Type.String({ format: 'uuid' })) }),
        response: { 200: Load, ...authErrors, ...notFound },
      },
    },
    async (request) => cases.load(request.requirePrincipal(), request.query),
  )

  fastify.post(
    '/cases/bulk-assign',
    {
      config: { access: ['ml_manager', 'admin'] },
      schema: {
        tags: ['cases'],
        summary: 'Reassign many open cases to one counsellor',
        body: BulkAssignBody,
        response: { 200: Type.Object({ reassigned: Type.Integer() }), 400: ErrorBody, ...authErrors, ...notFound },
      },
    },
    async (request) => {
      const b = request.body
      return cases.bulkAssign(request.auditCtx(), b.caseIds, b.assigneeId, b.missionLocaleId ? { missionLocaleId: b.missionLocaleId } : {})
    },
  )

  fastify.get(
    '/cases/:id',
    {
      config: { access: caseReaders },
      schema: {
        tags: ['cases'],
        summary: 'A case: what the student shared, origin, appointments, history (every read is audited)',
        params: CaseParams,
        response: { 200: CaseDetail, ...authErrors, ...notFound },
      },
    },
    async (request) => jsonDates(await cases.get(request.auditCtx(), request.params.id)),
  )

  fastify.get(
    '/cases/:id/handoff',
    {
      config: { access: caseReaders },
      schema: {
        tags: ['cases'],
        summary: 'The hand-off summary for the Mission Locale’s own information system (no score, no university data)',
        params: CaseParams,
        response: { 200: Handoff, ...authErrors, ...notFound },
      },
    },
    async (request) => cases.handoff(request.auditCtx(), request.params.id),
  )

  fastify.post(
    '/cases/:id/claim',
    { config: { access: caseReaders }, schema: actionSchema('Take the case (« je prends »)', Type.Object({})) },
    async (request) => state(await cases.claim(request.auditCtx(), request.params.id)),
  )
  fastify.post(
    '/cases/:id/assign',
    { config: { access: caseReaders }, schema: actionSchema('Assign or reassign to a counsellor of the Mission Locale', AssignBody) },
    async (request) => state(await cases.assign(request.auditCtx(), request.params.id, request.body.assigneeId)),
  )
  fastify.post(
    '/cases/:id/notes',
    { config: { access: caseReaders }, schema: actionSchema('Add a note (encrypted at rest)', NoteBody) },
    async (request) => state(await cases.addNote(request.auditCtx(), request.params.id, request.body.text)),
  )
  fastify.post(
    '/cases/:id/contact-attempts',
    { config: { access: caseReaders }, schema: actionSchema('Log a contact attempt (phone, SMS, e-mail)', ContactBody) },
    async (request) => state(await cases.contactAttempt(request.auditCtx(), request.params.id, request.body)),
  )
  fastify.post(
    '/cases/:id/status',
    { config: { access: caseReaders }, schema: actionSchema('Set the follow-up status', StatusBody) },
    async (request) => state(await cases.setStatus(request.auditCtx(), request.params.id, request.body.status)),
  )
  fastify.post(
    '/cases/:id/close',
    { config: { access: caseReaders }, schema: actionSchema('Close with an outcome (and optionally a verdict on the alert)', CloseBody) },
    async (request) =>
      state(
        await cases.close(request.auditCtx(), request.params.id, { outcome: request.body.outcome, verdict: request.body.verdict ?? null }),
      ),
  )
  fastify.post(
    '/cases/:id/reminders',
    { config: { access: caseReaders }, schema: actionSchema('Pause or restart the automatic reminders for this student', RemindersBody) },
    async (request) => state(await cases.setRemindersPaused(request.auditCtx(), request.params.id, request.body.paused)),
  )

  fastify.post(
    '/appointments/:id/attendance',
    {
      config: { access: team },
      schema: {
        tags: ['appointments'],
        summary: 'Held or no-show; a no-show opens a follow-up and sends « on reprend rendez-vous ? » once',
        params: IdParams,
        body: AttendanceBody,
        response: {
          200: Type.Object({ appointmentId: Type.String(), status: Type.String(), caseId: Type.Union([Type.String(), Type.Null()]) }),
          400: ErrorBody,
          409: ErrorBody,
          ...authErrors,
          ...notFound,
        },
      },
    },
    async (request) => cases.markAttendance(request.auditCtx(), request.params.id, request.body.status),
  )

  fastify.get(
    '/case-outcomes',
    {
      config: { access: ['university_staff', 'admin'] },
      schema: {
        tags: ['cases'],
        summary: 'How the contacts of the university’s students ended, by outcome: counts only, never a case',
        querystring: OutcomeCountsQuery,
        response: { 200: OutcomeCounts, ...authErrors, ...notFound },
      },
    },
    async (request) => cases.outcomeCounts(request.requirePrincipal(), request.query),
  )
}
export default plugin
