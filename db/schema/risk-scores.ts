import {
  bigint,
  date,
  doublePrecision,
  index,
  integer,
  jsonb,
  pgEnum,
  pgTable,
  real,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core'
import { BANDS } from '../vocabulary/index.ts'
import type { FeatureVector, Reason } from './scoring-types.ts'
import { models } from './models.ts'
import { organisations } from './organisations.ts'
import { scoreRuns } from './score-runs.ts'
import { students } from './students.ts'

export const riskBand = pgEnum('risk_band', BANDS)

/**
 * A student's score as of a date, by one model: one row per (student, model, as-of day), so the
 * history is kept and a trend can be shown; a later run on the same day refreshes that day's row.
 * `run_id` is the last run that wrote or confirmed the row. `snapshot_id` names the set of rows
 * (university, year, model, as-of day) a run writes into: the first run of that set, and the same for
 * every later run of the set. The risk list reads the snapshot of the latest finished run, so a run
 * in progress refreshes rows in place and never takes them away from the list (score-runs.ts).
 * A "non évaluable" row has no probability and says why (`non_evaluable_reason`).
 */
export const riskScores = pgTable(
  'risk_scores',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    studentId: bigint('student_id', { mode: 'number' })
      .notNull()
      .references(() => students.id, { onDelete: 'cascade' }),
    universityId: uuid('university_id')
      .notNull()
      .references(() => organisations.id, { onDelete: 'cascade' }),
    academicYear: text('academic_year').notNull(),
    modelId: uuid('model_id')
      .notNull()
      .references(() => models.id, { onDelete: 'restrict' }),
    modelVersion: text('model_version').notNull(),
    asOf: date('as_of').notNull(),
    runId: bigint('run_id', { mode: 'number' }).references(() => scoreRuns.id, { onDelete: 'set null' }),
    snapshotId: bigint('snapshot_id', { mode: 'number' }).notNull(),
    probability: doublePrecision('probability'),
    band: riskBand('band').notNull(),
    /** 1 = highest probability of the run; null when non évaluable. */
    rank: integer('rank'),
    /** Share of the model's features known for this student, 0 … 1. */
    coverage: real('coverage').notNull(),
    reasons: jsonb('reasons').$type<Reason[]>().notNull().default([]),
    /** The sources without data, in French ("assiduité : aucune donnée"). */
    missing: jsonb('missing').$type<string[]>().notNull().default([]),
    nonEvaluableReason: text('non_evaluable_reason'),
    /** The feature values the score used (numbers and codes only: no personal data beyond the pseudonym). */
    features: jsonb('features').$type<FeatureVector>().notNull().default({}),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('risk_scores_student_model_day_key').on(t.studentId, t.modelId, t.asOf),
    // The risk list: one snapshot, highest (or lowest) first, keyset on (probability, student).
    index('risk_scores_snapshot_desc_idx').on(t.snapshotId, t.probability.desc().nullsLast(), t.studentId),
    index('risk_scores_snapshot_asc_idx').on(t.snapshotId, t.probability.asc().nullsLast(), t.studentId),
    index('risk_scores_snapshot_band_idx').on(t.snapshotId, t.band, t.probability.desc().nullsLast(), t.studentId),
    // One student's history.
    index('risk_scores_student_day_idx').on(t.studentId, t.asOf),
  ],
)

export type RiskScore = typeof riskScores.$inferSelect
export type NewRiskScore = typeof riskScores.$inferInsert
