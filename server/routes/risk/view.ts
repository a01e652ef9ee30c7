/**
 * What the risk pages and their JSON twins show, built once: rows of the risk list, a student's
 * scores, models with their metrics, the keyset cursor, and the two charts (inline SVG rendered
 * on the server: no chart library in the browser, a <title>/<desc> and a table beside each).
 */
import type { Model } from '../../../db/schema/models.ts'
import type { RiskScore } from '../../../db/schema/risk-scores.ts'
import type { ScoreListRow } from '../../../db/repositories/scoring.repository.ts'
import { BadInput } from '../../errors.ts'
import { BAND_LABELS } from '../../services/scoring/bands.ts'
import { MIN_GROUP_COUNT, MIN_GROUP_POSITIVES, type CalibrationBin, type GroupRate } from '../../services/scoring/metrics.ts'

/** A group flagged more than this many times its share of real outcomes gets a warning (issue #8). */
export const GROUP_WARNING_RATIO = 1.25

export const studentPage = (id: number) => `/risque/etudiants/${id}`
export const modelPage = (id: string) => `/modeles/${id}`

// ─── Cursor ────────────────────────────────────────────────────────────────────────────────

export type Cursor = { probability: number | null; studentId: number }

export function encodeCursor(row: { probability: number | null; studentId: number }): string {
  return `${row.probability === null ? 'n' : String(row.probability)}_${row.studentId}`
}

/** The inverse of `encodeCursor`; the schema's pattern already refused the worst. */
export function decodeCursor(value: string | undefined): Cursor | undefined {
  if (!value) {
    return undefined
  }
  const [p, id] = value.split('_')
  const studentId = Number(id)
  const probability = p === 'n' ? null : Number(p)
  if (!Number.isSafeInteger(studentId) || (probability !== null && !(probability >= 0 && probability <= 1))) {
    throw new BadInput('Le curseur de pagination est invalide : revenez à la première page de la liste.')
  }
  return { probability, studentId }
}

// ─── Rows and scores ───────────────────────────────────────────────────────────────────────

const percent = new Intl.NumberFormat('fr-FR', { style: 'percent', maximumFractionDigits: 0 })
export const formatPercent = (p: number | null) => (p === null ? '—' : percent.format(p))
/**
 * A student's probability: never "100 %" nor "0 %", which a model cannot know and a reader would
 * take for a certainty (docs/principles.md#the-score-prioritises-a-human-decision).
 */
export const formatProbability = (p: number | null) =>
  p === null ? '—' : p >= 0.995 ? '> 99\u00a0%' : p < 0.005 ? '< 1\u00a0%' : percent.format(p)

export function toRowView(r: ScoreListRow, territories: Map<string, string>) {
  return {
    studentId: r.studentId,
    pseudoId: r.pseudoId,
    rank: r.rank,
    probability: r.probability,
    band: r.band,
    bandLabel: BAND_LABELS[r.band],
    reasons: r.reasons,
    missing: r.missing,
    nonEvaluableReason: r.nonEvaluableReason,
    coverage: r.coverage,
    faculty: r.faculty,
    stepCode: r.stepCode,
    level: r.level,
    campus: r.campus,
    territoryId: r.territoryId,
    territory: r.territoryId ? (territories.get(r.territoryId) ?? null) : null,
    modelVersion: r.modelVersion,
    asOf: r.asOf,
    links: { self: `/api/v1/students/${r.studentId}/risk-scores`, page: studentPage(r.studentId) },
  }
}
export type RowView = ReturnType<typeof toRowView>

export function toScoreView(s: RiskScore) {
  return {
    asOf: s.asOf,
    academicYear: s.academicYear,
    modelVersion: s.modelVersion,
    probability: s.probability,
    band: s.band,
    bandLabel: BAND_LABELS[s.band],
    rank: s.rank,
    coverage: s.coverage,
    reasons: s.reasons,
    missing: s.missing,
    nonEvaluableReason: s.nonEvaluableReason,
    features: s.features,
  }
}
export type ScoreView = ReturnType<typeof toScoreView>

// ─── Models ────────────────────────────────────────────────────────────────────────────────

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null)

export function groupWarning(g: GroupRate): boolean {
  return g.count >= MIN_GROUP_COUNT && g.baseRate * g.count >= MIN_GROUP_POSITIVES && g.ratio !== null && g.ratio > GROUP_WARNING_RATIO
}

