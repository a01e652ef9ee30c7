/**
 * Scoring of a university's cohort, and training of its models (docs/scoring.md).
 *
 *  import succeeded ─▶ `score.cohort` ─▶ requestRun: one pending run per cohort (debounce window)
 *  nightly          ─▶ `score.nightly` ─▶ requestRun for every cohort
 *  `score.run` (after the window) ─▶ claim, choose the model, cohort context, record the batches
 *  `score.batch` × n (a few hundred students each) ─▶ features (SQL) → model → risk_scores, and the
 *        batch recorded done, in ONE transaction; the last batch ranks the snapshot, closes the
 *        run and hands over to the cohort's pending run, if one waits
 *  `model.train` ─▶ features as of a week of a past year + outcomes → CV → stored, never activated
 *
 * One run of a cohort at a time (`score_runs_running_key`): a run due while another runs stays
 * pending until the running one ends and wakes it. Every follow-up job is written to the outbox in
 * the transaction of the change it follows, so a Redis failure or a crash between the commit and
 * the enqueue delays scoring, it never loses it (outbox.service.ts).
 *
 * Every job is safe to run twice: runs and models are claimed by status, batches are recorded once,
 * and scores are upserted on (student, model, as-of day) without rewriting an unchanged row.
 */
import { randomUUID } from 'node:crypto'
import type { Db, DbOrTx } from '../../db/client.ts'
import { isUniqueViolation } from '../../db/pg-errors.ts'
import {
  createScoringRepository,
  type CohortContext,
  type ScoreListFilters,
  type ScoreListRow,
  type StudentRange,
} from '../../db/repositories/scoring.repository.ts'
import type { Model } from '../../db/schema/models.ts'
import type { NewRiskScore } from '../../db/schema/risk-scores.ts'
import { BadInput, Conflict, Forbidden, NotFound } from '../errors.ts'
import type { Logger } from '../lib/logger.ts'
import type { OutboxService } from './outbox.service.ts'
import { canAccessOrganisation, isAdmin, type Principal } from './access.ts'
import type { AuditContext, AuditService } from './audit.service.ts'
import { DEFAULT_BAND_SETTINGS, bandOfProbability, validBandSettings, type BandSettings } from './scoring/bands.ts'
import { academicYearOf, academicYearStart, asOfDateOfWeek, firstDayOfYear, todayInParis, weekOfYear } from './scoring/calendar.ts'
import { EXPERT_MODEL_VERSION, expertModelSpec } from './scoring/expert-model.ts'
import type { StudentFacts } from './scoring/features.ts'
import { compileModel, type ModelSpec } from './scoring/model.ts'
import { ageBand, trainModel, type TrainOptions, type TrainResult, type TrainingSet } from './scoring/train.ts'

type Deps = {
  db: Db
  outbox: Pick<OutboxService, 'add' | 'dispatch'>
  log: Logger
  /** Every read of students' scores is recorded (docs/principles.md#users-and-roles: every access logged). */
  audit: Pick<AuditService, 'record'>
  config: { SCORE_DEBOUNCE_MS: number; SCORE_BATCH_SIZE: number; SCORE_AS_OF: string }
}

export type JobResult = 'done' | 'skipped'

/** A run left `running` this long without finishing is failed by the nightly job. */
const STALE_RUN_MS = 2 * 3600_000
/** A pending run this late has lost its job (the nightly job wakes it). */
const OVERDUE_RUN_MS = 3600_000
/** Students per statement when a whole cohort is read (training). */
const TRAINING_CHUNK = 2_000

/** The label of a year-end outcome: dropping out against anything else (docs/scoring.md). */
export const isDropout = (outcome: string): boolean => outcome === 'abandon'

