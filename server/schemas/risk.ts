/**
 * Schemas of the risk scores and models (issue #8): the query of the risk list (API and page),
 * and what the JSON API answers. Every query parameter is bounded (tests/integration/input-bounds.test.ts).
 */
import Type from 'typebox'
import { BANDS } from '../services/scoring/bands.ts'
import { CursorId } from './common.ts'

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()])

export const BandSchema = Type.Enum(BANDS, { description: 'eleve, moyen, faible or non_evaluable' })

/** "2026/2027". */
export const AcademicYearSchema = Type.String({ pattern: '^[0-9]{4}/[0-9]{4}$', maxLength: 9, description: 'e.g. 2026/2027' })

/**
 * A keyset cursor: the probability of the last row read (or `n` for a non-évaluable row), `_`,
 * its student id. Opaque to callers: they pass back `nextCursor`.
 */
export const CursorSchema = Type.String({ pattern: '^(n|[0-9][0-9.e-]{0,29})_[1-9][0-9]{0,15}$', maxLength: 48 })

const Code = (description: string) => Type.String({ minLength: 1, maxLength: 100, description })

/** Filters shared by the list and the CSV export. */
const filterProperties = {
  universityId: Type.Optional(Type.String({ format: 'uuid', description: 'admins: the university (default: the first one)' })),
  academicYear: Type.Optional(AcademicYearSchema),
  band: Type.Optional(BandSchema),
  faculty: Type.Optional(Code('composante')),
  stepCode: Type.Optional(Code('code étape')),
  level: Type.Optional(Code('niveau (L1, L2…)')),
  campus: Type.Optional(Code('campus')),
  territoryId: Type.Optional(Type.String({ format: 'uuid', description: 'the Mission Locale whose territory holds the home commune' })),
  sort: Type.Optional(Type.Enum(['risk_desc', 'risk_asc'], { default: 'risk_desc', description: 'non évaluable last either way' })),
}

export const RiskListQuery = Type.Object({
  ...filterProperties,
  after: Type.Optional(CursorSchema),
  limit: Type.Integer({ minimum: 1, maximum: 500, default: 50 }),
})
export const RiskExportQuery = Type.Object(filterProperties)

/** The page's query: the same filters with French names. */
export const RiskPageQuery = Type.Object({
  universite: Type.Optional(Type.String({ format: 'uuid' })),
  annee: Type.Optional(AcademicYearSchema),
  bande: Type.Optional(Type.Union([BandSchema, Type.Literal('')])),
  composante: Type.Optional(Type.String({ maxLength: 100 })),
  etape: Type.Optional(Type.String({ maxLength: 100 })),
  niveau: Type.Optional(Type.String({ maxLength: 100 })),
  campus: Type.Optional(Type.String({ maxLength: 100 })),
  // A uuid, or empty for "toutes" (the form's first option).
  territoire: Type.Optional(
    Type.String({ pattern: '^(?:[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})?$', maxLength: 36 }),
  ),
  tri: Type.Optional(Type.Enum(['risque', 'risque_croissant'])),
  apres: Type.Optional(CursorSchema),
})

export const StudentParams = Type.Object({ studentId: CursorId({ description: 'the student’s internal id (never the pseudonym)' }) })

export const ReasonView = Type.Object({
  feature: Type.String(),
  text: Type.String({ description: 'French' }),
  contribution: Type.Number({ description: 'to the logit' }),
})

export const RiskRowView = Type.Object({
  studentId: Type.Integer(),
  pseudoId: Type.String(),
  rank: Nullable(Type.Integer()),
  probability: Nullable(Type.Number()),
  band: BandSchema,
  bandLabel: Type.String({ description: 'French' }),
  reasons: Type.Array(ReasonView),
  missing: Type.Array(Type.String(), { description: 'French: the sources without data' }),
  nonEvaluableReason: Nullable(Type.String()),
  coverage: Type.Number(),
  faculty: Nullable(Type.String()),
  stepCode: Nullable(Type.String()),
  level: Nullable(Type.String()),
  campus: Nullable(Type.String()),
  territoryId: Nullable(Type.String()),
  territory: Nullable(Type.String({ description: 'the Mission Locale’s short name' })),
  modelVersion: Type.String(),
  asOf: Type.String({ format: 'date' }),
  links: Type.Object({ self: Type.String(), page: Type.String() }),
})

