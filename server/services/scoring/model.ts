/**
 * A model as stored in `models.spec`, and how it scores one student: probability, each feature's
 * contribution to the logit, the top three reasons, the data it lacked. The expert default model
 * and a trained logistic regression share this shape, so everything downstream is the same.
 */
import { academicYearStart } from './calendar.ts'
import { compileEncoder } from './design.ts'
import { deriveFeatures, featureDef, sourcesPresent, type FeatureVector, type StudentFacts } from './features.ts'
import { sigmoid } from './logistic.ts'
import { missingReasonFor, missingSourceText, nonEvaluableReason, reasonFor, type ReasonContext } from './reasons.ts'
import type { ModelKind, ModelSpec, Reason } from '../../../db/schema/scoring-types.ts'

export type { ModelKind, ModelSpec, Reason }

export type ScoredStudent =
  | {
      studentId: number
      evaluable: true
      probability: number
      reasons: Reason[]
      /** Share of the model's features known for this student (0 … 1). */
      coverage: number
      missing: string[]
      features: FeatureVector
    }
  | { studentId: number; evaluable: false; reason: string; coverage: number; missing: string[]; features: FeatureVector }

/** A contribution under this (in logit units) is too small to be called a reason. */
export const MIN_REASON_CONTRIBUTION = 0.05
export const MAX_REASONS = 3

export type CompiledModel = {
  spec: ModelSpec
  score(facts: StudentFacts): ScoredStudent
  /** The logit of an already-encoded row (for the benchmark's plain-loop baseline). */
  p: number
}

export function compileModel(spec: ModelSpec, academicYear: string, asOf: string): CompiledModel {
  const encode = compileEncoder(spec.columns)
  const p = spec.columns.length
  const row = new Float64Array(p)
  const sources = [...new Set(spec.features.map((k) => featureDef(k).source))]
  const ctx: ReasonContext = { academicYear, asOf, yearStart: `${academicYearStart(academicYear)}-09-01` }
  const byFeature = new Map<string, number>()

  return {
    spec,
    p,
    score(facts) {
      const v = deriveFeatures(facts, academicYear)
      const present = sourcesPresent(facts)
      const known = spec.features.filter((k) => v[k] !== null && v[k] !== undefined).length
      const coverage = spec.features.length > 0 ? known / spec.features.length : 1
      const missing = sources.filter((s) => !present[s]).map(missingSourceText)
      const lacking = spec.requires.find((s) => !present[s])
      if (lacking) {
        return { studentId: facts.studentId, evaluable: false, reason: nonEvaluableReason(lacking, ctx), coverage, missing, features: v }
      }
      encode(v, row, 0)
      let z = spec.intercept
      byFeature.clear()
      for (let j = 0; j < p; j++) {
        const c = spec.coefficients[j]! * row[j]!
        z += c
        const key = spec.columns[j]!.feature
        byFeature.set(key, (byFeature.get(key) ?? 0) + c)
      }
      const reasons: Reason[] = []
      const sorted = [...byFeature].filter(([, c]) => c >= MIN_REASON_CONTRIBUTION).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
      for (const [feature, contribution] of sorted) {
        const text = v[feature] === null || v[feature] === undefined ? missingReasonFor(feature) : reasonFor(feature, v, facts, ctx)
        // Several missing attendance features say the same thing: one line is enough.
        if (reasons.some((r) => r.text === text)) {
          continue
        }
        reasons.push({ feature, contribution: Math.round(contribution * 1000) / 1000, text })
        if (reasons.length === MAX_REASONS) {
          break
        }
      }
      return { studentId: facts.studentId, evaluable: true, probability: sigmoid(z), reasons, coverage, missing, features: v }
    },
  }
}
