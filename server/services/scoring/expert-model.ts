/**
 * The default model: expert weights on the risk signals of university data (docs/domain.md), used
 * for a university until an admin activates a model trained on its own outcomes. It is a logistic
 * model written by hand: logit = intercept + Σ weight × (value − reference), each value clipped to
 * a plausible range, so a weight reads "how much one unit away from a typical student raises the odds".
 * A missing value sits at the reference (it adds nothing) and is listed as missing beside the score.
 * docs/scoring.md tabulates the same weights with their source.
 */
import type { Column } from './design.ts'
import type { ModelSpec } from './model.ts'

export const EXPERT_MODEL_VERSION = 'expert-1'

type Weight = { feature: string; reference: number; weight: number; clip: [number, number]; why: string }

/** The weights, with the reason each one is there. Exported for the documentation test. */
export const EXPERT_WEIGHTS: readonly Weight[] = [
  // Attendance (docs/domain.md#dropout-definitions-and-l1-figures: dropout clusters in the first weeks;
  // absences come first).
  { feature: 'attendance_rate_4w', reference: 0.9, weight: -3.0, clip: [0, 1], why: 'assiduité récente' },
  { feature: 'attendance_change_4w', reference: 0, weight: -2.5, clip: [-1, 1], why: 'décrochage par rapport à soi-même' },
  { feature: 'weeks_without_attendance', reference: 0, weight: 0.45, clip: [0, 8], why: 'plus aucune présence' },
  // "3 unjustified absences in TD" is a common local rule (docs/domain.md#result-and-absence-codes).
  { feature: 'unjustified_absences', reference: 0, weight: 0.18, clip: [0, 12], why: 'absences injustifiées (ABI)' },
  // Results (docs/domain.md#result-and-absence-codes): DEF/DEM are exits or near-exits; failed and
  // missed units, credits.
  { feature: 'def_dem', reference: 0, weight: 0.9, clip: [0, 5], why: 'défaillance, démission' },
  { feature: 'units_missing', reference: 0, weight: 0.35, clip: [0, 10], why: 'épreuves manquées' },
  { feature: 'units_failed', reference: 0, weight: 0.2, clip: [0, 10], why: 'unités non validées' },
  { feature: 'ects_ratio', reference: 1, weight: -1.2, clip: [0, 1], why: 'crédits obtenus' },
  { feature: 'mean_grade', reference: 12, weight: -0.12, clip: [0, 20], why: 'moyenne' },
  // Learning platform: logins fade before attendance does.
  { feature: 'weeks_without_lms', reference: 0, weight: 0.2, clip: [0, 8], why: 'plus de connexion à l’ENT' },
  // Enrolment: "an IA without an IP is an early warning" (docs/domain.md#student-information-systems),
  // grant at stake (docs/domain.md#grant-holders-and-attendance), "oui si"
  // (docs/domain.md#dropout-definitions-and-l1-figures).
  { feature: 'ia_without_ip', reference: 0, weight: 1.0, clip: [0, 1], why: 'IA sans IP' },
  { feature: 'grant_at_stake', reference: 0, weight: 0.6, clip: [0, 1], why: 'bourse en jeu' },
  { feature: 'oui_si', reference: 0, weight: 0.35, clip: [0, 1], why: 'admission « oui si »' },
  { feature: 'registration_delay', reference: 14, weight: 0.012, clip: [0, 75], why: 'inscription tardive' },
  { feature: 'age', reference: 19, weight: 0.04, clip: [17, 30], why: 'reprise d’études' },
]

/** The odds of a typical student (every value at its reference): about 12 %. */
export const EXPERT_INTERCEPT = -2.0

export function expertModelSpec(): ModelSpec {
  const columns: Column[] = EXPERT_WEIGHTS.map((w) => ({ kind: 'value', feature: w.feature, center: w.reference, scale: 1, clip: w.clip }))
  return {
    kind: 'expert',
    features: EXPERT_WEIGHTS.map((w) => w.feature),
    columns,
    coefficients: EXPERT_WEIGHTS.map((w) => w.weight),
    intercept: EXPERT_INTERCEPT,
    // Attendance carries most of the weight: without it the score would mostly reflect enrolment data.
    requires: ['assiduite'],
  }
}