export function createScoringService({ db, outbox, log, config, audit }: Deps) {
  const repo = createScoringRepository(db)

  const today = () => config.SCORE_AS_OF || todayInParis()

  /** The day a cohort is scored as of: today, or the year's last day for a past year; null for a future year. */
  function asOfFor(academicYear: string): string | null {
    const day = today()
    const start = firstDayOfYear(academicYear)
    if (day < start) {
      return null
    }
    const last = `${academicYearStart(academicYear) + 1}-08-31`
    return day > last ? last : day
  }

  async function modelFor(universityId: string): Promise<Model> {
    return (await repo.activeModel(universityId)) ?? (await repo.ensureExpertModel(EXPERT_MODEL_VERSION, expertModelSpec()))
  }

  /**
   * Records, in `q`'s transaction, the `score.run` job of the cohort's pending run, if one waits:
   * `wake` makes the job id new (the run's first job may have ended, skipped, while another ran).
   */
  async function wakePendingRun(q: DbOrTx, p: { universityId: string; academicYear: string }, wake: string): Promise<number[]> {
    const next = await createScoringRepository(q).pendingRunOf(p.universityId, p.academicYear)
    if (!next) {
      return []
    }
    return [await outbox.add(q, 'score.run', { runId: next.id, wake }, { delayMs: Math.max(0, next.dueAt.getTime() - Date.now()) })]
  }

  /**
   * Finishes a run whose batches are all done: ranks its snapshot (bands by rank in top-N mode),
   * closes it, and wakes the cohort's pending run. Returns the outbox rows to dispatch after commit.
   */
  async function finishRun(
    q: DbOrTx,
    run: { id: number; universityId: string; academicYear: string; snapshotId: number },
  ): Promise<number[]> {
    const r = createScoringRepository(q)
    await r.rankSnapshot(run.snapshotId, (await r.bandSettings(run.universityId)) ?? DEFAULT_BAND_SETTINGS)
    await r.updateRun(run.id, { status: 'succeeded', finishedAt: new Date() })
    return wakePendingRun(q, run, `after-${run.id}`)
  }

  async function refreshStatistics(): Promise<void> {
    try {
      await repo.refreshStatistics()
    } catch (err) {
      // Slower plans, same answers: not a reason to fail the run.
      log.warn({ err: { message: (err as Error).message } }, 'could not refresh planner statistics')
    }
  }

  /** Reads the facts of a whole cohort as of a date, in chunks (training). */
  async function cohortFacts(universityId: string, academicYear: string, asOf: string): Promise<StudentFacts[]> {
    await refreshStatistics()
    const context = await repo.cohortContext(universityId, academicYear, asOf)
    const ranges = await repo.cohortBatches(universityId, academicYear, asOf, TRAINING_CHUNK)
    const all: StudentFacts[] = []
    for (const range of ranges) {
      all.push(...(await repo.facts({ universityId, academicYear, asOf, fromId: range.fromId, toId: range.toId, context })))
    }
    return all
  }

  function assertUniversityScope(actor: Principal, universityId: string): void {
    if (actor.role !== 'admin' && actor.role !== 'university_staff') {
      throw new Forbidden()
    }
    if (!canAccessOrganisation(actor, universityId)) {
      // Another university's scores: as if they did not exist (access.ts).
      throw new NotFound()
    }
  }

  const service = {
    /** `score.cohort`: after an import, open (or join) the cohort's pending run. */
    async requestCohortScore(p: { universityId: string; academicYear: string; importId?: string }, trigger = 'import'): Promise<JobResult> {
      const asOf = asOfFor(p.academicYear)
      if (asOf === null) {
        log.info({ universityId: p.universityId, academicYear: p.academicYear }, 'cohort scoring skipped: the year has not started')
        return 'skipped'
      }
      const delayMs = trigger === 'import' ? config.SCORE_DEBOUNCE_MS : 0
      const { run, created, outboxIds } = await db.transaction(async (tx) => {
        const r = createScoringRepository(tx)
        if (p.importId) {
          await r.recordRequest({ universityId: p.universityId, academicYear: p.academicYear, importId: p.importId })
        }
        const requested = await r.requestRun({
          universityId: p.universityId,
          academicYear: p.academicYear,
          asOf,
          trigger,
          dueAt: new Date(Date.now() + delayMs),
        })
        // A new run gets its job, due after the debounce window; a run already pending has one.
        const ids = requested.created ? [await outbox.add(tx, 'score.run', { runId: requested.run.id }, { delayMs })] : []
        return { ...requested, outboxIds: ids }
      })
      await outbox.dispatch(outboxIds)
      log.info(
        { universityId: p.universityId, academicYear: p.academicYear, runId: run.id, created, importId: p.importId },
        'cohort scoring requested',
      )
      return created ? 'done' : 'skipped'
    },

    /**
     * `score.nightly`: fails runs stuck for hours (waking the run that waited behind each), opens
     * a run for every cohort of the current year, and wakes pending runs long overdue (their job
     * was lost for good: five failed attempts while the database was away).
     */
    async scoreEveryCohort(): Promise<JobResult> {
      const night = today().replaceAll('-', '')
      for (const stale of await repo.failStaleRuns(STALE_RUN_MS)) {
        const ids = await db.transaction((tx) => wakePendingRun(tx, stale, `after-${stale.id}`))
        await outbox.dispatch(ids)
      }
      const year = academicYearOf(today())
      for (const universityId of await repo.universitiesWithCohort(year)) {
        await service.requestCohortScore({ universityId, academicYear: year }, 'nightly')
      }
      for (const run of await repo.pendingRuns()) {
        if (run.dueAt.getTime() < Date.now() - OVERDUE_RUN_MS) {
          const ids = await db.transaction(async (tx) => [await outbox.add(tx, 'score.run', { runId: run.id, wake: `n${night}` })])
          await outbox.dispatch(ids)
        }
      }
      return 'done'
    },

    /**
     * `score.run`: claims the run, fixes its model, snapshot and context, and records its batches,
     * in one transaction. While another run of the cohort is running, the run stays pending: the
     * running one wakes it when it ends.
     */
    async startRun(runId: number): Promise<JobResult> {
      await refreshStatistics()
      let started: { outboxIds: number[] } | undefined
      try {
        started = await db.transaction(async (tx) => {
          const r = createScoringRepository(tx)
          const run = await r.claimRun(runId)
          if (!run) {
            return undefined
          }
          const model = await modelFor(run.universityId)
          const context = await r.cohortContext(run.universityId, run.academicYear, run.asOf)
          const ranges = await r.cohortBatches(run.universityId, run.academicYear, run.asOf, config.SCORE_BATCH_SIZE)
          const students = ranges.reduce((a, x) => a + x.count, 0)
          const snapshotId =
            (await r.snapshotOf({ universityId: run.universityId, academicYear: run.academicYear, modelId: model.id, asOf: run.asOf })) ??
            run.id
          await r.updateRun(runId, { modelId: model.id, snapshotId, context, batchesTotal: ranges.length, students })
          log.info(
            { runId, universityId: run.universityId, students, batches: ranges.length, model: model.version, snapshotId },
            'score run started',
          )
          if (ranges.length === 0) {
            return { outboxIds: await finishRun(tx, { ...run, snapshotId }) }
          }
          const ids: number[] = []
          for (const range of ranges) {
            ids.push(await outbox.add(tx, 'score.batch', { runId, fromId: range.fromId, toId: range.toId }))
          }
          return { outboxIds: ids }
        })
      } catch (err) {
        if (isUniqueViolation(err, 'score_runs_running_key')) {
          log.info({ runId }, 'score run waits: another run of the cohort is running')
          return 'skipped'
        }
        throw err
      }
      if (!started) {
        return 'skipped'
      }
      await outbox.dispatch(started.outboxIds)
      return 'done'
    },

    /** `score.batch`: one range of students, scored and written in one transaction. */
    async scoreBatch(p: { runId: number } & Omit<StudentRange, 'count'>): Promise<JobResult> {
      const run = await repo.runById(p.runId)
      if (!run || run.status !== 'running' || run.batchesDone.includes(p.fromId) || !run.modelId || run.snapshotId === null) {
        return 'skipped'
      }
      const snapshotId = run.snapshotId
      const model = await repo.modelById(run.modelId)
      if (!model?.spec) {
        throw new Error(`model ${run.modelId} has no spec`)
      }
      const compiled = compileModel(model.spec, run.academicYear, run.asOf)
      const result = await db.transaction(async (tx) => {
        const r = createScoringRepository(tx)
        const facts = await r.facts({
          universityId: run.universityId,
          academicYear: run.academicYear,
          asOf: run.asOf,
          fromId: p.fromId,
          toId: p.toId,
          context: run.context as CohortContext,
        })
        const settings = (await r.bandSettings(run.universityId)) ?? DEFAULT_BAND_SETTINGS
        const thresholds = settings.mode === 'thresholds' ? settings : { high: 2, medium: 2 } // top N: banded at the end
        let nonEvaluable = 0
        const rows: NewRiskScore[] = facts.map((f) => {
          const s = compiled.score(f)
          const base = {
            studentId: f.studentId,
            universityId: run.universityId,
            academicYear: run.academicYear,
            modelId: model.id,
            modelVersion: model.version,
            asOf: run.asOf,
            runId: run.id,
            snapshotId,
            coverage: Math.round(s.coverage * 1000) / 1000,
            missing: s.missing,
            features: s.features,
          }
          if (!s.evaluable) {
            nonEvaluable++
            return { ...base, probability: null, band: 'non_evaluable', reasons: [], nonEvaluableReason: s.reason }
          }
          return {
            ...base,
            probability: s.probability,
            band: bandOfProbability(s.probability, thresholds),
            reasons: s.reasons,
            nonEvaluableReason: null,
          }
        })
        await r.upsertScores(rows)
        const progress = await r.completeBatch(run.id, p.fromId, rows.length - nonEvaluable, nonEvaluable)
        if (!progress) {
          return { outcome: 'skipped' as const, outboxIds: [] }
        }
        if (progress.done === progress.total) {
          const outboxIds = await finishRun(tx, { ...run, snapshotId })
          log.info({ runId: run.id, universityId: run.universityId }, 'score run finished')
          return { outcome: 'done' as const, outboxIds }
        }
        return { outcome: 'done' as const, outboxIds: [] }
      })
      await outbox.dispatch(result.outboxIds)
      return result.outcome
    },

    // ─── Models ──────────────────────────────────────────────────────────────────────────────

    /**
     * Reads a labelled cohort as it was at `asOf` and trains on it (the code of `model.train` and
     * of `npm run model:evaluate`). Students without an outcome are left out.
     */
    async trainOnCohort(p: { universityId: string; academicYear: string; asOf: string; options?: TrainOptions }): Promise<TrainResult> {
      const facts = await cohortFacts(p.universityId, p.academicYear, p.asOf)
      const outcomes = await repo.outcomes(p.universityId, p.academicYear)
      const labelled = facts.filter((f) => outcomes.has(f.studentId))
      const names = await repo.territoryNames()
      const start = academicYearStart(p.academicYear)
      const set: TrainingSet = {
        academicYear: p.academicYear,
        facts: labelled,
        labels: Uint8Array.from(labelled, (f) => (isDropout(outcomes.get(f.studentId)!) ? 1 : 0)),
        groups: {
          campus: labelled.map((f) => f.campus),
          boursier: labelled.map((f) => (f.grantHolder === null ? null : f.grantHolder ? 'boursier' : 'non boursier')),
          territoire: labelled.map((f) => (f.territoryId ? (names.get(f.territoryId) ?? f.territoryId) : null)),
          age: labelled.map((f) => ageBand(f.birthYear === null ? null : start - f.birthYear)),
        },
      }
      return trainModel(set, p.options)
    },

    /** An admin asks for a model trained on a past year, as of a week of that year. */
    async requestTraining(
      actor: Principal,
      p: { universityId: string; academicYear: string; asOfWeek?: number; options?: TrainOptions },
    ): Promise<Model> {
      if (!isAdmin(actor)) {
        throw new Forbidden()
      }
      // By default the week of the current year we are in: last year's students as they looked then.
      const week = p.asOfWeek ?? Math.min(52, Math.max(1, weekOfYear(academicYearOf(today()), today())))
      if (!Number.isInteger(week) || week < 1 || week > 52) {
        throw new BadInput('La semaine de référence doit être un nombre entier entre 1 et 52.')
      }
      const id = randomUUID()
      // The model row and its `model.train` job in one transaction (the outbox).
      const { model, outboxIds } = await db.transaction(async (tx) => {
        const inserted = await createScoringRepository(tx).insertModel({
          id,
          version: `${p.academicYear.replace('/', '-')}-s${week}-${id.slice(0, 8)}`,
          kind: 'logistic',
          status: 'training',
          universityId: p.universityId,
          trainingYear: p.academicYear,
          asOfWeek: week,
          asOfDate: asOfDateOfWeek(p.academicYear, week),
          params: { ...(p.options ?? {}) },
          createdBy: actor.userId,
        })
        return { model: inserted, outboxIds: [await outbox.add(tx, 'model.train', { modelId: inserted.id })] }
      })
      await outbox.dispatch(outboxIds)
      return model
    },

    /** `model.train`: fits and stores; a failure is recorded in French on the model. */
    async runTraining(modelId: string): Promise<JobResult> {
      const model = await repo.claimTraining(modelId)
      if (!model?.universityId || !model.trainingYear || !model.asOfDate) {
        return 'skipped'
      }
      let result: TrainResult
      try {
        result = await service.trainOnCohort({
          universityId: model.universityId,
          academicYear: model.trainingYear,
          asOf: model.asOfDate,
          options: model.params,
        })
      } catch (err) {
        const message = (err as Error).message
        if (/too few outcomes/.test(message)) {
          await repo.updateModel(modelId, {
            status: 'failed',
            error: `Trop peu de devenirs connus pour ${model.trainingYear} : importez le fichier « devenir » de cette année, puis relancez l’entraînement.`,
          })
          return 'done'
        }
        throw err
      }
      const { calibration, ...headline } = result.metrics
      await repo.updateModel(modelId, {
        status: 'trained',
        spec: result.spec,
        metrics: { ...headline, calibration },
        groupRates: result.groupRates,
        params: result.options,
        trainingCount: result.metrics.count,
        trainingPositives: result.metrics.positives,
        trainedAt: new Date(),
      })
      log.info({ modelId, auc: result.metrics.auc, count: result.metrics.count }, 'model trained (not activated)')
      return 'done'
    },

    /** Models an actor may compare: their university's and the expert default. */
    async listModels(actor: Principal, universityId?: string): Promise<Model[]> {
      if (actor.role !== 'admin' && actor.role !== 'university_staff') {
        throw new Forbidden()
      }
      const scope = isAdmin(actor) ? (universityId ?? null) : actor.organisationId
      await repo.ensureExpertModel(EXPERT_MODEL_VERSION, expertModelSpec())
      return repo.listModels(scope)
    },

    /** Activation is an admin's decision, never training's (docs/principles.md#the-score-prioritises-a-human-decision). */
    async activateModel(actor: Principal, modelId: string): Promise<Model> {
      if (!isAdmin(actor)) {
        throw new Forbidden()
      }
      const model = await repo.modelById(modelId)
      if (!model) {
        throw new NotFound()
      }
      if (model.status !== 'trained' || !model.universityId) {
        throw new Conflict('Seul un modèle entraîné avec succès peut être activé.')
      }
      await db.transaction(async (tx) => createScoringRepository(tx).activate(model.id, model.universityId!, actor.userId))
      return (await repo.modelById(modelId))!
    },

    /** Back to the expert default for a university. */
    async deactivateModels(actor: Principal, universityId: string): Promise<void> {
      if (!isAdmin(actor)) {
        throw new Forbidden()
      }
      await repo.deactivateAll(universityId)
    },

    // ─── Reading scores (the pages and their JSON twins build on these) ──────────────────────

    /** The risk list of a cohort, filtered, keyset-paged. A university sees only its own. */
    async listScores(actor: Principal, filters: ScoreListFilters) {
      assertUniversityScope(actor, filters.universityId)
      return repo.listScores(filters)
    },

    /** One student's score history (the trend), in the actor's scope. */
    async studentHistory(actor: Principal, studentId: number) {
      const universityId = await repo.studentUniversity(studentId)
      if (!universityId) {
        throw new NotFound()
      }
      assertUniversityScope(actor, universityId)
      return repo.history(studentId)
    },

    async bandSettings(actor: Principal, universityId: string): Promise<BandSettings> {
      assertUniversityScope(actor, universityId)
      return (await repo.bandSettings(universityId)) ?? DEFAULT_BAND_SETTINGS
    },

    async setBandSettings(actor: Principal, universityId: string, settings: BandSettings): Promise<void> {
      assertUniversityScope(actor, universityId)
      if (!validBandSettings(settings)) {
        throw new BadInput('Seuils invalides : il faut 0 < seuil moyen < seuil élevé < 1, ou un nombre entier d’étudiants positif.')
      }
      await repo.setBandSettings(universityId, settings, actor.userId)
    },

    // ─── What the pages and the API read, each read in the audit log ─────────────────────────

    /** The current academic year ("2026/2027"), from today or SCORE_AS_OF. */
    currentYear: (): string => academicYearOf(today()),

    /** The risk list as a person reads it: scoped, with the band counts, recorded in the audit log. */
    async riskList(ctx: AuditContext & { actor: Principal }, filters: ScoreListFilters) {
      const { run, rows } = await service.listScores(ctx.actor, filters)
      const counts = run?.snapshotId ? await repo.bandCounts(run.snapshotId) : { eleve: 0, moyen: 0, faible: 0, non_evaluable: 0 }
      const model = run?.modelId ? await repo.modelById(run.modelId) : undefined
      await audit.record(ctx, {
        action: 'risk_scores.list',
        entityType: 'organisation',
        entityId: filters.universityId,
        details: { academicYear: filters.academicYear, rows: rows.length, runId: run?.id ?? null, filters: filterDetails(filters) },
      })
      return { run, rows, counts, model: model ? { id: model.id, version: model.version, kind: model.kind } : null }
    },

    /**
     * Every row of the filtered risk list, page by page (keyset), for the CSV export; the export
     * itself is recorded once, with the number of rows.
     */
    async *exportRows(
      ctx: AuditContext & { actor: Principal },
      filters: Omit<ScoreListFilters, 'after' | 'limit'>,
    ): AsyncGenerator<ScoreListRow> {
      assertUniversityScope(ctx.actor, filters.universityId)
      let after: ScoreListFilters['after']
      let count = 0
      let runId: number | null = null
      for (;;) {
        const { run, rows } = await repo.listScores({ ...filters, limit: 500, ...(after ? { after } : {}) })
        runId = run?.id ?? null
        for (const row of rows) {
          yield row
        }
        count += rows.length
        if (rows.length < 500) {
          break
        }
        const last = rows.at(-1)!
        after = { probability: last.probability, studentId: last.studentId }
      }
      await audit.record(ctx, {
        action: 'risk_scores.export',
        entityType: 'organisation',
        entityId: filters.universityId,
        details: { academicYear: filters.academicYear, rows: count, runId, filters: filterDetails(filters) },
      })
    },

    /** Counts only (no student): the home page's card. */
    async riskSummary(actor: Principal, universityId: string) {
      assertUniversityScope(actor, universityId)
      const run = await repo.latestRun(universityId, academicYearOf(today()))
      if (!run?.snapshotId) {
        return { run: null, high: 0, nonEvaluable: 0 }
      }
      const counts = await repo.bandCounts(run.snapshotId)
      return { run: { asOf: run.asOf }, high: counts.eleve, nonEvaluable: counts.non_evaluable }
    },

    /** The choices of the risk list's filters (faculties, steps, levels, campuses of the cohort). */
    async filterOptions(actor: Principal, universityId: string, academicYear: string) {
      assertUniversityScope(actor, universityId)
      return repo.filterOptions(universityId, academicYear)
    },

    /** One student's page: pseudonym, enrolment, score history; recorded in the audit log. */
    async studentScores(ctx: AuditContext & { actor: Principal }, studentId: number) {
      const student = await repo.studentSummary(studentId)
      if (!student) {
        throw new NotFound()
      }
      assertUniversityScope(ctx.actor, student.universityId)
      const history = await repo.history(studentId)
      await audit.record(ctx, {
        action: 'risk_scores.read',
        entityType: 'student',
        entityId: String(studentId),
        details: { scores: history.length },
      })
      return { student, history }
    },

    /** One model, for the model page (admins). */
    async model(actor: Principal, modelId: string): Promise<Model> {
      if (!isAdmin(actor)) {
        throw new Forbidden()
      }
      const model = await repo.modelById(modelId)
      if (!model) {
        throw new NotFound()
      }
      return model
    },

    /** The model a university is scored with now (for the model page). */
    currentModel: modelFor,
    /** The spec of the expert default (for the model page and the docs). */
    expertSpec: (): ModelSpec => expertModelSpec(),
  }
  return service
}
export type ScoringService = ReturnType<typeof createScoringService>

/** The filters of a list, for the audit log (codes and ids only, never a pseudonym). */
function filterDetails(f: Omit<ScoreListFilters, 'after' | 'limit'>): Record<string, string> {
  const out: Record<string, string> = {}
  for (const key of ['band', 'faculty', 'stepCode', 'level', 'campus', 'territoryId', 'order'] as const) {
    const v = f[key]
    if (v) {
      out[key] = v
    }
  }
  return out
}
