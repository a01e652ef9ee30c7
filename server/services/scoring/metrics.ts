/**
 * How well a score ranks real outcomes. Pure functions over `scores` (higher = riskier) and 0/1
 * `labels`; docs/scoring.md says how to read each one.
 */
import type { GroupRate } from '../../../db/schema/scoring-types.ts'

export type { GroupRate }

/** ROC AUC: the chance that a random positive scores above a random negative (ties count half). */
export function rocAuc(scores: ArrayLike<number>, labels: ArrayLike<number>): number {
  const n = scores.length
  const order = sortedIndices(scores, 'asc')
  let positives = 0
  let rankSum = 0
  let i = 0
  while (i < n) {
    let j = i
    while (j + 1 < n && scores[order[j + 1]!] === scores[order[i]!]) {
      j++
    }
    const avgRank = (i + j) / 2 + 1 // 1-based average rank of the tie group
    for (let k = i; k <= j; k++) {
      if (labels[order[k]!] === 1) {
        positives++
        rankSum += avgRank
      }
    }
    i = j + 1
  }
  const negatives = n - positives
  if (positives === 0 || negatives === 0) {
    return Number.NaN
  }
  return (rankSum - (positives * (positives + 1)) / 2) / (positives * negatives)
}

/**
 * Average precision: Σ (Rₖ − Rₖ₋₁) Pₖ over the distinct score thresholds, from the highest down
 * (the step-wise area under the precision–recall curve, without interpolation).
 */
export function averagePrecision(scores: ArrayLike<number>, labels: ArrayLike<number>): number {
  const n = scores.length
  const order = sortedIndices(scores, 'desc')
  let totalPositives = 0
  for (let i = 0; i < n; i++) {
    totalPositives += labels[i] === 1 ? 1 : 0
  }
  if (totalPositives === 0) {
    return Number.NaN
  }
  let tp = 0
  let seen = 0
  let prevRecall = 0
  let ap = 0
  let i = 0
  while (i < n) {
    let j = i
    while (j + 1 < n && scores[order[j + 1]!] === scores[order[i]!]) {
      j++
    }
    for (let k = i; k <= j; k++) {
      tp += labels[order[k]!] === 1 ? 1 : 0
      seen++
    }
    const recall = tp / totalPositives
    ap += (recall - prevRecall) * (tp / seen)
    prevRecall = recall
    i = j + 1
  }
  return ap
}

/**
 * Precision and recall among the `fraction` highest scores: the top k = round(n × fraction) rows
 * (at least one), ties at the boundary broken by row order so the answer is deterministic.
 */
export function atTop(
  scores: ArrayLike<number>,
  labels: ArrayLike<number>,
  fraction: number,
): { k: number; precision: number; recall: number } {
  const n = scores.length
  const k = Math.max(1, Math.min(n, Math.round(n * fraction)))
  const order = sortedIndices(scores, 'desc')
  let tp = 0
  let positives = 0
  for (let i = 0; i < n; i++) {
    positives += labels[i] === 1 ? 1 : 0
  }
  for (let r = 0; r < k; r++) {
    tp += labels[order[r]!] === 1 ? 1 : 0
  }
  return { k, precision: tp / k, recall: positives > 0 ? tp / positives : Number.NaN }
}

/** Mean squared error of the probabilities (0 is perfect; always predicting the base rate b gives b(1 − b)). */
export function brierScore(probabilities: ArrayLike<number>, labels: ArrayLike<number>): number {
  let s = 0
  for (let i = 0; i < probabilities.length; i++) {
    const d = probabilities[i]! - labels[i]!
    s += d * d
  }
  return s / probabilities.length
}

export type CalibrationBin = { from: number; to: number; count: number; meanPredicted: number | null; observedRate: number | null }

