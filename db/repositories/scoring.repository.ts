/**
 * Scoring data: point-in-time features as set-based SQL, models, runs and risk scores.
 * Built from `q: Db | Tx`, so a batch writes its scores and records itself done in one
 * transaction (docs/principles.md#code-conventions: repositories that join a transaction).
 *
 * Point in time: every feature of a student "as of D" reads only rows dated on or before D —
 * sessions by `session_date`, weekly attendance and ENT rows once their week is over
 * (`week_start + 6 <= D`), results from their known-from date (calendar.ts `resultKnownFrom`,
 * the same rule in SQL below), enrolments registered on or before D.
 */
import { and, asc, desc, eq, sql, type SQL } from 'drizzle-orm'
import type { DbOrTx } from '../client.ts'
import { models, type Model } from '../schema/models.ts'
import { riskScores, type NewRiskScore, type RiskScore } from '../schema/risk-scores.ts'
import { scoreRequests } from '../schema/score-requests.ts'
import { scoreRuns, type ScoreRun } from '../schema/score-runs.ts'
import { scoringSettings } from '../schema/scoring-settings.ts'
import { SEMESTER_PATTERN, firstDayOfYear, weeksWithoutLms, type Band } from '../vocabulary/index.ts'
import type { BandSettings, ModelSpec, StudentFacts } from '../schema/scoring-types.ts'

/** Facts shared by every batch of a run, computed once (`cohortContext`). */
export type CohortContext = {
  /** Monday of the first ENT week the university sent this year, or null (no ENT data). */
  lmsFirstWeek: string | null
  /** ECTS of each course unit (the most any student earned in it), to count attempted credits. */
  unitEcts: Record<string, number>
}

/** A course unit whose credits nobody has earned yet counts for this (30 ECTS a semester / 5 units). */
export const DEFAULT_UNIT_ECTS = 6

export type StudentRange = { fromId: number; toId: number; count: number }

export type ScoreListFilters = {
  universityId: string
  academicYear: string
  band?: Band
  faculty?: string
  stepCode?: string
  level?: string
  campus?: string
  /** The Mission Locale whose territory holds the home commune. */
  territoryId?: string
  /** Keyset: the last row of the previous page. */
  after?: { probability: number | null; studentId: number }
  /** Highest probability first (default) or lowest first; non évaluable last either way. */
  order?: 'desc' | 'asc'
  limit?: number
}

/** The values the risk list can be filtered on, as they appear in the cohort's enrolments. */
export type ScoreFilterOptions = { faculties: string[]; steps: string[]; levels: string[]; campuses: string[] }

/** What the student page may show about a student: the pseudonym and the enrolment, no name. */
export type StudentSummary = {
  studentId: number
  universityId: string
  pseudoId: string
  academicYear: string | null
  faculty: string | null
  stepCode: string | null
  stepLabel: string | null
  level: string | null
  campus: string | null
  territoryId: string | null
}

export type ScoreListRow = {
  studentId: number
  pseudoId: string
  probability: number | null
  band: Band
  rank: number | null
  reasons: RiskScore['reasons']
  missing: string[]
  nonEvaluableReason: string | null
  coverage: number
  modelVersion: string
  asOf: string
  faculty: string | null
  stepCode: string | null
  level: string | null
  campus: string | null
  territoryId: string | null
}

/** When a result is known: `least(jury date of its session, upload day)` (calendar.ts). */
const knownFrom = (year: string): SQL => sql`least(
  CASE
    WHEN r.session >= 2 THEN make_date(${Number(year.slice(5, 9))}, 7, 15)
    WHEN substring(r.course_unit FROM ${SEMESTER_PATTERN})::int % 2 = 1 THEN make_date(${Number(year.slice(5, 9))}, 2, 1)
    ELSE make_date(${Number(year.slice(5, 9))}, 6, 15)
  END,
  (i.created_at AT TIME ZONE 'Europe/Paris')::date)`

type FactsRow = {
  student_id: number
  level: string | null
  step_code: string | null
  faculty: string | null
  campus: string | null
  birth_year: number | null
  grant_holder: boolean | null
  registration_date: string | null
  admin_status: string | null
  pedagogical_status: string | null
  study_regime: string | null
  oui_si: boolean | null
  territory_id: string | null
  att_first: string | null
  exp: number
  att: number
  exp2: number
  att2: number
  exp4: number
  att4: number
  exp_before: number
  att_before: number
  abi: number
  weeks_without: number | null
  abi_by_type: Record<string, number> | null
  units_known: number
  units_admitted: number
  units_failed: number
  units_missing: number
  def_dem: number
  ects_earned: number
  ects_attempted: number
  mean_grade: number | null
  lms_weeks: number
  lms_last_active: string | null
  indicators: Record<string, number | null> | null
}

export type FactsParams = {
  universityId: string
  academicYear: string
  asOf: string
  fromId: number
  toId: number
  context: CohortContext
}