export function toModelView(m: Model, activeId: string | null) {
  const metrics = m.metrics ?? null
  return {
    id: m.id,
    version: m.version,
    kind: m.kind,
    status: m.status,
    active: m.kind === 'expert' ? activeId === null || activeId === m.id : m.id === activeId,
    universityId: m.universityId,
    trainingYear: m.trainingYear,
    asOfWeek: m.asOfWeek,
    asOfDate: m.asOfDate,
    trainingCount: m.trainingCount,
    trainingPositives: m.trainingPositives,
    error: m.error,
    metrics: metrics
      ? {
          auc: num(metrics.auc),
          averagePrecision: num(metrics.averagePrecision),
          precisionAt10: num(metrics.precisionAt10),
          recallAt10: num(metrics.recallAt10),
          precisionAt20: num(metrics.precisionAt20),
          recallAt20: num(metrics.recallAt20),
          brier: num(metrics.brier),
          maxGroupFlagRatio: num(metrics.maxGroupFlagRatio),
        }
      : null,
    calibration: Array.isArray(metrics?.calibration) ? (metrics.calibration as CalibrationBin[]) : [],
    groupRates: (m.groupRates ?? []).map((g) => ({ ...g, warning: groupWarning(g) })),
    createdAt: m.createdAt.toISOString(),
    trainedAt: m.trainedAt?.toISOString() ?? null,
    activatedAt: m.activatedAt?.toISOString() ?? null,
    links: { self: `/api/v1/models/${m.id}`, page: modelPage(m.id) },
  }
}
export type ModelView = ReturnType<typeof toModelView>

// ─── Charts (inline SVG, presentation attributes only: the CSP forbids inline styles) ──────

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)
const r1 = (x: number) => Math.round(x * 10) / 10
const frDay = new Intl.DateTimeFormat('fr-FR', { day: 'numeric', month: 'short', timeZone: 'UTC' })
const shortDate = (iso: string) => frDay.format(new Date(`${iso}T00:00:00Z`))

const W = 640
const H = 220
const PAD = { left: 48, right: 36, top: 16, bottom: 36 }

function yAxis(lines: string[], plotH: number, label: (v: number) => string): void {
  for (const v of [0, 0.25, 0.5, 0.75, 1]) {
    const y = r1(PAD.top + plotH * (1 - v))
    lines.push(`<line x1="${PAD.left}" y1="${y}" x2="${W - PAD.right}" y2="${y}" stroke="#d5dae3" stroke-width="1"/>`)
    lines.push(`<text x="${PAD.left - 6}" y="${y + 4}" text-anchor="end" font-size="12" fill="#4f5a6e">${esc(label(v))}</text>`)
  }
}

/**
 * A student's probability over time: one point per as-of day (non-évaluable days are left out
 * of the line and said so in the description). `id` makes the title and description referable.
 */
export function historyChart(scores: readonly ScoreView[], id = 'historique'): string {
  const points = scores.filter((s) => s.probability !== null)
  const plotW = W - PAD.left - PAD.right
  const plotH = H - PAD.top - PAD.bottom
  const times = points.map((s) => Date.parse(`${s.asOf}T00:00:00Z`))
  const t0 = Math.min(...times)
  const t1 = Math.max(...times)
  const x = (t: number) => r1(PAD.left + (t1 === t0 ? plotW / 2 : ((t - t0) / (t1 - t0)) * plotW))
  const y = (p: number) => r1(PAD.top + plotH * (1 - p))
  const summary = points.length
    ? points.map((s) => `${shortDate(s.asOf)} : ${formatProbability(s.probability)}`).join(', ')
    : 'aucun score calculable'
  const skipped = scores.length - points.length
  const desc = `Probabilité de décrochage estimée à chaque calcul : ${summary}.${skipped ? ` ${skipped} calcul(s) non évaluable(s), hors du graphique.` : ''}`
  const lines: string[] = [
    `<svg class="chart" viewBox="0 0 ${W} ${H}" role="img" aria-labelledby="${id}-titre ${id}-desc" xmlns="http://www.w3.org/2000/svg">`,
    `<title id="${id}-titre">Évolution du score de risque</title>`,
    `<desc id="${id}-desc">${esc(desc)}</desc>`,
  ]
  yAxis(lines, plotH, (v) => formatPercent(v))
  if (points.length > 1) {
    const path = points.map((s, i) => `${i === 0 ? 'M' : 'L'}${x(times[i]!)} ${y(s.probability!)}`).join(' ')
    lines.push(`<path d="${path}" fill="none" stroke="#1f4f9a" stroke-width="2.5"/>`)
  }
  points.forEach((s, i) => {
    lines.push(`<circle cx="${x(times[i]!)}" cy="${y(s.probability!)}" r="4.5" fill="#1f4f9a"/>`)
  })
  // At most six date labels, first and last included.
  const step = Math.max(1, Math.ceil(points.length / 6))
  points.forEach((s, i) => {
    if (i % step === 0 || i === points.length - 1) {
      lines.push(
        `<text x="${x(times[i]!)}" y="${H - 12}" text-anchor="middle" font-size="12" fill="#4f5a6e">${esc(shortDate(s.asOf))}</text>`,
      )
    }
  })
  lines.push('</svg>')
  return lines.join('')
}

