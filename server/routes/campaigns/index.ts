/**
 * Campaign pages (issue #10): the list, and a campaign's page with its pre-launch check,
 * approvals, tracking counts, a per-day chart (CSS bars, no JavaScript) and its actions. Every
 * action posts a plain form (CSRF) and redirects back (Post/Redirect/Get); the JSON twins are in
 * server/routes/api/campaigns.ts. University staff (and admins) create and edit a draft on
 * /campagnes/nouvelle and /campagnes/:id/modifier: the segment builder with its live count, the
 * template editor with the check and the preview (./form.ts reads the form).
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyReply, FastifyRequest } from 'fastify'
import Type from 'typebox'
import type { Campaign } from '../../../db/schema/campaigns.ts'
import { BANDS, CAMPAIGN_STATUS_LABELS, CONTACT_CHANNEL_LABELS, EXCLUSION_LABELS, EXCLUSION_REASONS } from '../../../db/vocabulary/index.ts'
import { Conflict } from '../../errors.ts'
import { IdParams } from '../../schemas/common.ts'
import type { SegmentCount } from '../../services/campaign.service.ts'
import { BAND_LABELS } from '../../services/scoring/bands.ts'
import type { FieldError } from '../r/forms.ts'
import { organisationsOf, universityFor } from '../risk/scope.ts'
import { campaignValues, defaultValues, formTemplates, formValues, readCampaignForm, type CampaignFormValues } from './form.ts'

const staff = ['university_staff', 'ml_manager', 'counsellor', 'admin'] as const
const PAGE = { access: staff, html: true } as const
/** Preparing a campaign: university staff and admins; Mission Locale roles get 403 (as the service). */
const PREPARE = { access: ['university_staff', 'admin'] as const, html: true } as const
/** The form's fields: single values, or the repeated checkboxes (missions, days). */
const Form = Type.Record(
  Type.String({ maxLength: 30 }),
  Type.Union([Type.String({ maxLength: 50_000 }), Type.Array(Type.String({ maxLength: 100 }), { maxItems: 20 })]),
)
const DAYS = ['lundi', 'mardi', 'mercredi', 'jeudi', 'vendredi', 'samedi', 'dimanche']
const VARIABLES = [
  { name: 'prenom', label: 'le prénom de l’étudiant' },
  { name: 'lien', label: 'son lien personnel (rendez-vous ou rappel) — obligatoire' },
  { name: 'desinscription', label: 'le lien de désinscription — obligatoire dans un e-mail' },
  { name: 'expediteur', label: 'qui écrit (l’université) — obligatoire' },
  { name: 'mission_locale', label: 'la Mission Locale de son domicile' },
]

const countView = (count: SegmentCount) => ({
  ...count,
  /** French agreement: one student, two students ("0 étudiant" too). */
  studentsWord: count.total > 1 ? 'étudiants' : 'étudiant',
  receiveWord: count.treated > 1 ? 'recevraient' : 'recevrait',
  reasons: EXCLUSION_REASONS.map((r) => ({ label: EXCLUSION_LABELS[r], n: count.excluded[r] })),
})
const Action = Type.Object({
  id: Type.String({ format: 'uuid' }),
  action: Type.Union(['approve', 'schedule', 'pause', 'resume', 'cancel'].map((a) => Type.Literal(a))),
})