/**
 * The facts of every cohort student with an id in [fromId, toId], as of `asOf`: one statement,
 * every table read by primary-key range (all of them start with student_id), aggregated per
 * student. No side effect. Exported for EXPLAIN in the benchmark.
 */
export function factsQuery(p: FactsParams): SQL {
  const { universityId, academicYear: year, asOf, fromId, toId } = p
  const yearStart = firstDayOfYear(year)
  return sql`
        WITH cohort AS (
          SELECT s.id AS student_id, e.level, e.step_code, e.faculty, e.campus, e.birth_year, e.grant_holder,
                 e.registration_date, e.admin_status, e.pedagogical_status, e.study_regime, e.oui_si,
                 c.mission_locale_id AS territory_id
          FROM students s
          JOIN enrolments e ON e.student_id = s.id AND e.academic_year = ${year}
          LEFT JOIN communes c ON c.insee_code = e.home_commune_insee
          WHERE s.university_id = ${universityId} AND s.id BETWEEN ${fromId} AND ${toId}
            AND (e.registration_date IS NULL OR e.registration_date <= ${asOf}::date)
        ),
        att AS (
          SELECT a.student_id, a.session_date AS ed, a.session_type AS typ,
                 (a.presence <> 'excused')::int AS exp,
                 (a.presence IN ('present', 'late'))::int AS att,
                 (a.presence = 'absent_unjustified')::int AS abi
          FROM attendance_sessions a
          WHERE a.student_id BETWEEN ${fromId} AND ${toId} AND a.session_date BETWEEN ${yearStart}::date AND ${asOf}::date
          UNION ALL
          SELECT w.student_id, w.week_start + 6, '', w.sessions_expected, w.sessions_attended, 0
          FROM attendance_weeks w
          WHERE w.student_id BETWEEN ${fromId} AND ${toId} AND w.week_start + 6 BETWEEN ${yearStart}::date AND ${asOf}::date
        ),
        att_agg AS MATERIALIZED (
          SELECT student_id, min(ed) AS att_first, sum(exp)::int AS exp, sum(att)::int AS att,
                 coalesce(sum(exp) FILTER (WHERE ed > ${asOf}::date - 14), 0)::int AS exp2,
                 coalesce(sum(att) FILTER (WHERE ed > ${asOf}::date - 14), 0)::int AS att2,
                 coalesce(sum(exp) FILTER (WHERE ed > ${asOf}::date - 28), 0)::int AS exp4,
                 coalesce(sum(att) FILTER (WHERE ed > ${asOf}::date - 28), 0)::int AS att4,
                 coalesce(sum(exp) FILTER (WHERE ed <= ${asOf}::date - 28), 0)::int AS exp_before,
                 coalesce(sum(att) FILTER (WHERE ed <= ${asOf}::date - 28), 0)::int AS att_before,
                 sum(abi)::int AS abi
          FROM att GROUP BY student_id
        ),
        abi_types AS MATERIALIZED (
          SELECT student_id, jsonb_object_agg(typ, n) AS abi_by_type
          FROM (SELECT student_id, typ, sum(abi)::int AS n FROM att WHERE abi = 1 GROUP BY 1, 2) t
          GROUP BY student_id
        ),
        att_weeks AS (
          SELECT student_id, date_trunc('week', ed)::date AS wk, sum(att) AS a
          FROM att GROUP BY 1, 2 HAVING sum(exp) > 0
        ),
        streak AS MATERIALIZED (
          SELECT w.student_id, (count(*) FILTER (WHERE l.last_wk IS NULL OR w.wk > l.last_wk))::int AS weeks_without
          FROM att_weeks w
          LEFT JOIN (SELECT student_id, max(wk) AS last_wk FROM att_weeks WHERE a > 0 GROUP BY 1) l USING (student_id)
          GROUP BY w.student_id
        ),
        res AS (
          SELECT DISTINCT ON (r.student_id, r.course_unit) r.student_id, r.course_unit, r.grade, r.result, r.ects
          FROM results r LEFT JOIN imports i ON i.id = r.import_id
          WHERE r.student_id BETWEEN ${fromId} AND ${toId} AND r.academic_year = ${year}
            AND ${knownFrom(year)} <= ${asOf}::date
          ORDER BY r.student_id, r.course_unit, r.session DESC
        ),
        res_agg AS MATERIALIZED (
          SELECT student_id, count(*)::int AS units_known,
                 count(*) FILTER (WHERE result = 'admitted')::int AS units_admitted,
                 count(*) FILTER (WHERE result = 'failed')::int AS units_failed,
                 count(*) FILTER (WHERE result IN ('absent_unjustified', 'absent_justified', 'defaulted', 'withdrew'))::int AS units_missing,
                 count(*) FILTER (WHERE result IN ('defaulted', 'withdrew'))::int AS def_dem,
                 coalesce(sum(ects) FILTER (WHERE result = 'admitted'), 0)::float8 AS ects_earned,
                 coalesce(sum(
                   CASE WHEN result IN ('pending', 'other') OR result IS NULL THEN 0
                        WHEN result = 'admitted' AND ects > 0 THEN ects
                        ELSE coalesce((${JSON.stringify(p.context.unitEcts)}::jsonb ->> course_unit)::float8, ${DEFAULT_UNIT_ECTS}) END
                 ), 0)::float8 AS ects_attempted,
                 avg(grade)::float8 AS mean_grade
          FROM res GROUP BY student_id
        ),
        lms AS MATERIALIZED (
          SELECT student_id, count(*)::int AS lms_weeks, max(week_start) FILTER (WHERE logins > 0) AS lms_last_active
          FROM lms_activity
          WHERE student_id BETWEEN ${fromId} AND ${toId} AND week_start + 6 >= ${yearStart}::date AND week_start + 6 <= ${asOf}::date
          GROUP BY student_id
        ),
        ind AS MATERIALIZED (
          SELECT student_id, jsonb_object_agg(name, value ORDER BY academic_year, source_kind) AS indicators
          FROM student_indicators
          WHERE student_id BETWEEN ${fromId} AND ${toId} AND academic_year IN (${year}, '')
          GROUP BY student_id
        )
        SELECT c.*, a.att_first, coalesce(a.exp, 0) AS exp, coalesce(a.att, 0) AS att, coalesce(a.exp2, 0) AS exp2,
               coalesce(a.att2, 0) AS att2, coalesce(a.exp4, 0) AS exp4, coalesce(a.att4, 0) AS att4,
               coalesce(a.exp_before, 0) AS exp_before, coalesce(a.att_before, 0) AS att_before, coalesce(a.abi, 0) AS abi,
               st.weeks_without, t.abi_by_type,
               coalesce(r.units_known, 0) AS units_known, coalesce(r.units_admitted, 0) AS units_admitted,
               coalesce(r.units_failed, 0) AS units_failed, coalesce(r.units_missing, 0) AS units_missing,
               coalesce(r.def_dem, 0) AS def_dem, coalesce(r.ects_earned, 0) AS ects_earned,
               coalesce(r.ects_attempted, 0) AS ects_attempted, r.mean_grade,
               coalesce(l.lms_weeks, 0) AS lms_weeks, l.lms_last_active, ind.indicators
        FROM cohort c
        LEFT JOIN att_agg a USING (student_id)
        LEFT JOIN abi_types t USING (student_id)
        LEFT JOIN streak st USING (student_id)
        LEFT JOIN res_agg r USING (student_id)
        LEFT JOIN lms l USING (student_id)
        LEFT JOIN ind USING (student_id)
        ORDER BY c.student_id`
}

