/**
 * The shapes of the scoring data stored as JSON (models.spec, risk_scores.features and reasons,
 * model metrics) and of the features the scoring repository computes. Types only: the scoring
 * services (server/services/scoring) build and read them.
 */
import type { DataSource } from '../vocabulary/index.ts'

export type BandSettings = { mode: 'thresholds'; high: number; medium: number } | { mode: 'top_n'; topN: number }

/** Per student, as of the date: what the SQL aggregates. Counts are over the academic year so far. */
export type StudentFacts = {
  studentId: number
  // etudiants (the enrolment of the academic year)
  level: string | null
  stepCode: string | null
  faculty: string | null
  campus: string | null
  birthYear: number | null
  grantHolder: boolean | null
  registrationDate: string | null
  adminStatus: string | null
  pedagogicalStatus: string | null
  studyRegime: string | null
  ouiSi: boolean | null
  /** The Mission Locale whose territory holds the home commune (communes.mission_locale_id). */
  territoryId: string | null
  // assiduite: sessions expected / attended (present or late; excused sessions are not expected)
  attFirstDate: string | null
  attExpected: number
  attAttended: number
  /** The last 14 days (as-of date included). */
  att2wExpected: number
  att2wAttended: number
  /** The last 28 days. */
  att4wExpected: number
  att4wAttended: number
  /** Before the last 28 days, since the start of the year. */
  attBeforeExpected: number
  attBeforeAttended: number
  /** Consecutive most recent weeks with sessions expected and none attended; null without data. */
  weeksWithoutAttendance: number | null
  abiCount: number
  /** Unjustified absences by session type (`TD`, `CM`…; '' when the file gives none). */
  abiByType: Record<string, number>
  // resultats: the latest known session of each course unit
  unitsKnown: number
  unitsAdmitted: number
  unitsFailed: number
  unitsMissing: number
  defDemCount: number
  ectsEarned: number
  ectsAttempted: number
  meanGrade: number | null
  // activite_ent
  lmsWeeks: number
  /** Consecutive most recent complete weeks without a login; null when the university sends none. */
  weeksWithoutLms: number | null
  /** `indicateur_*` columns of the year (docs/imports.md). */
  indicators: Record<string, number | null>
}

/** A feature value: a number (booleans are 0/1), a code for categories, or null when unknown. */
export type FeatureValue = number | string | null

export type FeatureVector = Record<string, FeatureValue>

export type Column =
  | { kind: 'value'; feature: string; center: number; scale: number; clip?: [number, number] }
  | { kind: 'missing'; feature: string; center: number; scale: number }
  | { kind: 'level'; feature: string; level: string; center: number; scale: number }

export type ModelKind = 'expert' | 'logistic'

export type ModelSpec = {
  kind: ModelKind
  /** Source features, in order; `columns` expand them (one-hot, missing indicators). */
  features: string[]
  columns: Column[]
  coefficients: number[]
  intercept: number
  /** A student without data in one of these sources is "non évaluable". */
  requires: DataSource[]
}

export type Reason = { feature: string; text: string; contribution: number }

export type GroupRate = {
  group: string
  value: string
  count: number
  /** Share that really had the outcome. */
  baseRate: number
  /** Share flagged by the score. */
  flagRate: number
  /**
   * (flagRate / baseRate) of the group over the same ratio for everyone: 1 means the group is
   * flagged in proportion to its real outcomes; 2 means twice as often as its outcomes justify.
   * Null when the group has no positive.
   */
  ratio: number | null
}