const plugin: FastifyPluginAsyncTypebox = async (fastify) => {
  const { campaigns, campaignEngine, scoring } = fastify.services

  type FormState = {
    campaign?: Campaign
    values: CampaignFormValues
    errors?: FieldError[]
    fieldErrors?: Record<string, string>
    error?: string
  }

  /** The create or edit form, with the segment's choices, the live count, the check and the preview. */
  async function renderForm(request: FastifyRequest, reply: FastifyReply, state: FormState) {
    const p = request.requirePrincipal()
    const { campaign: c, values: v } = state
    const orgs = await organisationsOf(fastify)
    const universityId = c ? c.universityId : universityFor(p, orgs, (p.role === 'admin' && v.universite) || undefined)
    const year = c ? c.academicYear : await campaigns.segmentYear(p, universityId)
    const options = year ? await scoring.filterOptions(p, universityId, year) : { faculties: [], steps: [], levels: [], campuses: [] }
    const select = (values: string[], chosen: string) => {
      const all = chosen && !values.includes(chosen) ? [...values, chosen] : values
      return all.sort((a, b) => a.localeCompare(b, 'fr')).map((x) => ({ value: x, selected: x === chosen }))
    }
    let count = null
    let countMessage: string | null = null
    const segment = readCampaignForm(v, true)
    if (!year) {
      countMessage = 'Aucun score n’a encore été calculé pour cette université : importez et évaluez la cohorte d’abord.'
    } else if (!segment.ok) {
      countMessage = segment.fieldErrors.missions
        ? 'Choisissez au moins une Mission Locale pour voir le décompte.'
        : 'Corrigez le segment pour voir le décompte.'
    } else {
      try {
        const { name: _name, ...input } = segment.value // the count needs no name yet
        count = countView(await campaigns.countDraft(p, { ...input, universityId, academicYear: year }))
      } catch (err) {
        if ((err as { statusCode?: number }).statusCode !== 400) {
          throw err
        }
        countMessage = (err as Error).message
      }
    }
    const title = c ? `Modifier « ${c.name} »` : 'Nouvelle campagne'
    return reply.page('pages/campaigns/form.hbs', {
      title,
      campaign: c ?? null,
      action: c ? `/campagnes/${c.id}/modifier` : '/campagnes/nouvelle',
      back: c ? `/campagnes/${c.id}` : '/campagnes',
      values: v,
      errors: state.errors ?? [],
      fieldErrors: state.fieldErrors ?? {},
      error: state.error,
      isAdmin: p.role === 'admin' && !c,
      academicYear: year,
      universities: orgs.universities.map((u) => ({ ...u, selected: u.id === universityId })),
      missionLocales: [...orgs.territories].map(([id, name], i) => ({
        id,
        name,
        inputId: i === 0 ? 'missions' : `missions-${i}`,
        checked: v.missions.includes(id),
      })),
      bands: BANDS.map((b) => ({ value: b, label: BAND_LABELS[b], selected: b === v.bande })),
      faculties: select(options.faculties, v.composante),
      steps: select(options.steps, v.etape),
      levels: select(options.levels, v.niveau),
      campuses: select(options.campuses, v.campus),
      days: DAYS.map((label, i) => ({
        value: i + 1,
        label,
        inputId: i === 0 ? 'jours' : `jours-${i + 1}`,
        checked: v.jours.includes(i + 1),
      })),
      variables: VARIABLES.map((x) => ({ ...x, token: `{{${x.name}}}` })),
      check: campaigns.check({ channel: v.canal, templates: formTemplates(v) }),
      count,
      countMessage,
      exclusionLabels: EXCLUSION_LABELS,
      scripts: ['/static/campaign-form.js'],
    })
  }

  /** Saves the form (create or edit) and goes to the campaign, or shows it again with what to fix. */
  async function submit(request: FastifyRequest, reply: FastifyReply, body: Record<string, unknown>, existing?: Campaign) {
    const values = formValues(body)
    if (body.intent !== 'enregistrer') {
      return renderForm(request, reply, { ...(existing ? { campaign: existing } : {}), values })
    }
    const parsed = readCampaignForm(values)
    if (!existing && request.principal?.role === 'admin' && parsed.ok) {
      const known = (await organisationsOf(fastify)).universities.some((u) => u.id === parsed.value.universityId)
      if (!known) {
        const errors = [{ field: 'universite', message: 'Choisissez l’université.' }]
        reply.code(400)
        return renderForm(request, reply, { values, errors, fieldErrors: { universite: errors[0]!.message } })
      }
    }
    if (!parsed.ok) {
      reply.code(400)
      return renderForm(request, reply, {
        ...(existing ? { campaign: existing } : {}),
        values,
        errors: parsed.errors,
        fieldErrors: parsed.fieldErrors,
      })
    }
    try {
      const ctx = request.auditCtx()
      const saved = existing ? await campaigns.update(ctx, existing.id, parsed.value) : await campaigns.create(ctx, parsed.value)
      return await reply.redirect(`/campagnes/${saved.id}`, 303)
    } catch (err) {
      const status = (err as { statusCode?: number }).statusCode
      if (status !== 400 && status !== 409) {
        throw err
      }
      reply.code(status)
      const message = (err as Error).message
      return renderForm(request, reply, { ...(existing ? { campaign: existing } : {}), values, errors: [{ field: '', message }] })
    }
  }

  /** A draft the person may edit: their university's (others 404, in the service), still a draft. */
  async function draft(request: FastifyRequest, id: string): Promise<Campaign> {
    const c = await campaigns.get(request.requirePrincipal(), id)
    if (c.status !== 'draft') {
      throw new Conflict('Seul un brouillon peut être modifié.')
    }
    return c
  }

  fastify.get('/campagnes/nouvelle', { config: PREPARE, schema: { hide: true } }, async (request, reply) =>
    renderForm(request, reply, { values: defaultValues() }),
  )

  fastify.post('/campagnes/nouvelle', { config: PREPARE, schema: { hide: true, body: Form } }, async (request, reply) =>
    submit(request, reply, request.body),
  )

  fastify.get('/campagnes/:id/modifier', { config: PREPARE, schema: { hide: true, params: IdParams } }, async (request, reply) => {
    const c = await draft(request, request.params.id)
    return renderForm(request, reply, { campaign: c, values: campaignValues(c) })
  })

  fastify.post(
    '/campagnes/:id/modifier',
    { config: PREPARE, schema: { hide: true, params: IdParams, body: Form } },
    async (request, reply) => submit(request, reply, request.body, await draft(request, request.params.id)),
  )

  fastify.get('/campagnes', { config: PAGE, schema: { hide: true } }, async (request, reply) => {
    const list = await campaigns.list(request.requirePrincipal())
    return reply.page('pages/campaigns/index.hbs', {
      title: 'Campagnes',
      canCreate: PREPARE.access.some((r) => r === request.principal?.role),
      campaigns: list.map((c) => ({
        ...c,
        statusLabel: CAMPAIGN_STATUS_LABELS[c.status],
        channelLabel: CONTACT_CHANNEL_LABELS[c.channel],
      })),
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
    const can = {
      edit: universitySide && c.status === 'draft',
      approve: manager && c.status === 'draft',
      schedule: universitySide && c.status === 'draft',
      pause: (universitySide || manager) && c.status === 'running',
      resume: (universitySide || manager) && c.status === 'paused',
      cancel: universitySide && !['finished', 'cancelled'].includes(c.status),
    }
    return reply.page('pages/campaigns/show.hbs', {
      title: c.name,
      campaign: { ...c, statusLabel: CAMPAIGN_STATUS_LABELS[c.status], channelLabel: CONTACT_CHANNEL_LABELS[c.channel] },
      check: campaigns.check(c),
      approvals,
      count: count && countView(count),
      tracking,
      days: tracking.perDay.map((d) => ({ ...d, pct: Math.round((d.sent / max) * 100) })),
      can,
      anyAction: Object.values(can).some(Boolean),
      // Once sending has begun, the figures come first.
      started: !['draft', 'scheduled'].includes(c.status),
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
