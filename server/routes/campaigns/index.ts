/**
 * Campaign pages (issue #10): the list, and a campaign's page with its pre-launch check,
 * approvals, tracking counts, a per-day chart (CSS bars, no JavaScript) and its actions. Every
 * action posts a plain form (CSRF) and redirects back (Post/Redirect/Get); the JSON twins are in
 * server/routes/api/campaigns.ts. Creating a campaign goes through the API for now.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import Type from 'typebox'
import { CAMPAIGN_STATUS_LABELS, EXCLUSION_LABELS, EXCLUSION_REASONS } from '../../../db/vocabulary/index.ts'
import { IdParams } from '../../schemas/common.ts'

const staff = ['university_staff', 'ml_manager', 'counsellor', 'admin'] as const
const PAGE = { access: staff, html: true } as const
const Action = Type.Object({
  id: Type.String({ format: 'uuid' }),
  action: Type.Union(['approve', 'schedule', 'pause', 'resume', 'cancel'].map((a) => Type.Literal(a))),
})

const plugin: FastifyPluginAsyncTypebox = async (fastify) => {
  const { campaigns, campaignEngine } = fastify.services

  fastify.get('/campagnes', { config: PAGE, schema: { hide: true } }, async (request, reply) => {
    const list = await campaigns.list(request.requirePrincipal())
    return reply.page('pages/campaigns/index.hbs', {
      title: 'Campagnes',
      campaigns: list.map((c) => ({ ...c, statusLabel: CAMPAIGN_STATUS_LABELS[c.status] })),
    })
  })

  fastify.get('/campagnes/:id', { config: PAGE, schema: { hide: true, params: IdParams } }, async (request, reply) => {
    const p = request.requirePrincipal()
    const c = await campaigns.get(p, request.params.id)
    const [tracking, approvals, count] = await Promise.all([
      campaignEngine.tracking(c.id),
      campaigns.approvals(p, c.id),
      c.status === 'draft' ? campaigns.count(p, c.id) : Promise.resolve(null),
    ])
    const max = Math.max(1, ...tracking.perDay.map((d) => d.sent))
    const universitySide = p.role === 'admin' || (p.role === 'university_staff' && p.organisationId === c.universityId)
    const manager = p.role === 'admin' || (p.role === 'ml_manager' && c.territoryIds.includes(p.organisationId))
    return reply.page('pages/campaigns/show.hbs', {
      title: c.name,
      campaign: { ...c, statusLabel: CAMPAIGN_STATUS_LABELS[c.status] },
      check: campaigns.check(c),
      approvals,
      count: count && {
        ...count,
        reasons: EXCLUSION_REASONS.map((r) => ({ label: EXCLUSION_LABELS[r], n: count.excluded[r] })),
      },
      tracking,
      days: tracking.perDay.map((d) => ({ ...d, pct: Math.round((d.sent / max) * 100) })),
      can: {
        approve: manager && c.status === 'draft',
        schedule: universitySide && c.status === 'draft',
        pause: (universitySide || manager) && c.status === 'running',
        resume: (universitySide || manager) && c.status === 'paused',
        cancel: universitySide && !['finished', 'cancelled'].includes(c.status),
      },
    })
  })

  fastify.post('/campagnes/:id/:action', { config: PAGE, schema: { hide: true, params: Action } }, async (request, reply) => {
    const ctx = request.auditCtx()
    const { id, action } = request.params
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
    return reply.redirect(`/campagnes/${id}`, 303)
  })
}
export default plugin
