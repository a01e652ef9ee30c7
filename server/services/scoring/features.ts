/**
 * The features of the risk model: what is computed per student *as of a date*, from data dated on
 * or before it. The SQL of db/repositories/scoring.repository.ts aggregates each student's rows into
 * `StudentFacts` (counts and sums, set-based); `deriveFeatures` turns facts into feature values.
 * docs/scoring.md documents every feature with its definition and unit; keep the three in step.
 */
import { daysBetween, firstDayOfYear, weeksWithoutLms } from './calendar.ts'
import { DATA_SOURCES, type DataSource } from '../../../db/vocabulary/index.ts'
import type { FeatureValue, FeatureVector, StudentFacts } from '../../../db/schema/scoring-types.ts'

export { DATA_SOURCES, type DataSource, type FeatureValue, type FeatureVector, type StudentFacts }

export { weeksWithoutLms }

export type FeatureKind = 'numeric' | 'binary' | 'category'

export type FeatureDef = {
  key: string
  kind: FeatureKind
  source: DataSource
  /** Short French label, for the model page. */
  label: string
  /** Unit, in French. */
  unit: string
}

/** The fixed features, in a stable order (indicators are appended as `indicateur_<name>`). */
export const FEATURES: readonly FeatureDef[] = [
  { key: 'attendance_rate_2w', kind: 'numeric', source: 'assiduite', label: 'Assiduité sur 2 semaines', unit: 'part des séances, 0 à 1' },
  { key: 'attendance_rate_4w', kind: 'numeric', source: 'assiduite', label: 'Assiduité sur 4 semaines', unit: 'part des séances, 0 à 1' },
  {
    key: 'attendance_change_4w',
    kind: 'numeric',
    source: 'assiduite',
    label: 'Évolution de l’assiduité (4 dernières semaines − avant)',
    unit: 'différence de parts, −1 à 1',
  },
  { key: 'weeks_without_attendance', kind: 'numeric', source: 'assiduite', label: 'Semaines consécutives sans présence', unit: 'semaines' },
  { key: 'unjustified_absences', kind: 'numeric', source: 'assiduite', label: 'Absences injustifiées (ABI)', unit: 'séances' },
  { key: 'def_dem', kind: 'numeric', source: 'resultats', label: 'Résultats DEF / DEM / ABAN', unit: 'unités d’enseignement' },
  { key: 'units_failed', kind: 'numeric', source: 'resultats', label: 'Unités non validées (AJ…)', unit: 'unités d’enseignement' },
  {
    key: 'units_missing',
    kind: 'numeric',
    source: 'resultats',
    label: 'Épreuves manquées (ABI, ABJ, DEF, DEM)',
    unit: 'unités d’enseignement',
  },
  { key: 'ects_ratio', kind: 'numeric', source: 'resultats', label: 'ECTS obtenus / ECTS tentés', unit: 'part, 0 à 1' },
  { key: 'mean_grade', kind: 'numeric', source: 'resultats', label: 'Moyenne des notes', unit: 'sur 20' },
  {
    key: 'weeks_without_lms',
    kind: 'numeric',
    source: 'activite_ent',
    label: 'Semaines consécutives sans connexion à l’ENT',
    unit: 'semaines',
  },
  {
    key: 'ia_without_ip',
    kind: 'binary',
    source: 'etudiants',
    label: 'Inscription administrative sans inscription pédagogique',
    unit: 'oui = 1',
  },
  { key: 'grant_at_stake', kind: 'binary', source: 'assiduite', label: 'Boursier avec des problèmes d’assiduité', unit: 'oui = 1' },
  { key: 'registration_delay', kind: 'numeric', source: 'etudiants', label: 'Délai d’inscription après le 1er septembre', unit: 'jours' },
  { key: 'age', kind: 'numeric', source: 'etudiants', label: 'Âge à la rentrée', unit: 'ans' },
  { key: 'regime', kind: 'category', source: 'etudiants', label: 'Régime d’inscription', unit: 'code (FI, FC, FA…)' },
  { key: 'oui_si', kind: 'binary', source: 'etudiants', label: 'Admission « oui si » (Parcoursup)', unit: 'oui = 1' },
  { key: 'level', kind: 'category', source: 'etudiants', label: 'Niveau', unit: 'code (L1, L2, M1…)' },
  { key: 'step', kind: 'category', source: 'etudiants', label: 'Formation (code étape)', unit: 'code étape' },
] as const

export const INDICATOR_PREFIX = 'indicateur_'

export function indicatorFeature(name: string): FeatureDef {
  return {
    key: `${INDICATOR_PREFIX}${name}`,
    kind: 'numeric',
    source: 'etudiants',
    label: `Indicateur « ${name} »`,
    unit: 'valeur du fichier',
  }
}

export function featureDef(key: string): FeatureDef {
  const def = FEATURES.find((f) => f.key === key)
  if (def) {
    return def
  }
  if (key.startsWith(INDICATOR_PREFIX)) {
    return indicatorFeature(key.slice(INDICATOR_PREFIX.length))
  }
  throw new Error(`unknown feature ${key}`)
}

