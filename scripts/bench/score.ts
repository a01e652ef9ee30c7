/**
 * `npm run bench -- score [--students N]`: scoring a cohort end to end through the queue.
 *
 *  1. A dedicated database `repere_bench_score` (dropped, created, migrated, seeded with the
 *     organisations), then N synthetic students (default 28,000) of 2026/2027 generated in SQL: an
 *     enrolment each, a term of attendance (12 weeks × 6 sessions, 15 % drifting from a random week),
 *     five first-semester results (uploaded on 15 December, so known), twelve weeks of ENT activity.
 *  2. End to end: `score.cohort` → `score.run` → `score.batch` × N/500 on in-process BullMQ workers
 *     (real Redis, random prefix, WORKER_CONCURRENCY 2), as of 20 December, until the run is
 *     `succeeded`: score_seconds and score_students_per_s. Then the risk list as the page reads it:
 *     page 1 (highest first, lowest first, one band) and a page 20,000 students deep reached by
 *     keyset, beside a bare `SELECT 1` (list_*_ms, list_deep_ratio, list_page1_ratio).
 *  3. The phases, one after the other on the same batches: features (the SQL), model (probability,
 *     contributions and reasons of every student), writes (the upsert, into another day).
 *  4. The baseline: a plain typed-array loop (intercept + Σ coefficient × column, then the sigmoid)
 *     over the same students' design matrix, in the same run. score_ratio = model phase / that loop:
 *     what our per-student scoring (feature derivation, encoding, reasons) costs over the bare
 *     arithmetic; score_e2e_ratio = score_seconds / that loop.
 *
 * Every figure goes to stdout as `key=value`; progress to stderr as `# …`. Target: score_seconds
 * under 60 (aim 10). A missed target still exits 0; a broken run exits 1.
 * Environment (optional): DATABASE_URL and REDIS_URL give the hosts.
 */
import { randomBytes, randomUUID } from 'node:crypto'
import { performance } from 'node:perf_hooks'
import postgres from 'postgres'
import { createDatabase } from '../../db/client.ts'
import { createScoringRepository } from '../../db/repositories/scoring.repository.ts'
import type { NewRiskScore } from '../../db/schema/risk-scores.ts'
import { loadConfig } from '../../server/config.ts'
import { createContainer } from '../../server/container.ts'
import { createLogger } from '../../server/lib/logger.ts'
import type { Principal } from '../../server/services/access.ts'
import type { ScoringService } from '../../server/services/scoring.service.ts'
import { memoryMailer } from '../../server/lib/mailer.ts'
import { createQueues } from '../../server/lib/queue.ts'
import { connectRedis, createRedis } from '../../server/lib/redis.ts'
import { designMatrix } from '../../server/services/scoring/design.ts'
import { expertModelSpec } from '../../server/services/scoring/expert-model.ts'
import { deriveFeatures, type StudentFacts } from '../../server/services/scoring/features.ts'
import { sigmoid } from '../../server/services/scoring/logistic.ts'
import { compileModel } from '../../server/services/scoring/model.ts'
import { startWorkers } from '../../workers/worker.ts'
import { generateSecrets } from '../lib/env-file.ts'
import { sleep } from '../lib/proc.ts'
import { migrate } from '../migrate.ts'
import { seedOrganisations } from '../seed.ts'

const DATABASE = 'repere_bench_score'
const YEAR = '2026/2027'
const AS_OF = '2026-12-20'
const TARGET_SECONDS = 60
const RUN_TIMEOUT_MS = 10 * 60_000

export const SCORE_USAGE = `usage: npm run bench -- score [--students N]
  --students N   students in the cohort (default 28000)`

const emit = (key: string, value: string | number) => process.stdout.write(`${key}=${value}\n`)
const note = (message: string) => process.stderr.write(`# ${message}\n`)
const r3 = (x: number) => Math.round(x * 1000) / 1000

/** Median of `n` timings of `f`, in ms. */
async function medianMs(n: number, f: () => Promise<unknown>): Promise<number> {
  const times: number[] = []
  for (let i = 0; i < n; i++) {
    const t = performance.now()
    await f()
    times.push(performance.now() - t)
  }
  times.sort((a, b) => a - b)
  return times[Math.floor(n / 2)]!
}

/**
 * The risk list on the scored cohort, as the page reads it: page 1 in each order and with a band
 * filter, and a page deep in the list reached by keyset (`after`), beside a bare round trip to
 * PostgreSQL measured in the same run. A deep page costs what page 1 costs when the keyset reads the
 * index (`list_deep_ratio` near 1).
 */
