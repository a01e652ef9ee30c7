/**
 * Training: a logistic regression on a labelled cohort, with stratified k-fold cross-validation.
 * Each fold fits its own standardisation and one-hot levels on its training part only, so the
 * out-of-fold scores never saw their own rows; the stored model is then fitted on every row.
 * The `model.train` job and `npm run model:evaluate` both come through `trainModel`.
 */
import { fitDesign, designMatrix } from './design.ts'
import {
  DATA_SOURCES,
  FEATURES,
  deriveFeatures,
  indicatorFeature,
  sourcesPresent,
  type DataSource,
  type FeatureDef,
  type FeatureVector,
  type StudentFacts,
} from './features.ts'
import { foldRows, stratifiedFolds } from './folds.ts'
import { fitLogistic, predictLogistic } from './logistic.ts'
import { evaluate, groupRates, maxGroupFlagRatio, rocAuc, type GroupRate, type Metrics } from './metrics.ts'
import type { ModelSpec } from './model.ts'

export type TrainOptions = {
  folds?: number
  seed?: number
  l2?: number
  minLevelCount?: number
  /** Share of the cohort counted as "flagged" for the group rates (the capacity point). */
  flagFraction?: number
  /** A source present for at least this share of the cohort is required at scoring time. */
  requireShare?: number
}

export const DEFAULT_TRAIN_OPTIONS = { folds: 5, seed: 1, l2: 1, minLevelCount: 20, flagFraction: 0.2, requireShare: 0.8 } as const

export type TrainingSet = {
  academicYear: string
  facts: StudentFacts[]
  /** 1 = dropped out (`abandon`), 0 = anything else. */
  labels: Uint8Array
  /** Grouping of each row for the fairness table (campus, grant holder, territory, age band). */
  groups: Record<string, (string | null)[]>
}

export type TrainResult = {
  spec: ModelSpec
  /** Out-of-fold metrics: every row scored by a model that did not see it. */
  metrics: Metrics & { foldAuc: number[]; maxGroupFlagRatio: number | null }
  groupRates: GroupRate[]
  oof: Float64Array
  iterations: number
  options: Required<TrainOptions>
}

/** Every feature the cohort can offer: the fixed ones plus each `indicateur_*` seen. */
export function candidateFeatures(facts: readonly StudentFacts[]): FeatureDef[] {
  const names = new Set<string>()
  for (const f of facts) {
    for (const k of Object.keys(f.indicators)) {
      names.add(k)
    }
  }
  return [...FEATURES, ...[...names].sort().map(indicatorFeature)]
}

export function trainModel(set: TrainingSet, options: TrainOptions = {}): TrainResult {
  const opts = { ...DEFAULT_TRAIN_OPTIONS, ...options }
  const n = set.facts.length
  if (n !== set.labels.length) {
    throw new Error('one label per student')
  }
  let positives = 0
  for (const y of set.labels) {
    positives += y
  }
  if (positives < opts.folds || n - positives < opts.folds) {
    throw new Error(`too few outcomes to train: ${positives} dropouts among ${n} students`)
  }
  const vectors: FeatureVector[] = set.facts.map((f) => deriveFeatures(f, set.academicYear))
  const features = candidateFeatures(set.facts)
  const design = { minLevelCount: opts.minLevelCount }

  const fold = stratifiedFolds(set.labels, opts.folds, opts.seed)
  const oof = new Float64Array(n)
  const foldAuc: number[] = []
  for (let f = 0; f < opts.folds; f++) {
    const { train, test } = foldRows(fold, f)
    const trainRows = Array.from(train, (i) => vectors[i]!)
    const columns = fitDesign(trainRows, features, design)
    const p = columns.length
    const X = designMatrix(columns, trainRows)
    const y = Uint8Array.from(train, (i) => set.labels[i]!)
    const fit = fitLogistic(X, y, p, { l2: opts.l2 })
    const Xt = designMatrix(
      columns,
      Array.from(test, (i) => vectors[i]!),
    )
    const pt = predictLogistic(Xt, p, fit.intercept, fit.coefficients)
    test.forEach((row, k) => {
      oof[row] = pt[k]!
    })
    foldAuc.push(
      rocAuc(
        pt,
        Uint8Array.from(test, (i) => set.labels[i]!),
      ),
    )
  }

  const columns = fitDesign(vectors, features, design)
  const X = designMatrix(columns, vectors)
  const fit = fitLogistic(X, set.labels, columns.length, { l2: opts.l2 })
  const used = new Set(columns.map((c) => c.feature))
  const spec: ModelSpec = {
    kind: 'logistic',
    features: features.map((f) => f.key).filter((k) => used.has(k)),
    columns,
    coefficients: Array.from(fit.coefficients),
    intercept: fit.intercept,
    requires: requiredSources(
      set.facts,
      features.filter((f) => used.has(f.key)),
      opts.requireShare,
    ),
  }

  const metrics = evaluate(oof, set.labels)
  const flagged = flagTop(oof, opts.flagFraction)
  const rates = groupRates(set.groups, flagged, set.labels)
  return {
    spec,
    metrics: { ...metrics, foldAuc, maxGroupFlagRatio: maxGroupFlagRatio(rates) },
    groupRates: rates,
    oof,
    iterations: fit.iterations,
    options: opts,
  }
}

/** Sources the model uses and that most of its training cohort had: required to be scored. */
function requiredSources(facts: readonly StudentFacts[], used: readonly FeatureDef[], share: number): DataSource[] {
  const usedSources = new Set(used.map((f) => f.source))
  const counts = Object.fromEntries(DATA_SOURCES.map((s) => [s, 0])) as Record<DataSource, number>
  for (const f of facts) {
    const present = sourcesPresent(f)
    for (const s of DATA_SOURCES) {
      counts[s] += present[s] ? 1 : 0
    }
  }
  return DATA_SOURCES.filter((s) => s !== 'etudiants' && usedSources.has(s) && counts[s] >= share * facts.length)
}

/** The `fraction` highest scores, ties broken by row order. */
export function flagTop(scores: Float64Array, fraction: number): boolean[] {
  const k = Math.round(scores.length * fraction)
  const order = Array.from(scores.keys()).sort((a, b) => scores[b]! - scores[a]! || a - b)
  const flagged = new Array<boolean>(scores.length).fill(false)
  for (let r = 0; r < k; r++) {
    flagged[order[r]!] = true
  }
  return flagged
}

/** The age bands of the fairness table. */
export function ageBand(age: number | null): string | null {
  if (age === null) {
    return null
  }
  return age <= 20 ? '20 ans ou moins' : age <= 25 ? '21 à 25 ans' : '26 ans ou plus'
}
