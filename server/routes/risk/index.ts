/**
 * Risk pages for university staff and admins (issue #8): the risk list (filters, sort, keyset
 * pages, CSV export through the API twin) and one student's page (score history as a chart,
 * reasons, the data used and what was missing). Pseudonyms only, never a name. Model pages for
 * admins are in ./models.ts. Counsellors and managers get 404 on every one of them.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { RiskPageQuery, StudentParams } from '../../schemas/risk.ts'
import { BANDS, BAND_LABELS } from '../../services/scoring/bands.ts'
import { INDICATOR_PREFIX, featureDef, type FeatureDef, type FeatureValue } from '../../services/scoring/features.ts'
import { RISK_ACCESS, listFilters, organisationsOf, universityFor } from './scope.ts'
import { decodeCursor, encodeCursor, formatPercent, formatProbability, historyChart, toRowView, toScoreView } from './view.ts'
import models from './models.ts'

const PAGE = { ...RISK_ACCESS, html: true }
const PAGE_SIZE = 50

const numberFr = new Intl.NumberFormat('fr-FR', { maximumFractionDigits: 1 })

/** A feature's definition, or a bare one for a feature of an older model version. */
function definition(key: string): FeatureDef {
  try {
    return featureDef(key)
  } catch {
    return { key, kind: 'numeric', source: 'etudiants', label: key, unit: '' }
  }
}

/** A feature's value as a person reads it: rates in %, yes/no, codes as they are. */
function featureValue(def: FeatureDef, v: FeatureValue): string {
  if (v === null || v === undefined) {
    return 'inconnu'
  }
  if (typeof v === 'string') {
    return v
  }
  if (def.key.startsWith(INDICATOR_PREFIX)) {
    return numberFr.format(v)
  }
  if (def.kind === 'binary') {
    return v ? 'oui' : 'non'
  }
  if (def.unit.startsWith('différence')) {
    const points = Math.round(v * 100)
    return `${points > 0 ? '+' : points < 0 ? '−' : ''}${Math.abs(points)} points`
  }
  if (def.unit.startsWith('part')) {
    return formatPercent(v)
  }
  return `${numberFr.format(v)} ${def.unit}`.trim()
}

const plugin: FastifyPluginAsyncTypebox = async (fastify) => {
  const { scoring } = fastify.services

  fastify.get('/risque', { config: PAGE, schema: { hide: true, querystring: RiskPageQuery } }, async (request, reply) => {
    const p = request.requirePrincipal()
    const q = request.query
    const orgs = await organisationsOf(fastify)
    const universityId = universityFor(p, orgs, q.universite)
    const academicYear = q.annee ?? scoring.currentYear()
    const filters = listFilters(universityId, academicYear, {
      band: q.bande,
      faculty: q.composante,
      stepCode: q.etape,
      level: q.niveau,
      campus: q.campus,
      territoryId: q.territoire,
      order: q.tri === 'risque_croissant' ? 'asc' : 'desc',
    })
    const after = decodeCursor(q.apres)
    const [list, options] = await Promise.all([
      scoring.riskList(request.auditCtx(), { ...filters, limit: PAGE_SIZE, ...(after ? { after } : {}) }),
      scoring.filterOptions(p, universityId, academicYear),
    ])
    const rows = list.rows.map((r) => toRowView(r, orgs.territories))

    // The same filters, for the next page, the export and the "first page" link.
    const pageParams = new URLSearchParams()
    const apiParams = new URLSearchParams()
    const keep = (page: string, api: string, v: string | undefined) => {
      if (v) {
        pageParams.set(page, v)
        apiParams.set(api, v)
      }
    }
    if (p.role === 'admin') {
      keep('universite', 'universityId', universityId)
    }
    if (q.annee) {
      keep('annee', 'academicYear', q.annee)
    }
    keep('bande', 'band', filters.band)
    keep('composante', 'faculty', filters.faculty)
    keep('etape', 'stepCode', filters.stepCode)
    keep('niveau', 'level', filters.level)
    keep('campus', 'campus', filters.campus)
    keep('territoire', 'territoryId', filters.territoryId)
    if (filters.order === 'asc') {
      keep('tri', 'sort', 'risque_croissant')
      apiParams.set('sort', 'risk_asc')
    }
    const last = list.rows.at(-1)
    const next = last && list.rows.length === PAGE_SIZE ? new URLSearchParams([...pageParams, ['apres', encodeCursor(last)]]) : null
    const filtered = ['band', 'faculty', 'stepCode', 'level', 'campus', 'territoryId'].some((k) => k in filters)
    const select = (values: string[], chosen: string | undefined) =>
      values.sort((a, b) => a.localeCompare(b, 'fr')).map((v) => ({ value: v, selected: v === chosen }))

    return reply.page('pages/risk/index.hbs', {
      title: 'Liste de risque',
      academicYear,
      run: list.run ? { asOf: list.run.asOf, students: list.run.students } : null,
      model: list.model,
      counts: BANDS.map((b) => ({ band: b, label: BAND_LABELS[b], count: list.counts[b] })),
      rows: rows.map((r) => ({ ...r, pct: formatProbability(r.probability) })),
      isAdmin: p.role === 'admin',
      universities: orgs.universities.map((u) => ({ ...u, selected: u.id === universityId })),
      bands: BANDS.map((b) => ({ value: b, label: BAND_LABELS[b], selected: b === filters.band })),
      faculties: select(options.faculties, filters.faculty),
      steps: select(options.steps, filters.stepCode),
      levels: select(options.levels, filters.level),
      campuses: select(options.campuses, filters.campus),
      territories: [...orgs.territories].map(([id, name]) => ({ value: id, label: name, selected: id === filters.territoryId })),
      ascending: filters.order === 'asc',
      filtered,
      paged: !!after,
      firstPage: `/risque${pageParams.size ? `?${pageParams.toString()}` : ''}`,
      nextPage: next ? `/risque?${next.toString()}` : null,
      exportUrl: `/api/v1/risk-scores.csv${apiParams.size ? `?${apiParams.toString()}` : ''}`,
    })
  })

  fastify.get('/risque/etudiants/:studentId', { config: PAGE, schema: { hide: true, params: StudentParams } }, async (request, reply) => {
    const { student, history } = await scoring.studentScores(request.auditCtx(), request.params.studentId)
    const orgs = await organisationsOf(fastify)
    const scores = history.map(toScoreView)
    const latest = scores.at(-1) ?? null
    const features = latest
      ? Object.entries(latest.features).map(([key, v]) => {
          const def = definition(key)
          return { label: def.label, value: featureValue(def, v), known: v !== null && v !== undefined }
        })
      : []
    return reply.page('pages/risk/student.hbs', {
      title: `Étudiant ${student.pseudoId}`,
      student: {
        ...student,
        territory: student.territoryId ? (orgs.territories.get(student.territoryId) ?? null) : null,
      },
      latest: latest ? { ...latest, pct: formatProbability(latest.probability), coverage: formatPercent(latest.coverage) } : null,
      chart: scores.some((s) => s.probability !== null) ? historyChart(scores) : null,
      history: scores.map((s) => ({ ...s, pct: formatProbability(s.probability) })).reverse(),
      features: features.filter((f) => f.known),
      unknown: features.filter((f) => !f.known),
      backUrl: request.principal?.role === 'admin' ? `/risque?universite=${student.universityId}` : '/risque',
    })
  })

  await fastify.register(models)
}
export default plugin