async function listTimings(scoring: ScoringService, sql: postgres.Sql, universityId: string): Promise<void> {
  const actor: Principal = { userId: randomUUID(), role: 'admin', organisationId: universityId }
  const base = { universityId, academicYear: YEAR, limit: 50 }
  let after: { probability: number | null; studentId: number } | undefined
  let pages = 0
  for (; pages < 400; pages++) {
    const { rows } = await scoring.listScores(actor, { ...base, ...(after ? { after } : {}) })
    if (rows.length < 50) {
      break
    }
    after = { probability: rows.at(-1)!.probability, studentId: rows.at(-1)!.studentId }
  }
  const deepAfter = after
  const baseline = await medianMs(31, () => sql`SELECT 1`)
  const page1 = await medianMs(31, () => scoring.listScores(actor, base))
  const deep = await medianMs(31, () => scoring.listScores(actor, { ...base, ...(deepAfter ? { after: deepAfter } : {}) }))
  const asc = await medianMs(31, () => scoring.listScores(actor, { ...base, order: 'asc' }))
  const band = await medianMs(31, () => scoring.listScores(actor, { ...base, band: 'faible' }))
  emit('list_deep_page', pages)
  emit('list_baseline_ms', r3(baseline))
  emit('list_page1_ms', r3(page1))
  emit('list_deep_ms', r3(deep))
  emit('list_asc_page1_ms', r3(asc))
  emit('list_band_page1_ms', r3(band))
  emit('list_deep_ratio', r3(deep / page1))
  emit('list_page1_ratio', r3(page1 / baseline))
}

function parseStudents(args: string[]): number | string {
  let students = 28_000
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!
    if (a === '--students' || a.startsWith('--students=')) {
      const raw = a === '--students' ? args[++i] : a.slice('--students='.length)
      const n = Number(raw?.replace(/_/g, ''))
      if (!Number.isInteger(n) || n < 1) {
        return `--students needs a positive integer (got ${raw ?? 'nothing'})`
      }
      students = n
    } else {
      return `unknown option ${a}`
    }
  }
  return students
}

/** The synthetic cohort, generated by PostgreSQL itself (deterministic: setseed). */
async function generate(sql: postgres.Sql, universityId: string, students: number): Promise<void> {
  await sql`SELECT setseed(0.42)`
  await sql`
    INSERT INTO students (university_id, pseudo_id)
    SELECT ${universityId}, 'bench' || lpad(g::text, 17, '0') FROM generate_series(1, ${students}) g`
  await sql`
    CREATE TABLE bench_profile AS
    SELECT id AS student_id, random() < 0.15 AS drifts, 3 + floor(random() * 8)::int AS from_week FROM students`
  await sql`
    INSERT INTO enrolments (student_id, academic_year, level, campus, faculty, step_code, birth_year, grant_holder,
                            registration_date, admin_status, pedagogical_status, study_regime, oui_si, home_commune_insee)
    SELECT p.student_id, ${YEAR}, (ARRAY['L1', 'L1', 'L2', 'L3', 'M1'])[1 + floor(random() * 5)::int],
           (ARRAY['Reims Croix-Rouge', 'Reims Moulin de la Housse', 'Châlons-en-Champagne'])[1 + floor(random() * 3)::int],
           'UFR Bench', 'L1BENC', 2008 - floor(random() * 6)::int, random() < 0.35,
           date '2026-09-01' + floor(random() * (CASE WHEN p.drifts THEN 40 ELSE 15 END))::int, 'VALIDE',
           CASE WHEN random() < (CASE WHEN p.drifts THEN 0.2 ELSE 0.03 END) THEN 'N' ELSE 'O' END, 'FI', random() < 0.1, '51454'
    FROM bench_profile p`
  note('students and enrolments written; attendance: 72 sessions each')
  await sql`
    INSERT INTO attendance_sessions (student_id, course_unit, session_date, session_type, session_time, presence_raw, presence)
    SELECT p.student_id, v.unit, date '2026-09-07' + w * 7 + v.dow, v.typ, v.tm,
           CASE x.presence WHEN 'present' THEN 'P' WHEN 'late' THEN 'RET' WHEN 'absent_unjustified' THEN 'ABI' ELSE 'ABJ' END,
           x.presence::presence
    FROM bench_profile p
    CROSS JOIN generate_series(0, 11) w
    CROSS JOIN (VALUES ('7BEN101', 0, 'CM', '08:30'), ('7BEN102', 0, 'TD', '10:30'), ('7BEN103', 1, 'TD', '14:00'),
                       ('7BEN104', 2, 'CM', '08:30'), ('7BEN105', 3, 'TP', '10:30'), ('7BEN101', 4, 'TD', '14:00')) v(unit, dow, typ, tm)
    CROSS JOIN LATERAL (SELECT random() + 0 * w AS r) rr
    CROSS JOIN LATERAL (SELECT CASE
        WHEN p.drifts AND w >= p.from_week THEN
          CASE WHEN rr.r < 0.55 THEN 'absent_unjustified' WHEN rr.r < 0.8 THEN 'absent_justified' ELSE 'present' END
        ELSE CASE WHEN rr.r < 0.04 THEN 'absent_unjustified' WHEN rr.r < 0.06 THEN 'absent_justified' WHEN rr.r < 0.08 THEN 'late' ELSE 'present' END
      END AS presence) x`
  note('attendance written; results and ENT activity')
  const [imp] = await sql<{ id: string }[]>`
    INSERT INTO imports (organisation_id, kind, status, file_name, stored_path, size_bytes, sha256, encoding, created_at)
    VALUES (${universityId}, 'resultats', 'succeeded', 'bench.csv', '/dev/null', 1, 'bench', 'utf-8', '2026-12-15T10:00:00+01:00')
    RETURNING id`
  await sql`
    INSERT INTO results (student_id, academic_year, course_unit, session, grade, result_raw, result, ects, import_id)
    SELECT p.student_id, ${YEAR}, '7BEN10' || u, 1, g.grade,
           CASE WHEN g.grade IS NULL THEN 'ABI' WHEN g.grade >= 10 THEN 'ADM' ELSE 'AJ' END,
           (CASE WHEN g.grade IS NULL THEN 'absent_unjustified' WHEN g.grade >= 10 THEN 'admitted' ELSE 'failed' END)::result_outcome,
           CASE WHEN g.grade >= 10 THEN 6 ELSE 0 END, ${imp!.id}
    FROM bench_profile p CROSS JOIN generate_series(1, 5) u
    CROSS JOIN LATERAL (SELECT CASE WHEN p.drifts AND random() + 0 * u < 0.3 THEN NULL
                                    ELSE round((CASE WHEN p.drifts THEN 4 + random() * 9 ELSE 8 + random() * 10 END)::numeric, 2) END AS grade) g`
  await sql`
    INSERT INTO lms_activity (student_id, week_start, logins)
    SELECT p.student_id, date '2026-09-07' + w * 7,
           CASE WHEN p.drifts AND w >= p.from_week - 1 THEN 0 ELSE floor(random() * 6 + 0 * w)::int END
    FROM bench_profile p CROSS JOIN generate_series(0, 14) w`
  await sql`DROP TABLE bench_profile`
}

