/**
 * Campaigns' JSON API (docs/campaigns.md), and the one-click unsubscribe of RFC 8058
 * (`List-Unsubscribe-Post: List-Unsubscribe=One-Click`): a public POST that mail clients send
 * without cookie or token, so no CSRF applies (an anonymous /api call carries no session).
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import Type from 'typebox'
import { BANDS } from '../../../db/vocabulary/index.ts'
import { ErrorBody, IdParams, authErrors, notFound } from '../../schemas/common.ts'

const staff = ['university_staff', 'ml_manager', 'counsellor', 'admin'] as const
const prepare = ['university_staff', 'admin'] as const
const approve = ['ml_manager', 'admin'] as const
const Code = Type.Object({ code: Type.String({ pattern: '^[A-Za-z0-9_-]{22}$' }) })
const Segment = Type.Object(
  {
    band: Type.Optional(Type.Union(BANDS.map((b) => Type.Literal(b)))),
    topN: Type.Optional(Type.Integer({ minimum: 1, maximum: 100_000 })),
    faculty: Type.Optional(Type.String({ maxLength: 200 })),
    stepCode: Type.Optional(Type.String({ maxLength: 50 })),
    level: Type.Optional(Type.String({ maxLength: 50 })),
    campus: Type.Optional(Type.String({ maxLength: 200 })),
  },
  { additionalProperties: false },
)
const Channel = Type.Union([Type.Literal('email'), Type.Literal('sms')])
const NewCampaign = Type.Object({
  name: Type.String({ minLength: 1, maxLength: 200 }),
  channel: Channel,
  territoryIds: Type.Array(Type.String({ format: 'uuid' }), { minItems: 1, maxItems: 10 }),
  segment: Segment,
  universityId: Type.Optional(Type.String({ format: 'uuid' })),
  controlShare: Type.Optional(Type.Number({ minimum: 0, maximum: 0.5 })),
  ratePerMinute: Type.Optional(Type.Integer({ minimum: 1, maximum: 6000 })),
  reminderDays: Type.Optional(Type.Array(Type.Integer({ minimum: 1, maximum: 60 }), { maxItems: 3 })),
  recentDays: Type.Optional(Type.Integer({ minimum: 0, maximum: 365 })),
  capacityDays: Type.Optional(Type.Integer({ minimum: 1, maximum: 60 })),
  capacityFactor: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 10 })),
  templates: Type.Optional(
    Type.Object({
      subject: Type.Optional(Type.String({ maxLength: 300 })),
      text: Type.Optional(Type.String({ maxLength: 20_000 })),
      html: Type.Optional(Type.String({ maxLength: 50_000 })),
      sms: Type.Optional(Type.String({ maxLength: 1_000 })),
    }),
  ),
})

const plugin: FastifyPluginAsyncTypebox = async (fastify) => {
  const { campaigns, campaignEngine } = fastify.services

  fastify.post(
    '/unsubscribe/:code',
    {
      config: { access: 'public' },
      schema: {
        tags: ['campaigns'],
        summary: 'One-click unsubscribe (RFC 8058): withdraws the e-mail consent of the link’s student',
        params: Code,
        response: { 200: Type.Object({ unsubscribed: Type.Boolean() }) },
      },
    },
    async (request) => ({ unsubscribed: await campaignEngine.unsubscribe(request.params.code) }),
  )

  fastify.get(
    '/campaigns',
    { config: { access: staff }, schema: { tags: ['campaigns'], summary: 'Campaigns you may see' } },
    async (request) => ({
      campaigns: await campaigns.list(request.principal!),
    }),
  )

  fastify.post(
    '/campaigns',
    {
      config: { access: prepare },
      schema: {
        tags: ['campaigns'],
        summary: 'Create a draft campaign',
        body: NewCampaign,
        response: { 201: Type.Any(), 400: ErrorBody, ...authErrors },
      },
    },
    async (request, reply) => reply.code(201).send(await campaigns.create(request.auditCtx() as never, request.body)),
  )

  fastify.post(
    '/campaigns/count',
    {
      config: { access: prepare },
      schema: {
        tags: ['campaigns'],
        summary: 'Live count of a segment and of each exclusion reason',
        body: Type.Omit(NewCampaign, ['name']),
      },
    },
    async (request) => campaigns.countDraft(request.principal!, request.body),
  )

  fastify.get(
    '/campaigns/:id',
    {
      config: { access: staff },
      schema: {
        tags: ['campaigns'],
        summary: 'A campaign, its check, approvals and tracking counts',
        params: IdParams,
        response: { 200: Type.Any(), ...authErrors, ...notFound },
      },
    },
    async (request) => {
      const c = await campaigns.get(request.principal!, request.params.id)
      return {
        campaign: c,
        check: campaigns.check(c),
        approvals: await campaigns.approvals(request.principal!, c.id),
        tracking: await campaignEngine.tracking(c.id),
      }
    },
  )

  for (const [action, roles] of [
    ['approve', approve],
    ['schedule', prepare],
    ['pause', staff],
    ['resume', staff],
    ['cancel', prepare],
  ] as const) {
    fastify.post(
      `/campaigns/:id/${action}`,
      {
        config: { access: roles },
        schema: {
          tags: ['campaigns'],
          summary: `${action} a campaign`,
          params: IdParams,
          response: { 200: Type.Any(), 400: ErrorBody, ...authErrors, ...notFound },
        },
      },
      async (request) => {
        const ctx = request.auditCtx() as never
        const id = request.params.id
        if (action === 'approve') {
          await campaigns.approve(ctx, id)
        } else if (action === 'schedule') {
          await campaigns.schedule(ctx, id)
        } else if (action === 'pause') {
          await campaigns.pause(ctx, id)
        } else if (action === 'resume') {
          await campaigns.resume(ctx, id)
        } else {
          await campaigns.cancel(ctx, id)
        }
        return { campaign: await campaigns.get(request.principal!, id) }
      },
    )
  }
}
export default plugin