/**
 * Calibration: mean predicted probability against the observed rate, per bin of the
 * out-of-fold predictions; the diagonal is a perfectly calibrated model. `compare` draws the
 * active model's bins beside it.
 */
export function calibrationChart(
  bins: readonly CalibrationBin[],
  compare: readonly CalibrationBin[] | null = null,
  id = 'calibration',
): string {
  const plotW = W - PAD.left - PAD.right
  const plotH = H - PAD.top - PAD.bottom
  const x = (p: number) => r1(PAD.left + p * plotW)
  const y = (p: number) => r1(PAD.top + plotH * (1 - p))
  const used = (b: readonly CalibrationBin[]) => b.filter((c) => c.count > 0 && c.meanPredicted !== null && c.observedRate !== null)
  const mine = used(bins)
  const theirs = compare ? used(compare) : []
  const describe = (b: CalibrationBin[]) =>
    b.map((c) => `prédit ${formatPercent(c.meanPredicted)}, observé ${formatPercent(c.observedRate)} (${c.count})`).join(' ; ')
  const desc = `Pour chaque tranche de probabilité prédite, la part d’étudiants qui ont réellement décroché. ${describe(mine) || 'Aucune donnée.'}${
    theirs.length ? ` Modèle actif : ${describe(theirs)}.` : ''
  }`
  const lines: string[] = [
    `<svg class="chart" viewBox="0 0 ${W} ${H}" role="img" aria-labelledby="${id}-titre ${id}-desc" xmlns="http://www.w3.org/2000/svg">`,
    `<title id="${id}-titre">Calibration : probabilité prédite et taux observé</title>`,
    `<desc id="${id}-desc">${esc(desc)}</desc>`,
  ]
  yAxis(lines, plotH, (v) => formatPercent(v))
  for (const v of [0, 0.5, 1]) {
    const anchor = v === 0 ? 'start' : v === 1 ? 'end' : 'middle'
    lines.push(`<text x="${x(v)}" y="${H - 18}" text-anchor="${anchor}" font-size="12" fill="#4f5a6e">${esc(formatPercent(v))}</text>`)
  }
  lines.push(`<text x="${x(0.5)}" y="${H - 3}" text-anchor="middle" font-size="11" fill="#4f5a6e">probabilité prédite</text>`)
  lines.push(`<line x1="${x(0)}" y1="${y(0)}" x2="${x(1)}" y2="${y(1)}" stroke="#4f5a6e" stroke-width="1" stroke-dasharray="4 4"/>`)
  const series = (b: CalibrationBin[], colour: string, square: boolean) => {
    if (b.length > 1) {
      lines.push(
        `<path d="${b.map((c, i) => `${i === 0 ? 'M' : 'L'}${x(c.meanPredicted!)} ${y(c.observedRate!)}`).join(' ')}" fill="none" stroke="${colour}" stroke-width="2"/>`,
      )
    }
    for (const c of b) {
      lines.push(
        square
          ? `<rect x="${x(c.meanPredicted!) - 4}" y="${y(c.observedRate!) - 4}" width="8" height="8" fill="${colour}"/>`
          : `<circle cx="${x(c.meanPredicted!)}" cy="${y(c.observedRate!)}" r="4.5" fill="${colour}"/>`,
      )
    }
  }
  series(theirs, '#8a5a00', true)
  series(mine, '#1f4f9a', false)
  lines.push('</svg>')
  return lines.join('')
}

// ─── CSV export ────────────────────────────────────────────────────────────────────────────

export const CSV_HEADER = [
  'Rang',
  'Identifiant pseudonymisé',
  'Probabilité (%)',
  'Niveau de risque',
  'Raison 1',
  'Raison 2',
  'Raison 3',
  'Données manquantes',
  'Motif « non évaluable »',
  'Composante',
  'Code étape',
  'Niveau',
  'Campus',
  'Mission Locale du domicile',
  'Modèle',
  'Calculé au',
]

/** One line of the export: strings and platform numbers only (the writer guards formulas). */
export function csvLine(r: RowView): (string | number | null)[] {
  return [
    r.rank,
    r.pseudoId,
    r.probability === null ? null : (Math.round(r.probability * 1000) / 10).toString().replace('.', ','),
    r.bandLabel,
    r.reasons[0]?.text ?? null,
    r.reasons[1]?.text ?? null,
    r.reasons[2]?.text ?? null,
    r.missing.join(' ; '),
    r.nonEvaluableReason,
    r.faculty,
    r.stepCode,
    r.level,
    r.campus,
    r.territory,
    r.modelVersion,
    r.asOf.split('-').reverse().join('/'),
  ]
}
