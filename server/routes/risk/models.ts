/**
 * Model pages for admins (issue #8): the models of a university with their out-of-fold metrics,
 * a training form (a past year with outcomes, as of a week), and one model's page: metrics beside
 * the active model's, calibration chart, flag rates per group with a warning above 1.25× the base
 * rate, activation. Training never activates; an admin decides here. Other roles get 404.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import Type from 'typebox'
import { IdParams } from '../../schemas/common.ts'
import { AcademicYearSchema } from '../../schemas/risk.ts'
import { academicYearStart } from '../../services/scoring/calendar.ts'
import { MODEL_ACCESS, organisationsOf, universityFor } from './scope.ts'
import { GROUP_WARNING_RATIO, calibrationChart, formatPercent, toModelView, type ModelView } from './view.ts'

const PAGE = { ...MODEL_ACCESS, html: true }

const GROUP_LABELS: Record<string, string> = {
  campus: 'Campus',
  boursier: 'Bourse',
  territoire: 'Mission Locale du domicile',
  age: 'Âge',
}
const STATUS_LABELS: Record<string, string> = { training: 'en cours d’entraînement', trained: 'entraîné', failed: 'échec' }

const decimal = new Intl.NumberFormat('fr-FR', { minimumFractionDigits: 2, maximumFractionDigits: 3 })
const fmt = (v: number | null | undefined, kind: 'percent' | 'decimal') =>
  v === null || v === undefined ? '—' : kind === 'percent' ? formatPercent(v) : decimal.format(v)

const METRICS: { key: keyof NonNullable<ModelView['metrics']>; label: string; kind: 'percent' | 'decimal'; hint: string }[] = [
  { key: 'auc', label: 'AUC ROC', kind: 'decimal', hint: '0,5 = hasard, 1 = classement parfait' },
  { key: 'averagePrecision', label: 'Précision moyenne', kind: 'decimal', hint: 'plus haut = mieux' },
  { key: 'precisionAt10', label: 'Précision des 10 % les plus à risque', kind: 'percent', hint: 'part de vrais décrocheurs' },
  { key: 'recallAt10', label: 'Rappel des 10 % les plus à risque', kind: 'percent', hint: 'part des décrocheurs repérés' },
  { key: 'precisionAt20', label: 'Précision des 20 % les plus à risque', kind: 'percent', hint: 'part de vrais décrocheurs' },
  { key: 'recallAt20', label: 'Rappel des 20 % les plus à risque', kind: 'percent', hint: 'part des décrocheurs repérés' },
  { key: 'brier', label: 'Score de Brier', kind: 'decimal', hint: 'plus bas = mieux' },
  { key: 'maxGroupFlagRatio', label: 'Plus grand écart entre groupes', kind: 'decimal', hint: '1 = aucun écart' },
]

function listItem(m: ModelView) {
  return {
    ...m,
    statusLabel: STATUS_LABELS[m.status] ?? m.status,
    auc: fmt(m.metrics?.auc, 'decimal'),
    precisionAt10: fmt(m.metrics?.precisionAt10, 'percent'),
    brier: fmt(m.metrics?.brier, 'decimal'),
  }
}

const plugin: FastifyPluginAsyncTypebox = async (fastify) => {
  const { scoring, audit } = fastify.services

  async function activeId(universityId: string | null): Promise<string | null> {
    if (!universityId) {
      return null
    }
    const current = await scoring.currentModel(universityId)
    return current.kind === 'expert' ? null : current.id
  }

  fastify.get(
    '/modeles',
    {
      config: PAGE,
      schema: {
        hide: true,
        querystring: Type.Object({
          universite: Type.Optional(Type.String({ format: 'uuid' })),
          statut: Type.Optional(Type.Enum(['desactive'])),
        }),
      },
    },
    async (request, reply) => {
      const p = request.requirePrincipal()
      const orgs = await organisationsOf(fastify)
      const universityId = universityFor(p, orgs, request.query.universite)
      const active = await activeId(universityId)
      const models = (await scoring.listModels(p, universityId)).map((m) => listItem(toModelView(m, active)))
      const year = scoring.currentYear()
      const start = academicYearStart(year)
      return reply.page('pages/models/index.hbs', {
        title: 'Modèles de risque',
        notice: request.query.statut === 'desactive' ? 'Le modèle par défaut est de nouveau utilisé.' : undefined,
        universityId,
        universities: orgs.universities.map((u) => ({ ...u, selected: u.id === universityId })),
        universityName: orgs.universities.find((u) => u.id === universityId)?.name ?? '',
        models,
        current: models.find((m) => m.active) ?? null,
        hasActiveTrained: active !== null,
        defaultYear: `${start - 1}/${start}`,
      })
    },
  )

  fastify.post(
    '/modeles',
    {
      config: PAGE,
      schema: {
        hide: true,
        body: Type.Object({
          _csrf: Type.Optional(Type.String({ maxLength: 200 })),
          universite: Type.String({ format: 'uuid' }),
          annee: AcademicYearSchema,
          semaine: Type.Optional(Type.Integer({ minimum: 1, maximum: 52 })),
        }),
      },
    },
    async (request, reply) => {
      const { universite, annee, semaine } = request.body
      const m = await scoring.requestTraining(request.requirePrincipal(), {
        universityId: universite,
        academicYear: annee,
        ...(semaine ? { asOfWeek: semaine } : {}),
      })
      await audit.record(request.auditCtx(), {
        action: 'model.train_requested',
        entityType: 'model',
        entityId: m.id,
        details: { universityId: universite, academicYear: annee, asOfWeek: m.asOfWeek },
      })
      return reply.redirect(`/modeles/${m.id}`, 303)
    },
  )

  fastify.post(
    '/modeles/desactiver',
    {
      config: PAGE,
      schema: {
        hide: true,
        body: Type.Object({ _csrf: Type.Optional(Type.String({ maxLength: 200 })), universite: Type.String({ format: 'uuid' }) }),
      },
    },
    async (request, reply) => {
      await scoring.deactivateModels(request.requirePrincipal(), request.body.universite)
      await audit.record(request.auditCtx(), { action: 'model.deactivated', entityType: 'organisation', entityId: request.body.universite })
      return reply.redirect(`/modeles?universite=${request.body.universite}&statut=desactive`, 303)
    },
  )

  fastify.get(
    '/modeles/:id',
    {
      config: PAGE,
      schema: { hide: true, params: IdParams, querystring: Type.Object({ statut: Type.Optional(Type.Enum(['active'])) }) },
    },
    async (request, reply) => {
      const p = request.requirePrincipal()
      const model = await scoring.model(p, request.params.id)
      const active = await activeId(model.universityId)
      const view = toModelView(model, active)
      const activeModel = active && active !== model.id ? toModelView(await scoring.model(p, active), active) : null
      const compare = activeModel ?? null
      const orgs = await organisationsOf(fastify)
      const groups = new Map<string, typeof view.groupRates>()
      for (const g of view.groupRates) {
        groups.set(g.group, [...(groups.get(g.group) ?? []), g])
      }
      return reply.page('pages/models/show.hbs', {
        title: `Modèle ${model.version}`,
        notice:
          request.query.statut === 'active' ? 'Ce modèle est maintenant actif : il servira dès le prochain calcul des scores.' : undefined,
        model: { ...view, statusLabel: STATUS_LABELS[view.status] ?? view.status },
        universityName: orgs.universities.find((u) => u.id === model.universityId)?.name ?? null,
        live: view.status === 'training',
        compare: compare ? { version: compare.version, url: compare.links.page } : null,
        metrics: view.metrics
          ? METRICS.map((k) => ({
              label: k.label,
              hint: k.hint,
              value: fmt(view.metrics?.[k.key], k.kind),
              other: compare ? fmt(compare.metrics?.[k.key], k.kind) : null,
            }))
          : null,
        chart: view.calibration.length ? calibrationChart(view.calibration, compare?.calibration ?? null) : null,
        calibration: view.calibration
          .filter((b) => b.count > 0)
          .map((b) => ({
            range: `${formatPercent(b.from)} – ${formatPercent(b.to)}`,
            count: b.count,
            predicted: formatPercent(b.meanPredicted),
            observed: formatPercent(b.observedRate),
          })),
        groups: [...groups].map(([group, rates]) => ({
          label: GROUP_LABELS[group] ?? group,
          rates: rates.map((r) => ({
            ...r,
            baseRate: formatPercent(r.baseRate),
            flagRate: formatPercent(r.flagRate),
            ratio: r.ratio === null ? '—' : decimal.format(r.ratio),
          })),
        })),
        warnings: view.groupRates.filter((g) => g.warning).map((g) => `${GROUP_LABELS[g.group] ?? g.group} : ${g.value}`),
        warningRatio: decimal.format(GROUP_WARNING_RATIO),
        canActivate: view.status === 'trained' && view.kind !== 'expert' && !view.active,
        canDeactivate: view.kind !== 'expert' && view.active,
      })
    },
  )

  fastify.post(
    '/modeles/:id/activer',
    {
      config: PAGE,
      schema: { hide: true, params: IdParams, body: Type.Object({ _csrf: Type.Optional(Type.String({ maxLength: 200 })) }) },
    },
    async (request, reply) => {
      const m = await scoring.activateModel(request.requirePrincipal(), request.params.id)
      await audit.record(request.auditCtx(), {
        action: 'model.activated',
        entityType: 'model',
        entityId: m.id,
        details: { universityId: m.universityId, version: m.version },
      })
      return reply.redirect(`/modeles/${m.id}?statut=active`, 303)
    },
  )
}
export default plugin
