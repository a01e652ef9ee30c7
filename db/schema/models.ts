import { sql } from 'drizzle-orm'
import { boolean, date, index, integer, jsonb, pgEnum, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core'
import type { GroupRate, ModelSpec } from './scoring-types.ts'
import { id, timestamps } from './columns.ts'
import { organisations } from './organisations.ts'
import { users } from './users.ts'

export const modelKind = pgEnum('model_kind', ['expert', 'logistic'])

/** training → trained | failed. Training never activates a model: an admin does (`active`). */
export const modelStatus = pgEnum('model_status', ['training', 'trained', 'failed'])

/**
 * Risk models. The expert default (`university_id` null, version `expert-1`) serves a university
 * until an admin activates one of its trained models; at most one model is active per university.
 * `spec` holds everything needed to score: features, standardisation, coefficients (model.ts).
 */
export const models = pgTable(
  'models',
  {
    id: id(),
    version: text('version').notNull(),
    kind: modelKind('kind').notNull(),
    status: modelStatus('status').notNull(),
    /** The university the model is for (and trained on); null for the expert default. */
    universityId: uuid('university_id').references(() => organisations.id, { onDelete: 'cascade' }),
    trainingYear: text('training_year'),
    asOfDate: date('as_of_date'),
    asOfWeek: integer('as_of_week'),
    spec: jsonb('spec').$type<ModelSpec>(),
    /** Out-of-fold metrics (metrics.ts `Metrics` + fold AUCs). */
    metrics: jsonb('metrics').$type<Record<string, unknown>>(),
    groupRates: jsonb('group_rates').$type<GroupRate[]>(),
    /** Training options (folds, seed, λ…). */
    params: jsonb('params').$type<Record<string, unknown>>().notNull().default({}),
    trainingCount: integer('training_count'),
    trainingPositives: integer('training_positives'),
    error: text('error'),
    active: boolean('active').notNull().default(false),
    createdBy: uuid('created_by').references(() => users.id, { onDelete: 'set null' }),
    trainedAt: timestamp('trained_at', { withTimezone: true }),
    activatedAt: timestamp('activated_at', { withTimezone: true }),
    activatedBy: uuid('activated_by').references(() => users.id, { onDelete: 'set null' }),
    ...timestamps,
  },
  (t) => [
    uniqueIndex('models_version_key').on(t.version),
    uniqueIndex('models_active_university_key')
      .on(t.universityId)
      .where(sql`${t.active}`),
    index('models_university_idx').on(t.universityId, t.createdAt),
  ],
)

export type Model = typeof models.$inferSelect