/**
 * A grant holder "has attendance problems" (docs/domain.md#grant-holders-and-attendance: the grant
 * requires attendance and may have to be repaid) when attendance over 4 weeks is under this share, or
 * unjustified absences reach the "3 absences in TD" rule of docs/domain.md#result-and-absence-codes.
 */
export const GRANT_RATE_THRESHOLD = 0.75
export const GRANT_ABI_THRESHOLD = 3

const rate = (attended: number, expected: number): number | null => (expected > 0 ? attended / expected : null)

/** Which sources a student has data in, as of the date. */
export function sourcesPresent(f: StudentFacts): Record<DataSource, boolean> {
  return {
    etudiants: true,
    assiduite: f.attExpected > 0,
    resultats: f.unitsKnown > 0,
    activite_ent: f.weeksWithoutLms !== null,
  }
}

/** Feature values of one student; `null` where the data to compute it is missing. */
export function deriveFeatures(f: StudentFacts, academicYear: string): FeatureVector {
  const hasAttendance = f.attExpected > 0
  const hasResults = f.unitsKnown > 0
  const r2 = rate(f.att2wAttended, f.att2wExpected)
  const r4 = rate(f.att4wAttended, f.att4wExpected)
  const before = rate(f.attBeforeAttended, f.attBeforeExpected)
  const yearStart = academicYearStartYear(academicYear)
  let iaWithoutIp: number | null = null
  if (f.pedagogicalStatus !== null) {
    iaWithoutIp = f.adminStatus !== 'ANNULE' && IP_MISSING.has(f.pedagogicalStatus) ? 1 : 0
  }
  let grantAtStake: number | null = null
  if (f.grantHolder !== null && hasAttendance) {
    grantAtStake = f.grantHolder && ((r4 !== null && r4 < GRANT_RATE_THRESHOLD) || f.abiCount >= GRANT_ABI_THRESHOLD) ? 1 : 0
  }
  const v: FeatureVector = {
    attendance_rate_2w: r2,
    attendance_rate_4w: r4,
    attendance_change_4w: r4 !== null && before !== null ? r4 - before : null,
    weeks_without_attendance: hasAttendance ? (f.weeksWithoutAttendance ?? 0) : null,
    unjustified_absences: hasAttendance ? f.abiCount : null,
    def_dem: hasResults ? f.defDemCount : null,
    units_failed: hasResults ? f.unitsFailed : null,
    units_missing: hasResults ? f.unitsMissing : null,
    ects_ratio: hasResults && f.ectsAttempted > 0 ? f.ectsEarned / f.ectsAttempted : null,
    mean_grade: f.meanGrade,
    weeks_without_lms: f.weeksWithoutLms,
    ia_without_ip: iaWithoutIp,
    grant_at_stake: grantAtStake,
    registration_delay: f.registrationDate !== null ? Math.max(0, daysBetween(firstDayOfYear(academicYear), f.registrationDate)) : null,
    age: f.birthYear !== null ? yearStart - f.birthYear : null,
    regime: f.studyRegime,
    oui_si: f.ouiSi === null ? null : f.ouiSi ? 1 : 0,
    level: f.level,
    step: f.stepCode,
  }
  for (const [name, value] of Object.entries(f.indicators)) {
    v[`${INDICATOR_PREFIX}${name}`] = value
  }
  return v
}

/** `statut_ip` values that mean "no pedagogical enrolment" (docs/imports.md: boolean → O/N, or a code). */
const IP_MISSING = new Set(['N', 'NON', 'ABSENTE', 'NON_FAITE', 'EN_ATTENTE', 'ATTENTE'])

function academicYearStartYear(academicYear: string): number {
  return Number(academicYear.slice(0, 4))
}

/** An empty fact sheet: a student known by enrolment only. Tests and the evaluation build on it. */
export function emptyFacts(studentId: number): StudentFacts {
  return {
    studentId,
    level: null,
    stepCode: null,
    faculty: null,
    campus: null,
    birthYear: null,
    grantHolder: null,
    registrationDate: null,
    adminStatus: null,
    pedagogicalStatus: null,
    studyRegime: null,
    ouiSi: null,
    territoryId: null,
    attFirstDate: null,
    attExpected: 0,
    attAttended: 0,
    att2wExpected: 0,
    att2wAttended: 0,
    att4wExpected: 0,
    att4wAttended: 0,
    attBeforeExpected: 0,
    attBeforeAttended: 0,
    weeksWithoutAttendance: null,
    abiCount: 0,
    abiByType: {},
    unitsKnown: 0,
    unitsAdmitted: 0,
    unitsFailed: 0,
    unitsMissing: 0,
    defDemCount: 0,
    ectsEarned: 0,
    ectsAttempted: 0,
    meanGrade: null,
    lmsWeeks: 0,
    weeksWithoutLms: null,
    indicators: {},
  }
}
