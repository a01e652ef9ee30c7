/**
 * The design matrix: feature vectors → standardised columns in a row-major Float64Array.
 *
 * - numeric and binary features: one column, missing values imputed at the training mean (so they
 *   contribute nothing), plus a `missing` column (1 when unknown) when the training cohort had both
 *   known and unknown values: a missing value can carry risk of its own and must be visible;
 * - categories (codes): one-hot, a column per level seen at least `minLevelCount` times, the rarer
 *   ones pooled in `*`; an empty code is the level '' ("non renseigné");
 * - every column is then standardised with the training mean and standard deviation.
 *
 * The expert model uses the same columns with `center` = a reference value and `scale` = 1, so a
 * coefficient reads "logit per unit away from a typical student" (expert-model.ts).
 */
import type { FeatureKind, FeatureVector } from './features.ts'
import type { Column } from '../../../db/schema/scoring-types.ts'

export type { Column }

/** The catch-all level of a category. */
export const OTHER_LEVEL = '*'

export type DesignOptions = { minLevelCount?: number; minMissingCount?: number }

/** Chooses the columns and their standardisation from a training cohort. */
export function fitDesign(
  rows: readonly FeatureVector[],
  features: readonly { key: string; kind: FeatureKind }[],
  opts: DesignOptions = {},
): Column[] {
  const minLevel = opts.minLevelCount ?? 20
  const minMissing = opts.minMissingCount ?? 5
  const n = rows.length
  const raw: Column[] = []
  for (const f of features) {
    if (f.kind === 'category') {
      const counts = new Map<string, number>()
      for (const r of rows) {
        const level = categoryOf(r[f.key])
        counts.set(level, (counts.get(level) ?? 0) + 1)
      }
      if (counts.size < 2) {
        continue
      }
      const kept = [...counts].filter(([, c]) => c >= minLevel).map(([l]) => l)
      const pooled = [...counts].filter(([, c]) => c < minLevel).reduce((a, [, c]) => a + c, 0)
      for (const level of kept.sort()) {
        raw.push({ kind: 'level', feature: f.key, level, center: 0, scale: 1 })
      }
      if (pooled > 0) {
        raw.push({ kind: 'level', feature: f.key, level: OTHER_LEVEL, center: 0, scale: 1 })
      }
      continue
    }
    let known = 0
    for (const r of rows) {
      if (typeof r[f.key] === 'number') {
        known++
      }
    }
    if (known < 2) {
      continue
    }
    raw.push({ kind: 'value', feature: f.key, center: 0, scale: 1 })
    if (n - known >= minMissing && known >= minMissing) {
      raw.push({ kind: 'missing', feature: f.key, center: 0, scale: 1 })
    }
  }
  // Standardise: value columns over known values (the imputation point is their mean), the
  // indicator columns over every row.
  const columns: Column[] = []
  const levelsByFeature = knownLevels(raw)
  for (const c of raw) {
    let sum = 0
    let sq = 0
    let m = 0
    for (const r of rows) {
      const v = c.kind === 'value' ? r[c.feature] : encodeIndicator(c, r[c.feature], levelsByFeature)
      if (typeof v !== 'number') {
        continue
      }
      sum += v
      sq += v * v
      m++
    }
    const mean = sum / m
    const variance = Math.max(0, sq / m - mean * mean)
    const std = Math.sqrt(variance)
    if (std < 1e-9) {
      continue
    }
    columns.push({ ...c, center: mean, scale: std })
  }
  return columns
}

function categoryOf(v: FeatureVector[string] | undefined): string {
  return v === null || v === undefined ? '' : String(v)
}

function knownLevels(columns: readonly Column[]): Map<string, Set<string>> {
  const map = new Map<string, Set<string>>()
  for (const c of columns) {
    if (c.kind === 'level' && c.level !== OTHER_LEVEL) {
      const set = map.get(c.feature) ?? new Set<string>()
      set.add(c.level)
      map.set(c.feature, set)
    }
  }
  return map
}

function encodeIndicator(c: Column, v: FeatureVector[string] | undefined, levels: Map<string, Set<string>>): number {
  if (c.kind === 'missing') {
    return typeof v === 'number' ? 0 : 1
  }
  if (c.kind === 'level') {
    const level = categoryOf(v)
    if (c.level === OTHER_LEVEL) {
      return levels.get(c.feature)?.has(level) ? 0 : 1
    }
    return level === c.level ? 1 : 0
  }
  return 0
}

/** A compiled encoder: one row in, its standardised columns written into `out` at `offset`. */
export function compileEncoder(columns: readonly Column[]): (row: FeatureVector, out: Float64Array, offset: number) => void {
  const levels = knownLevels(columns)
  return (row, out, offset) => {
    for (let j = 0; j < columns.length; j++) {
      const c = columns[j]!
      const v = row[c.feature]
      let x: number
      if (c.kind === 'value') {
        if (typeof v !== 'number' || !Number.isFinite(v)) {
          x = c.center
        } else {
          x = c.clip ? Math.min(c.clip[1], Math.max(c.clip[0], v)) : v
        }
      } else {
        x = encodeIndicator(c, v, levels)
      }
      out[offset + j] = (x - c.center) / c.scale
    }
  }
}

/** The n × p design matrix (row-major) of `rows`. */
export function designMatrix(columns: readonly Column[], rows: readonly FeatureVector[]): Float64Array {
  const p = columns.length
  const X = new Float64Array(rows.length * p)
  const encode = compileEncoder(columns)
  for (let i = 0; i < rows.length; i++) {
    encode(rows[i]!, X, i * p)
  }
  return X
}