/** Ten equal-width bins of predicted probability: predicted vs observed rate in each. */
export function calibrationTable(probabilities: ArrayLike<number>, labels: ArrayLike<number>, bins = 10): CalibrationBin[] {
  const count = new Array<number>(bins).fill(0)
  const sumP = new Array<number>(bins).fill(0)
  const sumY = new Array<number>(bins).fill(0)
  for (let i = 0; i < probabilities.length; i++) {
    const p = probabilities[i]!
    const b = Math.min(bins - 1, Math.max(0, Math.floor(p * bins)))
    count[b]!++
    sumP[b]! += p
    sumY[b]! += labels[i]!
  }
  return count.map((c, b) => ({
    from: b / bins,
    to: (b + 1) / bins,
    count: c,
    meanPredicted: c > 0 ? sumP[b]! / c : null,
    observedRate: c > 0 ? sumY[b]! / c : null,
  }))
}

/** Groups smaller than this, or with fewer positives, are listed but left out of the maximum ratio. */
export const MIN_GROUP_COUNT = 30
export const MIN_GROUP_POSITIVES = 5

/** Flag rates against base rates, per value of each grouping (campus, grant holder…). */
export function groupRates(
  groups: Record<string, ArrayLike<string | null>>,
  flagged: ArrayLike<boolean>,
  labels: ArrayLike<number>,
): GroupRate[] {
  const n = labels.length
  let allFlag = 0
  let allPos = 0
  for (let i = 0; i < n; i++) {
    allFlag += flagged[i] ? 1 : 0
    allPos += labels[i]!
  }
  const overall = allPos > 0 ? allFlag / allPos : Number.NaN
  const out: GroupRate[] = []
  for (const [group, values] of Object.entries(groups)) {
    const acc = new Map<string, { count: number; pos: number; flag: number }>()
    for (let i = 0; i < n; i++) {
      const v = values[i] ?? 'non renseigné'
      const a = acc.get(v) ?? { count: 0, pos: 0, flag: 0 }
      a.count++
      a.pos += labels[i]!
      a.flag += flagged[i] ? 1 : 0
      acc.set(v, a)
    }
    for (const [value, a] of [...acc].sort((x, y) => x[0].localeCompare(y[0]))) {
      const ratio = a.pos > 0 && overall > 0 ? a.flag / a.pos / overall : null
      out.push({ group, value, count: a.count, baseRate: a.pos / a.count, flagRate: a.flag / a.count, ratio })
    }
  }
  return out
}

/** The worst disproportion over groups big enough to tell: max of ratio and 1/ratio (1 = none). */
export function maxGroupFlagRatio(rates: readonly GroupRate[]): number | null {
  let worst: number | null = null
  for (const r of rates) {
    if (r.count < MIN_GROUP_COUNT || r.baseRate * r.count < MIN_GROUP_POSITIVES || r.ratio === null) {
      continue
    }
    const d = r.ratio === 0 ? Number.POSITIVE_INFINITY : Math.max(r.ratio, 1 / r.ratio)
    worst = worst === null ? d : Math.max(worst, d)
  }
  return worst
}

/** Indices sorted by score; equal scores keep their row order. */
function sortedIndices(scores: ArrayLike<number>, dir: 'asc' | 'desc'): Uint32Array {
  const idx = new Uint32Array(scores.length)
  for (let i = 0; i < idx.length; i++) {
    idx[i] = i
  }
  const sign = dir === 'asc' ? 1 : -1
  idx.sort((a, b) => sign * (scores[a]! - scores[b]!) || a - b)
  return idx
}

export type Metrics = {
  count: number
  positives: number
  auc: number
  averagePrecision: number
  precisionAt10: number
  recallAt10: number
  precisionAt20: number
  recallAt20: number
  brier: number
  calibration: CalibrationBin[]
}

export function evaluate(probabilities: ArrayLike<number>, labels: ArrayLike<number>): Metrics {
  const top10 = atTop(probabilities, labels, 0.1)
  const top20 = atTop(probabilities, labels, 0.2)
  let positives = 0
  for (let i = 0; i < labels.length; i++) {
    positives += labels[i]!
  }
  return {
    count: labels.length,
    positives,
    auc: rocAuc(probabilities, labels),
    averagePrecision: averagePrecision(probabilities, labels),
    precisionAt10: top10.precision,
    recallAt10: top10.recall,
    precisionAt20: top20.precision,
    recallAt20: top20.recall,
    brier: brierScore(probabilities, labels),
    calibration: calibrationTable(probabilities, labels),
  }
}
