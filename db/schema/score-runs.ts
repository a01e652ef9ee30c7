import { sql } from 'drizzle-orm'
import { bigint, date, index, integer, jsonb, pgEnum, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core'
import { models } from './models.ts'
import { organisations } from './organisations.ts'

export const scoreRunStatus = pgEnum('score_run_status', ['pending', 'running', 'succeeded', 'failed'])

/**
 * One scoring of a university's cohort as of a date. pending → running → succeeded | failed.
 * The partial unique index keeps at most one `pending` run per cohort: imports arriving while a
 * run waits join it (the debounce), an import arriving once it has started opens the next one.
 * A second partial unique index keeps at most one `running` run per cohort: a run due while
 * another runs waits (stays pending) and the finishing run hands over to it.
 * Batches record themselves in `batches_done` in the same transaction as their scores, so a retried
 * batch is counted once and the last one to finish closes the run.
 */
export const scoreRuns = pgTable(
  'score_runs',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    universityId: uuid('university_id')
      .notNull()
      .references(() => organisations.id, { onDelete: 'cascade' }),
    academicYear: text('academic_year').notNull(),
    asOf: date('as_of').notNull(),
    /** 'import', 'nightly' or 'manual'. */
    trigger: text('trigger').notNull(),
    status: scoreRunStatus('status').notNull().default('pending'),
    modelId: uuid('model_id').references(() => models.id, { onDelete: 'set null' }),
    /** The rows this run writes into (risk-scores.ts): set when it starts, with its model. */
    snapshotId: bigint('snapshot_id', { mode: 'number' }),
    dueAt: timestamp('due_at', { withTimezone: true }).notNull(),
    batchesTotal: integer('batches_total'),
    batchesDone: bigint('batches_done', { mode: 'number' })
      .array()
      .notNull()
      .default(sql`'{}'`),
    students: integer('students'),
    scored: integer('scored').notNull().default(0),
    nonEvaluable: integer('non_evaluable').notNull().default(0),
    /** Cohort facts computed once for every batch (ENT start, ECTS of each course unit). */
    context: jsonb('context').$type<Record<string, unknown>>(),
    error: text('error'),
    requestedAt: timestamp('requested_at', { withTimezone: true }).notNull().defaultNow(),
    startedAt: timestamp('started_at', { withTimezone: true }),
    finishedAt: timestamp('finished_at', { withTimezone: true }),
  },
  (t) => [
    uniqueIndex('score_runs_pending_key')
      .on(t.universityId, t.academicYear)
      .where(sql`${t.status} = 'pending'`),
    uniqueIndex('score_runs_running_key')
      .on(t.universityId, t.academicYear)
      .where(sql`${t.status} = 'running'`),
    index('score_runs_cohort_idx').on(t.universityId, t.academicYear, t.finishedAt),
  ],
)

export type ScoreRun = typeof scoreRuns.$inferSelect
