/**
 * Models, for admins (issue #8): list with metrics, one model, train on a cohort as of a week,
 * activate, back to the expert default. Training never activates: an admin compares, then
 * activates. Every other role gets 404.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import Type from 'typebox'
import { ErrorBody, IdParams, authErrors, notFound } from '../../schemas/common.ts'
import { ModelListQuery, ModelView, TrainBody } from '../../schemas/risk.ts'
import { MODEL_ACCESS, organisationsOf, universityFor } from '../risk/scope.ts'
import { toModelView } from '../risk/view.ts'

const plugin: FastifyPluginAsyncTypebox = async (fastify) => {
  const { scoring } = fastify.services

  /** The id of the university's active trained model, or null (the expert default serves). */
  async function activeId(universityId: string | null): Promise<string | null> {
    if (!universityId) {
      return null
    }
    const current = await scoring.currentModel(universityId)
    return current.kind === 'expert' ? null : current.id
  }

  fastify.get(
    '/models',
    {
      config: MODEL_ACCESS,
      schema: {
        tags: ['models'],
        summary: 'Models of a university (and the expert default), newest first, with their metrics',
        querystring: ModelListQuery,
        response: { 200: Type.Array(ModelView), ...authErrors, ...notFound },
      },
    },
    async (request) => {
      const p = request.requirePrincipal()
      const universityId = universityFor(p, await organisationsOf(fastify), request.query.universityId)
      const active = await activeId(universityId)
      return (await scoring.listModels(p, universityId)).map((m) => toModelView(m, active))
    },
  )

  fastify.get(
    '/models/:id',
    {
      config: MODEL_ACCESS,
      schema: { tags: ['models'], params: IdParams, response: { 200: ModelView, ...authErrors, ...notFound } },
    },
    async (request) => {
      const m = await scoring.model(request.requirePrincipal(), request.params.id)
      return toModelView(m, await activeId(m.universityId))
    },
  )

  fastify.post(
    '/models',
    {
      config: MODEL_ACCESS,
      schema: {
        tags: ['models'],
        summary: 'Train a model on a past year with outcomes (devenir), as of a week of that year',
        description:
          'Answers 202 with the model in status `training`; the `model.train` job fits it with stratified cross-validation. It is never activated by itself.',
        body: TrainBody,
        response: { 202: ModelView, 400: ErrorBody, ...authErrors, ...notFound },
      },
    },
    async (request, reply) => {
      const m = await scoring.requestTraining(request.requirePrincipal(), {
        universityId: request.body.universityId,
        academicYear: request.body.academicYear,
        ...(request.body.asOfWeek ? { asOfWeek: request.body.asOfWeek } : {}),
      })
      await fastify.services.audit.record(request.auditCtx(), {
        action: 'model.train_requested',
        entityType: 'model',
        entityId: m.id,
        details: { universityId: m.universityId, academicYear: m.trainingYear, asOfWeek: m.asOfWeek },
      })
      return reply.code(202).send(toModelView(m, await activeId(m.universityId)))
    },
  )

  fastify.post(
    '/models/:id/activate',
    {
      config: MODEL_ACCESS,
      schema: {
        tags: ['models'],
        summary: 'Make this trained model the one its university is scored with (from the next run)',
        params: IdParams,
        response: { 200: ModelView, 409: ErrorBody, ...authErrors, ...notFound },
      },
    },
    async (request) => {
      const m = await scoring.activateModel(request.requirePrincipal(), request.params.id)
      await fastify.services.audit.record(request.auditCtx(), {
        action: 'model.activated',
        entityType: 'model',
        entityId: m.id,
        details: { universityId: m.universityId, version: m.version },
      })
      return toModelView(m, m.id)
    },
  )

  fastify.post(
    '/models/deactivate',
    {
      config: MODEL_ACCESS,
      schema: {
        tags: ['models'],
        summary: 'Back to the expert default for a university',
        body: Type.Object({ universityId: Type.String({ format: 'uuid' }) }),
        response: { 204: Type.Null(), ...authErrors, ...notFound },
      },
    },
    async (request, reply) => {
      await scoring.deactivateModels(request.requirePrincipal(), request.body.universityId)
      await fastify.services.audit.record(request.auditCtx(), {
        action: 'model.deactivated',
        entityType: 'organisation',
        entityId: request.body.universityId,
      })
      return reply.code(204).send(null)
    },
  )
}
export default plugin