export function createScoringRepository(q: DbOrTx) {
  return {
    // ─── Cohorts and features ────────────────────────────────────────────────────────────────

    /**
     * The cohort as of a date (students enrolled for the year, registered on or before it), cut
     * into id ranges of `size` students: one batch job each. Reads enrolments by primary key.
     */
    async cohortBatches(universityId: string, academicYear: string, asOf: string, size: number): Promise<StudentRange[]> {
      const rows = await q.execute<{ from_id: number; to_id: number; n: number }>(sql`
        SELECT min(id)::bigint AS from_id, max(id)::bigint AS to_id, count(*)::int AS n
        FROM (
          SELECT s.id, (row_number() OVER (ORDER BY s.id) - 1) / ${size} AS b
          FROM students s JOIN enrolments e ON e.student_id = s.id AND e.academic_year = ${academicYear}
          WHERE s.university_id = ${universityId} AND (e.registration_date IS NULL OR e.registration_date <= ${asOf}::date)
        ) t
        GROUP BY b ORDER BY b`)
      return rows.map((r) => ({ fromId: Number(r.from_id), toId: Number(r.to_id), count: r.n }))
    },

    /** Cohort-level facts every batch needs: one scan of ENT weeks and of the year's results. */
    async cohortContext(universityId: string, academicYear: string, asOf: string): Promise<CohortContext> {
      const yearStart = firstDayOfYear(academicYear)
      const [lms] = await q.execute<{ first: string | null }>(sql`
        SELECT min(l.week_start) AS first FROM lms_activity l JOIN students s ON s.id = l.student_id
        WHERE s.university_id = ${universityId} AND l.week_start + 6 >= ${yearStart}::date AND l.week_start + 6 <= ${asOf}::date`)
      const units = await q.execute<{ course_unit: string; ects: number }>(sql`
        SELECT r.course_unit, max(r.ects)::float8 AS ects
        FROM results r JOIN students s ON s.id = r.student_id LEFT JOIN imports i ON i.id = r.import_id
        WHERE s.university_id = ${universityId} AND r.academic_year = ${academicYear} AND r.result = 'admitted' AND r.ects > 0
          AND ${knownFrom(academicYear)} <= ${asOf}::date
        GROUP BY r.course_unit`)
      return { lmsFirstWeek: lms?.first ?? null, unitEcts: Object.fromEntries(units.map((u) => [u.course_unit, u.ects])) }
    },

    /**
     * The facts of every cohort student with an id in [fromId, toId], as of `asOf`: one statement,
     * every table read by primary-key range (all of them start with student_id), aggregated per
     * student in SQL. No side effect.
     */
    async facts(p: FactsParams): Promise<StudentFacts[]> {
      const rows = await q.execute<FactsRow>(factsQuery(p))
      const { asOf } = p
      return rows.map((r) => ({
        studentId: Number(r.student_id),
        level: r.level,
        stepCode: r.step_code,
        faculty: r.faculty,
        campus: r.campus,
        birthYear: r.birth_year,
        grantHolder: r.grant_holder,
        registrationDate: r.registration_date,
        adminStatus: r.admin_status,
        pedagogicalStatus: r.pedagogical_status,
        studyRegime: r.study_regime,
        ouiSi: r.oui_si,
        territoryId: r.territory_id,
        attFirstDate: r.att_first,
        attExpected: r.exp,
        attAttended: r.att,
        att2wExpected: r.exp2,
        att2wAttended: r.att2,
        att4wExpected: r.exp4,
        att4wAttended: r.att4,
        attBeforeExpected: r.exp_before,
        attBeforeAttended: r.att_before,
        weeksWithoutAttendance: r.weeks_without,
        abiCount: r.abi,
        abiByType: r.abi_by_type ?? {},
        unitsKnown: r.units_known,
        unitsAdmitted: r.units_admitted,
        unitsFailed: r.units_failed,
        unitsMissing: r.units_missing,
        defDemCount: r.def_dem,
        ectsEarned: r.ects_earned,
        ectsAttempted: r.ects_attempted,
        meanGrade: r.mean_grade,
        lmsWeeks: r.lms_weeks,
        weeksWithoutLms: weeksWithoutLms(r.lms_last_active, p.context.lmsFirstWeek, asOf),
        indicators: r.indicators ?? {},
      }))
    },

    /**
     * Fresh planner statistics for the tables the features read. Run once per score run and per
     * training: right after a bulk import the statistics still describe empty tables, and the
     * planner then loops over every aggregate once per student (seconds per batch instead of
     * milliseconds). ANALYZE samples a fixed number of rows, so this stays cheap on big tables.
     */
    async refreshStatistics(): Promise<void> {
      await q.execute(
        sql`ANALYZE students, enrolments, attendance_sessions, attendance_weeks, results, lms_activity, student_indicators, imports, communes`,
      )
    },

    /** Year-end outcomes (the training labels) of a university's students for one year. */
    async outcomes(universityId: string, academicYear: string): Promise<Map<number, string>> {
      const rows = await q.execute<{ student_id: number; outcome: string }>(sql`
        SELECT o.student_id, o.outcome FROM outcomes o JOIN students s ON s.id = o.student_id
        WHERE s.university_id = ${universityId} AND o.academic_year = ${academicYear}`)
      return new Map(rows.map((r) => [Number(r.student_id), r.outcome]))
    },

    /** Universities with enrolments for the year: the nightly run scores each of them. */
    async universitiesWithCohort(academicYear: string): Promise<string[]> {
      const rows = await q.execute<{ university_id: string }>(sql`
        SELECT DISTINCT s.university_id FROM enrolments e JOIN students s ON s.id = e.student_id
        WHERE e.academic_year = ${academicYear}`)
      return rows.map((r) => r.university_id)
    },

    /** Mission Locale names, for the fairness table (organisations are not personal data). */
    async territoryNames(): Promise<Map<string, string>> {
      const rows = await q.execute<{ id: string; short_name: string }>(
        sql`SELECT id, short_name FROM organisations WHERE kind = 'mission_locale'`,
      )
      return new Map(rows.map((r) => [r.id, r.short_name]))
    },

    // ─── Models ──────────────────────────────────────────────────────────────────────────────

    /** The expert default, created on first use (idempotent: the version is unique). */
    async ensureExpertModel(version: string, spec: ModelSpec): Promise<Model> {
      await q
        .insert(models)
        .values({ version, kind: 'expert', status: 'trained', spec, universityId: null, trainedAt: new Date() })
        .onConflictDoNothing({ target: models.version })
      const [row] = await q.select().from(models).where(eq(models.version, version))
      return row as Model
    },
    async activeModel(universityId: string): Promise<Model | undefined> {
      const [row] = await q
        .select()
        .from(models)
        .where(and(eq(models.universityId, universityId), eq(models.active, true)))
      return row
    },
    async modelById(id: string): Promise<Model | undefined> {
      const [row] = await q.select().from(models).where(eq(models.id, id))
      return row
    },
    /** Models of a university (null: every model), newest first, the expert default included. */
    async listModels(universityId: string | null): Promise<Model[]> {
      return q
        .select()
        .from(models)
        .where(universityId ? sql`${models.universityId} = ${universityId} OR ${models.universityId} IS NULL` : undefined)
        .orderBy(desc(models.createdAt))
    },
    async insertModel(values: typeof models.$inferInsert): Promise<Model> {
      const [row] = await q.insert(models).values(values).returning()
      return row as Model
    },
    /** Claims a model for training: only from `training`, so a finished one is never refitted. */
    async claimTraining(id: string): Promise<Model | undefined> {
      const [row] = await q
        .update(models)
        .set({ updatedAt: new Date() })
        .where(and(eq(models.id, id), eq(models.status, 'training')))
        .returning()
      return row
    },
    async updateModel(id: string, patch: Partial<typeof models.$inferInsert>): Promise<void> {
      await q
        .update(models)
        .set({ ...patch, updatedAt: new Date() })
        .where(eq(models.id, id))
    },
    /** Makes `id` the active model of its university, and no other (call inside a transaction). */
    async activate(id: string, universityId: string, by: string): Promise<void> {
      await q
        .update(models)
        .set({ active: false, updatedAt: new Date() })
        .where(and(eq(models.universityId, universityId), eq(models.active, true)))
      await q.update(models).set({ active: true, activatedAt: new Date(), activatedBy: by, updatedAt: new Date() }).where(eq(models.id, id))
    },
    /** Back to the expert default for this university. */
    async deactivateAll(universityId: string): Promise<void> {
      await q
        .update(models)
        .set({ active: false, updatedAt: new Date() })
        .where(and(eq(models.universityId, universityId), eq(models.active, true)))
    },

    // ─── Runs ────────────────────────────────────────────────────────────────────────────────

    /**
     * Opens the pending run of a cohort, or returns the one already pending (the debounce: the
     * partial unique index `score_runs_pending_key` admits one). `created` says which.
     */
    async requestRun(p: {
      universityId: string
      academicYear: string
      asOf: string
      trigger: string
      dueAt: Date
    }): Promise<{ run: ScoreRun; created: boolean }> {
      const inserted = await q.execute<{ id: number }>(sql`
        INSERT INTO score_runs (university_id, academic_year, as_of, trigger, status, due_at)
        VALUES (${p.universityId}, ${p.academicYear}, ${p.asOf}::date, ${p.trigger}, 'pending', ${p.dueAt.toISOString()}::timestamptz)
        ON CONFLICT (university_id, academic_year) WHERE status = 'pending' DO NOTHING
        RETURNING id`)
      const created = inserted.length > 0
      const [run] = await q
        .select()
        .from(scoreRuns)
        .where(
          created
            ? eq(scoreRuns.id, Number(inserted[0]!.id))
            : and(eq(scoreRuns.universityId, p.universityId), eq(scoreRuns.academicYear, p.academicYear), eq(scoreRuns.status, 'pending')),
        )
      if (!run) {
        // The pending run started between the two statements: ask again.
        return this.requestRun(p)
      }
      return { run, created }
    },
    /** The trace of an import that asked for scoring: once per import, whatever the retries. */
    async recordRequest(p: { universityId: string; academicYear: string; importId: string }): Promise<void> {
      await q.insert(scoreRequests).values(p).onConflictDoNothing({ target: scoreRequests.importId })
    },
    /**
     * pending → running. Returns nothing when the run is not pending (a duplicate job). Throws a
     * unique violation on `score_runs_running_key` while another run of the cohort is running:
     * the caller leaves this one pending, and the running one hands over to it when it ends.
     */
    async claimRun(id: number): Promise<ScoreRun | undefined> {
      const [row] = await q
        .update(scoreRuns)
        .set({ status: 'running', startedAt: new Date() })
        .where(and(eq(scoreRuns.id, id), eq(scoreRuns.status, 'pending')))
        .returning()
      return row
    },
    async runById(id: number): Promise<ScoreRun | undefined> {
      const [row] = await q.select().from(scoreRuns).where(eq(scoreRuns.id, id))
      return row
    },
    async updateRun(id: number, patch: Partial<typeof scoreRuns.$inferInsert>): Promise<void> {
      await q.update(scoreRuns).set(patch).where(eq(scoreRuns.id, id))
    },
    /**
     * Records a batch done, once: a retried batch finds its id already there and changes nothing.
     * Returns the run's progress after the update, or undefined when it was already recorded.
     */
    async completeBatch(
      runId: number,
      fromId: number,
      scored: number,
      nonEvaluable: number,
    ): Promise<{ done: number; total: number } | undefined> {
      const rows = await q.execute<{ done: number; total: number }>(sql`
        UPDATE score_runs SET batches_done = array_append(batches_done, ${fromId}::bigint),
               scored = scored + ${scored}, non_evaluable = non_evaluable + ${nonEvaluable}
        WHERE id = ${runId} AND status = 'running' AND NOT (${fromId}::bigint = ANY (batches_done))
        RETURNING cardinality(batches_done)::int AS done, batches_total AS total`)
      return rows[0]
    },
    /** The cohort's pending run, if any (the one a finishing run hands over to). */
    async pendingRunOf(universityId: string, academicYear: string): Promise<ScoreRun | undefined> {
      const [row] = await q
        .select()
        .from(scoreRuns)
        .where(and(eq(scoreRuns.universityId, universityId), eq(scoreRuns.academicYear, academicYear), eq(scoreRuns.status, 'pending')))
      return row
    },
    /**
     * The snapshot a run writes into: the one of the earlier runs of the same cohort, model and
     * as-of day (they all write the same rows), or undefined for the first of them.
     */
    async snapshotOf(p: { universityId: string; academicYear: string; modelId: string; asOf: string }): Promise<number | undefined> {
      const [row] = await q.execute<{ snapshot_id: string | number | null }>(sql`
        SELECT min(snapshot_id) AS snapshot_id FROM score_runs
        WHERE university_id = ${p.universityId} AND academic_year = ${p.academicYear} AND model_id = ${p.modelId}
          AND as_of = ${p.asOf}::date AND snapshot_id IS NOT NULL`)
      return row?.snapshot_id === null || row?.snapshot_id === undefined ? undefined : Number(row.snapshot_id)
    },
    /** The run the risk list shows: the latest finished one of the cohort. */
    async latestRun(universityId: string, academicYear: string): Promise<ScoreRun | undefined> {
      const [row] = await q
        .select()
        .from(scoreRuns)
        .where(and(eq(scoreRuns.universityId, universityId), eq(scoreRuns.academicYear, academicYear), eq(scoreRuns.status, 'succeeded')))
        .orderBy(desc(scoreRuns.finishedAt))
        .limit(1)
      return row
    },
    async pendingRuns(): Promise<ScoreRun[]> {
      return q.select().from(scoreRuns).where(eq(scoreRuns.status, 'pending')).orderBy(asc(scoreRuns.id))
    },

    /** Runs left `running` for longer than `ms` (a lost batch): failed, with a French message. */
    async failStaleRuns(ms: number): Promise<{ id: number; universityId: string; academicYear: string }[]> {
      const rows = await q.execute<{ id: string | number; university_id: string; academic_year: string }>(sql`
        UPDATE score_runs SET status = 'failed', finished_at = now(),
          error = 'Le calcul des scores ne s’est pas terminé ; il sera relancé au prochain passage.'
        WHERE status = 'running' AND started_at < now() - make_interval(secs => ${ms / 1000})
        RETURNING id, university_id, academic_year`)
      return rows.map((r) => ({ id: Number(r.id), universityId: r.university_id, academicYear: r.academic_year }))
    },

    // ─── Scores ──────────────────────────────────────────────────────────────────────────────

    /**
     * Writes a batch of scores: one row per (student, model, as-of day). A row already there is
     * updated only when something differs, so re-running the same job writes nothing.
     * Returns the number of rows inserted or changed.
     */
    async upsertScores(rows: NewRiskScore[]): Promise<number> {
      if (rows.length === 0) {
        return 0
      }
      const written = await q
        .insert(riskScores)
        .values(rows)
        .onConflictDoUpdate({
          target: [riskScores.studentId, riskScores.modelId, riskScores.asOf],
          set: {
            runId: sql`excluded.run_id`,
            snapshotId: sql`excluded.snapshot_id`,
            probability: sql`excluded.probability`,
            band: sql`excluded.band`,
            coverage: sql`excluded.coverage`,
            reasons: sql`excluded.reasons`,
            missing: sql`excluded.missing`,
            nonEvaluableReason: sql`excluded.non_evaluable_reason`,
            features: sql`excluded.features`,
            updatedAt: sql`now()`,
          },
          setWhere: sql`(${riskScores.runId}, ${riskScores.snapshotId}, ${riskScores.probability}, ${riskScores.band}, ${riskScores.coverage}, ${riskScores.reasons}, ${riskScores.missing}, ${riskScores.nonEvaluableReason}, ${riskScores.features})
            IS DISTINCT FROM (excluded.run_id, excluded.snapshot_id, excluded.probability, excluded.band, excluded.coverage, excluded.reasons, excluded.missing, excluded.non_evaluable_reason, excluded.features)`,
        })
        .returning({ id: riskScores.id })
      return written.length
    },
    /**
     * Ranks a finished run's snapshot (1 = highest probability) and, in "top N" mode, sets the
     * bands by rank. One statement over the snapshot's rows; rows already right are not rewritten.
     */
    async rankSnapshot(snapshotId: number, settings: BandSettings): Promise<void> {
      const band =
        settings.mode === 'top_n'
          ? sql`CASE WHEN x.rk <= ${settings.topN} THEN 'eleve' WHEN x.rk <= ${2 * settings.topN} THEN 'moyen' ELSE 'faible' END::risk_band`
          : sql`r.band`
      await q.execute(sql`
        UPDATE risk_scores r SET rank = x.rk, band = ${band}
        FROM (
          SELECT id, row_number() OVER (ORDER BY probability DESC, student_id)::int AS rk
          FROM risk_scores WHERE snapshot_id = ${snapshotId} AND probability IS NOT NULL
        ) x
        WHERE r.id = x.id AND (r.rank IS DISTINCT FROM x.rk OR r.band IS DISTINCT FROM ${band})`)
    },

    /**
     * The risk list of a cohort: the snapshot of its latest finished run, highest (or lowest)
     * probability first, non évaluable last, with keyset paging on (probability, student id) so
     * page 100 costs what page 1 costs (indexes `risk_scores_snapshot_desc_idx`, `_asc_idx`,
     * `_band_idx`).
     */
    async listScores(f: ScoreListFilters): Promise<{ run: ScoreRun | undefined; rows: ScoreListRow[] }> {
      const run = await this.latestRun(f.universityId, f.academicYear)
      if (!run) {
        return { run, rows: [] }
      }
      const limit = Math.min(Math.max(f.limit ?? 50, 1), 500)
      if (run.snapshotId === null) {
        return { run, rows: [] }
      }
      const conditions: SQL[] = [sql`r.snapshot_id = ${run.snapshotId}`]
      if (f.band) {
        conditions.push(sql`r.band = ${f.band}::risk_band`)
      }
      if (f.faculty) {
        conditions.push(sql`e.faculty = ${f.faculty}`)
      }
      if (f.stepCode) {
        conditions.push(sql`e.step_code = ${f.stepCode}`)
      }
      if (f.level) {
        conditions.push(sql`e.level = ${f.level}`)
      }
      if (f.campus) {
        conditions.push(sql`e.campus = ${f.campus}`)
      }
      if (f.territoryId) {
        conditions.push(sql`c.mission_locale_id = ${f.territoryId}::uuid`)
      }
      const asc = f.order === 'asc'
      // Two parts, each an index range: the scored students (probability DESC|ASC, then student
      // id), then the non évaluable ones (by student id). A single OR over both would make the
      // planner read the index from the start of the snapshot, so a deep page would cost more.
      const page = (part: SQL[], order: SQL, n: number) =>
        q.execute<Record<string, unknown>>(sql`
          SELECT r.student_id, s.pseudo_id, r.probability, r.band, r.rank, r.reasons, r.missing, r.non_evaluable_reason,
                 r.coverage, r.model_version, r.as_of, e.faculty, e.step_code, e.level, e.campus, c.mission_locale_id AS territory_id
          FROM risk_scores r
          JOIN students s ON s.id = r.student_id
          LEFT JOIN enrolments e ON e.student_id = r.student_id AND e.academic_year = r.academic_year
          LEFT JOIN communes c ON c.insee_code = e.home_commune_insee
          WHERE ${sql.join([...conditions, ...part], sql` AND `)}
          ORDER BY ${order}
          LIMIT ${n}`)
      const unscored = (after: number | undefined, n: number) =>
        page(
          [sql`r.probability IS NULL`, ...(after === undefined ? [] : [sql`r.student_id > ${after}`])],
          sql`r.probability DESC NULLS LAST, r.student_id`,
          n,
        )
      let rows: Record<string, unknown>[]
      if (f.after && f.after.probability === null) {
        rows = await unscored(f.after.studentId, limit)
      } else {
        const cursor = f.after
          ? [
              asc ? sql`r.probability >= ${f.after.probability}` : sql`r.probability <= ${f.after.probability}`,
              sql`NOT (r.probability = ${f.after.probability} AND r.student_id <= ${f.after.studentId})`,
            ]
          : []
        rows = [
          ...(await page(
            [sql`r.probability IS NOT NULL`, ...cursor],
            asc ? sql`r.probability ASC NULLS LAST, r.student_id` : sql`r.probability DESC NULLS LAST, r.student_id`,
            limit,
          )),
        ]
        if (rows.length < limit) {
          rows.push(...(await unscored(undefined, limit - rows.length)))
        }
      }
      return {
        run,
        rows: rows.map((r) => ({
          studentId: Number(r.student_id),
          pseudoId: r.pseudo_id as string,
          probability: r.probability as number | null,
          band: r.band as Band,
          rank: r.rank as number | null,
          reasons: r.reasons as RiskScore['reasons'],
          missing: r.missing as string[],
          nonEvaluableReason: r.non_evaluable_reason as string | null,
          coverage: r.coverage as number,
          modelVersion: r.model_version as string,
          asOf: r.as_of as string,
          faculty: r.faculty as string | null,
          stepCode: r.step_code as string | null,
          level: r.level as string | null,
          campus: r.campus as string | null,
          territoryId: r.territory_id as string | null,
        })),
      }
    },
    /** Students of a snapshot per band (the summary above the risk list). */
    async bandCounts(snapshotId: number): Promise<Record<Band, number>> {
      const rows = await q.execute<{ band: Band; n: number }>(
        sql`SELECT band, count(*)::int AS n FROM risk_scores WHERE snapshot_id = ${snapshotId} GROUP BY band`,
      )
      const counts: Record<Band, number> = { eleve: 0, moyen: 0, faible: 0, non_evaluable: 0 }
      for (const r of rows) {
        counts[r.band] = r.n
      }
      return counts
    },
    /** The distinct faculties, steps, levels and campuses of a cohort (the filters' choices). */
    async filterOptions(universityId: string, academicYear: string): Promise<ScoreFilterOptions> {
      const [row] = await q.execute<{ faculties: string[]; steps: string[]; levels: string[]; campuses: string[] }>(sql`
        SELECT coalesce(array_agg(DISTINCT e.faculty) FILTER (WHERE e.faculty IS NOT NULL), '{}') AS faculties,
               coalesce(array_agg(DISTINCT e.step_code) FILTER (WHERE e.step_code IS NOT NULL), '{}') AS steps,
               coalesce(array_agg(DISTINCT e.level) FILTER (WHERE e.level IS NOT NULL), '{}') AS levels,
               coalesce(array_agg(DISTINCT e.campus) FILTER (WHERE e.campus IS NOT NULL), '{}') AS campuses
        FROM enrolments e JOIN students s ON s.id = e.student_id
        WHERE s.university_id = ${universityId} AND e.academic_year = ${academicYear}`)
      return { faculties: row?.faculties ?? [], steps: row?.steps ?? [], levels: row?.levels ?? [], campuses: row?.campuses ?? [] }
    },
    /** A student's pseudonym and latest enrolment, or undefined. */
    async studentSummary(studentId: number): Promise<StudentSummary | undefined> {
      const [row] = await q.execute<Record<string, unknown>>(sql`
        SELECT s.id, s.university_id, s.pseudo_id, e.academic_year, e.faculty, e.step_code, e.step_label, e.level, e.campus,
               c.mission_locale_id AS territory_id
        FROM students s
        LEFT JOIN LATERAL (SELECT * FROM enrolments e WHERE e.student_id = s.id ORDER BY e.academic_year DESC LIMIT 1) e ON true
        LEFT JOIN communes c ON c.insee_code = e.home_commune_insee
        WHERE s.id = ${studentId}`)
      if (!row) {
        return undefined
      }
      return {
        studentId: Number(row.id),
        universityId: row.university_id as string,
        pseudoId: row.pseudo_id as string,
        academicYear: row.academic_year as string | null,
        faculty: row.faculty as string | null,
        stepCode: row.step_code as string | null,
        stepLabel: row.step_label as string | null,
        level: row.level as string | null,
        campus: row.campus as string | null,
        territoryId: row.territory_id as string | null,
      }
    },
    /** One student's scores over time (every model), oldest first: the trend. */
    async history(studentId: number): Promise<RiskScore[]> {
      return q.select().from(riskScores).where(eq(riskScores.studentId, studentId)).orderBy(asc(riskScores.asOf), asc(riskScores.createdAt))
    },
    async studentUniversity(studentId: number): Promise<string | undefined> {
      const rows = await q.execute<{ university_id: string }>(sql`SELECT university_id FROM students WHERE id = ${studentId}`)
      return rows[0]?.university_id
    },

    // ─── Settings ────────────────────────────────────────────────────────────────────────────

    /** The university's band settings, or undefined when it chose none (the service applies the default). */
    async bandSettings(universityId: string): Promise<BandSettings | undefined> {
      const [row] = await q.select().from(scoringSettings).where(eq(scoringSettings.universityId, universityId))
      if (!row) {
        return undefined
      }
      return row.bandMode === 'top_n' && row.topN
        ? { mode: 'top_n', topN: row.topN }
        : { mode: 'thresholds', high: row.highThreshold, medium: row.mediumThreshold }
    },
    async setBandSettings(universityId: string, s: BandSettings, by: string | null): Promise<void> {
      const values =
        s.mode === 'top_n'
          ? { bandMode: 'top_n', topN: s.topN }
          : { bandMode: 'thresholds', highThreshold: s.high, mediumThreshold: s.medium, topN: null }
      await q
        .insert(scoringSettings)
        .values({ universityId, ...values, updatedBy: by })
        .onConflictDoUpdate({ target: scoringSettings.universityId, set: { ...values, updatedBy: by, updatedAt: new Date() } })
    },
  }
}
export type ScoringRepository = ReturnType<typeof createScoringRepository>