export async function scoreBench(args: string[]): Promise<number> {
  const students = parseStudents(args)
  if (typeof students === 'string') {
    process.stderr.write(`${students}\n${SCORE_USAGE}\n`)
    return 2
  }
  const base = new URL(process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/repere')
  const url = (name: string) => {
    const u = new URL(base)
    u.pathname = `/${name}`
    return u.toString()
  }
  const admin = postgres(url('postgres'), { max: 1, onnotice: () => {} })
  note(`database ${DATABASE}: drop, create, migrate, seed organisations`)
  await admin.unsafe(`DROP DATABASE IF EXISTS ${DATABASE} WITH (FORCE)`)
  await admin.unsafe(`CREATE DATABASE ${DATABASE}`)
  await migrate(url(DATABASE))
  const prefix = `bench-score-${randomBytes(4).toString('hex')}`
  const config = loadConfig({
    NODE_ENV: 'production',
    DATABASE_URL: url(DATABASE),
    REDIS_URL: process.env.REDIS_URL || 'redis://127.0.0.1:6379',
    REDIS_PREFIX: prefix,
    LOG_LEVEL: 'warn',
    SCORE_DEBOUNCE_MS: '0',
    SCORE_AS_OF: AS_OF,
    SCORE_BATCH_SIZE: '500',
    WORKER_CONCURRENCY: '2',
    ...generateSecrets(),
  })
  const database = createDatabase(config.DATABASE_URL, { max: 8, appName: 'repere-bench-score' })
  const redis = await connectRedis(createRedis(config.REDIS_URL, 'producer'))
  const queues = createQueues(redis, prefix)
  const log = createLogger(config, 'bench')
  const services = createContainer({ config, database, redis, queues, mailer: memoryMailer(), log })
  const workers = startWorkers({ config, services, log })
  try {
    const orgIds = await seedOrganisations(database.db)
    const universityId = orgIds.get('urca')!
    const t0 = performance.now()
    await generate(database.sql, universityId, students)
    const [{ n: sessions }] = (await database.sql`SELECT count(*)::int AS n FROM attendance_sessions`) as unknown as [{ n: number }]
    note(`${students} students, ${sessions} attendance rows generated in ${Math.round((performance.now() - t0) / 1000)} s`)
    emit('students', students)
    emit('attendance_rows', sessions)

    // ── End to end through the queue ──
    const t1 = performance.now()
    await services.scoring.requestCohortScore({ universityId, academicYear: YEAR }, 'manual')
    let run: { status: string; batches_total: number | null; scored: number; non_evaluable: number } | undefined
    for (;;) {
      ;[run] = await database.sql<{ status: string; batches_total: number | null; scored: number; non_evaluable: number }[]>`
        SELECT status, batches_total, scored, non_evaluable FROM score_runs ORDER BY id DESC LIMIT 1`
      if (run?.status === 'succeeded' || run?.status === 'failed') {
        break
      }
      if (performance.now() - t1 > RUN_TIMEOUT_MS) {
        throw new Error('the score run did not finish in time')
      }
      await sleep(50)
    }
    const scoreSeconds = (performance.now() - t1) / 1000
    if (run.status !== 'succeeded' || run.scored + run.non_evaluable !== students) {
      throw new Error(`score run ${run.status}: ${run.scored} scored, ${run.non_evaluable} non évaluable of ${students}`)
    }
    emit('batches', run.batches_total ?? 0)
    emit('scored', run.scored)
    emit('non_evaluable', run.non_evaluable)
    emit('score_seconds', r3(scoreSeconds))
    emit('score_students_per_s', Math.round(students / scoreSeconds))
    await listTimings(services.scoring, database.sql, universityId)

    // ── Phases, one after the other on the same batches ──
    const repo = createScoringRepository(database.db)
    const context = await repo.cohortContext(universityId, YEAR, AS_OF)
    const ranges = await repo.cohortBatches(universityId, YEAR, AS_OF, config.SCORE_BATCH_SIZE)
    let t = performance.now()
    const facts: StudentFacts[] = []
    for (const r of ranges) {
      facts.push(...(await repo.facts({ universityId, academicYear: YEAR, asOf: AS_OF, fromId: r.fromId, toId: r.toId, context })))
    }
    const featuresSeconds = (performance.now() - t) / 1000
    const model = await services.scoring.currentModel(universityId)
    const compiled = compileModel(model.spec ?? expertModelSpec(), YEAR, AS_OF)
    t = performance.now()
    const scored = facts.map((f) => compiled.score(f))
    const modelSeconds = (performance.now() - t) / 1000
    const day = '2026-12-21'
    const rows: NewRiskScore[] = scored.map((s) => ({
      studentId: s.studentId,
      universityId,
      academicYear: YEAR,
      modelId: model.id,
      modelVersion: model.version,
      asOf: day,
      // A snapshot of its own (no run): the rows the phase writes are not the run's.
      snapshotId: 0,
      probability: s.evaluable ? s.probability : null,
      band: s.evaluable ? 'faible' : 'non_evaluable',
      coverage: s.coverage,
      reasons: s.evaluable ? s.reasons : [],
      missing: s.missing,
      features: s.features,
    }))
    t = performance.now()
    for (let i = 0; i < rows.length; i += config.SCORE_BATCH_SIZE) {
      await database.db.transaction((tx) => createScoringRepository(tx).upsertScores(rows.slice(i, i + config.SCORE_BATCH_SIZE)))
    }
    const writesSeconds = (performance.now() - t) / 1000
    emit('features_seconds', r3(featuresSeconds))
    emit('model_seconds', r3(modelSeconds))
    emit('writes_seconds', r3(writesSeconds))

    // ── Baseline: the bare arithmetic over the same design matrix ──
    const spec = compiled.spec
    const X = designMatrix(
      spec.columns,
      facts.map((f) => deriveFeatures(f, YEAR)),
    )
    const p = spec.columns.length
    const coef = Float64Array.from(spec.coefficients)
    const out = new Float64Array(facts.length)
    const repeats = 50
    t = performance.now()
    for (let rep = 0; rep < repeats; rep++) {
      for (let i = 0; i < facts.length; i++) {
        let z = spec.intercept
        const off = i * p
        for (let j = 0; j < p; j++) {
          z += coef[j]! * X[off + j]!
        }
        out[i] = sigmoid(z)
      }
    }
    const loopSeconds = (performance.now() - t) / 1000 / repeats
    // The baseline and our model must agree on the evaluable students.
    scored.forEach((s, i) => {
      if (s.evaluable && Math.abs(s.probability - out[i]!) > 1e-9) {
        throw new Error(`baseline and model disagree for student ${s.studentId}`)
      }
    })
    emit('plain_loop_ms', r3(loopSeconds * 1000))
    emit('score_ratio', Math.round(modelSeconds / loopSeconds))
    emit('score_e2e_ratio', Math.round(scoreSeconds / loopSeconds))
    emit('score_target_seconds', TARGET_SECONDS)
    emit('score_target_met', String(scoreSeconds < TARGET_SECONDS))
    return 0
  } finally {
    await workers.close()
    for (const q of queues.all()) {
      await q.obliterate({ force: true }).catch(() => {})
    }
    await queues.close()
    redis.disconnect()
    await database.close()
    await admin.unsafe(`DROP DATABASE IF EXISTS ${DATABASE} WITH (FORCE)`)
    await admin.end({ timeout: 5 })
  }
}