export const RunView = Type.Object({
  id: Type.Integer(),
  asOf: Type.String({ format: 'date' }),
  finishedAt: Nullable(Type.String({ format: 'date-time' })),
  students: Type.Integer(),
  scored: Type.Integer(),
  nonEvaluable: Type.Integer(),
  model: Nullable(Type.Object({ id: Type.String(), version: Type.String(), kind: Type.String() })),
})

export const RiskListView = Type.Object({
  universityId: Type.String({ format: 'uuid' }),
  academicYear: Type.String(),
  run: Nullable(RunView),
  counts: Type.Object({ eleve: Type.Integer(), moyen: Type.Integer(), faible: Type.Integer(), non_evaluable: Type.Integer() }),
  items: Type.Array(RiskRowView),
  nextCursor: Nullable(Type.String({ description: 'pass as `after` for the next page' })),
})

export const ScoreView = Type.Object({
  asOf: Type.String({ format: 'date' }),
  academicYear: Type.String(),
  modelVersion: Type.String(),
  probability: Nullable(Type.Number()),
  band: BandSchema,
  bandLabel: Type.String(),
  rank: Nullable(Type.Integer()),
  coverage: Type.Number(),
  reasons: Type.Array(ReasonView),
  missing: Type.Array(Type.String()),
  nonEvaluableReason: Nullable(Type.String()),
  features: Type.Record(Type.String(), Type.Union([Type.Number(), Type.String(), Type.Null()]), {
    description: 'the values the score used',
  }),
})

export const StudentScoresView = Type.Object({
  student: Type.Object({
    studentId: Type.Integer(),
    pseudoId: Type.String(),
    academicYear: Nullable(Type.String()),
    faculty: Nullable(Type.String()),
    stepCode: Nullable(Type.String()),
    stepLabel: Nullable(Type.String()),
    level: Nullable(Type.String()),
    campus: Nullable(Type.String()),
    territory: Nullable(Type.String()),
  }),
  scores: Type.Array(ScoreView, { description: 'oldest first' }),
})

// ─── Models ────────────────────────────────────────────────────────────────────────────────

const Metric = Nullable(Type.Number())

export const CalibrationBinView = Type.Object({
  from: Type.Number(),
  to: Type.Number(),
  count: Type.Integer(),
  meanPredicted: Metric,
  observedRate: Metric,
})

export const GroupRateView = Type.Object({
  group: Type.String(),
  value: Type.String(),
  count: Type.Integer(),
  baseRate: Type.Number(),
  flagRate: Type.Number(),
  ratio: Metric,
  /** The group is flagged above 1.25 times its base rate (relative to everyone). */
  warning: Type.Boolean(),
})

export const ModelView = Type.Object({
  id: Type.String({ format: 'uuid' }),
  version: Type.String(),
  kind: Type.String({ description: 'expert or logistic' }),
  status: Type.String({ description: 'training, trained or failed' }),
  active: Type.Boolean({ description: 'the model the university is scored with' }),
  universityId: Nullable(Type.String()),
  trainingYear: Nullable(Type.String()),
  asOfWeek: Nullable(Type.Integer()),
  asOfDate: Nullable(Type.String({ format: 'date' })),
  trainingCount: Nullable(Type.Integer()),
  trainingPositives: Nullable(Type.Integer()),
  error: Nullable(Type.String({ description: 'French' })),
  metrics: Nullable(
    Type.Object({
      auc: Metric,
      averagePrecision: Metric,
      precisionAt10: Metric,
      recallAt10: Metric,
      precisionAt20: Metric,
      recallAt20: Metric,
      brier: Metric,
      maxGroupFlagRatio: Metric,
    }),
  ),
  calibration: Type.Array(CalibrationBinView),
  groupRates: Type.Array(GroupRateView),
  createdAt: Type.String({ format: 'date-time' }),
  trainedAt: Nullable(Type.String({ format: 'date-time' })),
  activatedAt: Nullable(Type.String({ format: 'date-time' })),
  links: Type.Object({ self: Type.String(), page: Type.String() }),
})

export const ModelListQuery = Type.Object({
  universityId: Type.Optional(Type.String({ format: 'uuid', description: 'default: the first university' })),
})

export const TrainBody = Type.Object({
  universityId: Type.String({ format: 'uuid' }),
  academicYear: AcademicYearSchema,
  asOfWeek: Type.Optional(
    Type.Integer({ minimum: 1, maximum: 52, description: 'week of the academic year (1 = 1–7 September); default: this week' }),
  ),
})
