/**
 * Scoring end to end: real uploads → import.process → score.cohort (debounced) → score.run →
 * score.batch jobs on the real worker, PostgreSQL and Redis; then idempotence, non évaluable,
 * university scoping, top-N bands, and model.train / activation.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startWorkers, type Workers } from '../../workers/worker.ts'
import type { Principal } from '../../server/services/access.ts'
import { apiToken, startTestApp, type TestApp } from '../helpers/app.ts'
import { csvFile, pseudo, upload, waitForImport } from '../helpers/imports.ts'

let t: TestApp
let workers: Workers
let token: string
let urca: string
let staff: Principal
let admin: Principal
const YEAR = '2026/2027'

const drifting = Array.from({ length: 10 }, (_, i) => pseudo(1000 + i))
const mild = Array.from({ length: 10 }, (_, i) => pseudo(2000 + i))
const steady = Array.from({ length: 10 }, (_, i) => pseudo(3000 + i))

const mondays = (from: string, count: number) =>
  Array.from({ length: count }, (_, i) => new Date(Date.parse(`${from}T00:00:00Z`) + i * 7 * 86_400_000).toISOString().slice(0, 10))
const fr = (iso: string) => iso.split('-').reverse().join('/')

async function principal(email: string): Promise<Principal> {
  const [u] = await t.database.sql<{ id: string; role: Principal['role']; organisation_id: string }[]>`
    SELECT id, role, organisation_id FROM users WHERE email = ${email}`
  return { userId: u!.id, role: u!.role, organisationId: u!.organisation_id }
}

async function runs(universityId: string) {
  return t.database.sql<{ id: number; status: string; trigger: string; model_id: string }[]>`
    SELECT id, status, trigger, model_id FROM score_runs WHERE university_id = ${universityId} ORDER BY id`
}

async function waitForRun(universityId: string, count: number): Promise<number> {
  await expect
    .poll(async () => (await runs(universityId)).filter((r) => r.status === 'succeeded').length, { timeout: 30_000, interval: 100 })
    .toBeGreaterThanOrEqual(count)
  const all = await runs(universityId)
  return Number(all.filter((r) => r.status === 'succeeded').at(-1)!.id)
}

const scoreCount = async () => Number((await t.database.sql`SELECT count(*)::int AS n FROM risk_scores`)[0]!.n)

beforeAll(async () => {
  t = await startTestApp({ SCORE_DEBOUNCE_MS: '2000', SCORE_AS_OF: '2026-11-22', SCORE_BATCH_SIZE: '10' })
  workers = startWorkers({ config: t.config, services: t.app.services, log: t.app.log })
  token = await apiToken(t.app, 'universite@demo.repere.test')
  urca = t.orgIds.get('urca')!
  staff = await principal('universite@demo.repere.test')
  admin = await principal('admin@demo.repere.test')
})
afterAll(async () => {
  await workers?.close()
  await t?.close()
})

describe('scoring a cohort after its imports', () => {
  it('two imports within the debounce window give one run, which ranks drifting students first', async () => {
    const everyone = [...drifting, ...mild, ...steady]
    const etudiants = [
      ['id_pseudo', 'annee_univ', 'niveau', 'campus', 'boursier', 'date_inscription', 'statut_ip', 'commune_insee'],
      ...everyone.map((p) => [p, YEAR, 'L1', 'Reims Moulin de la Housse', 'N', '08/09/2026', 'O', '51454']),
    ]
    const sessions: string[][] = [['id_pseudo', 'code_elp', 'type_seance', 'date_seance', 'statut_presence']]
    for (const p of everyone) {
      for (const day of mondays('2026-09-07', 11)) {
        let status = 'P'
        if (drifting.includes(p) && day >= '2026-10-26') {
          status = 'ABI'
        } else if (mild.includes(p) && day === '2026-11-09') {
          status = 'ABJ'
        }
        sessions.push([p, '7BIO101', 'TD', fr(day), status])
      }
    }
    const [a, b] = await Promise.all([
      upload(t.app, token, 'etudiants', csvFile(etudiants)),
      upload(t.app, token, 'assiduite', csvFile(sessions)),
    ])
    expect((await waitForImport(t.app, token, a.json().id)).status).toBe('succeeded')
    expect((await waitForImport(t.app, token, b.json().id)).status).toBe('succeeded')

    const runId = await waitForRun(urca, 1)
    expect(await runs(urca)).toHaveLength(1) // debounced: one run for two imports
    const requests = await t.database.sql`SELECT import_id FROM score_requests WHERE university_id = ${urca}`
    expect(requests).toHaveLength(2) // each import asked, once
    const { rows, run } = await t.app.services.scoring.listScores(staff, { universityId: urca, academicYear: YEAR, limit: 100 })
    expect(run?.id).toBe(runId)
    expect(rows).toHaveLength(30)
    expect(new Set(rows.slice(0, 10).map((r) => r.pseudoId))).toEqual(new Set(drifting))
    expect(new Set(rows.slice(10, 20).map((r) => r.pseudoId))).toEqual(new Set(mild))
    expect(new Set(rows.slice(20).map((r) => r.pseudoId))).toEqual(new Set(steady))
    const top = rows[0]!
    expect(top.band).toBe('eleve')
    expect(top.rank).toBe(1)
    expect(top.modelVersion).toBe('expert-1')
    expect(top.asOf).toBe('2026-11-22')
    expect(top.reasons.map((r) => r.text)).toEqual([
      'assiduité de 0\u00a0% sur les 4 dernières semaines',
      'assiduité passée de 100\u00a0% à 0\u00a0% en 4 semaines',
      'aucune présence en cours depuis 4 semaines',
    ])
    expect(top.missing).toContain('résultats : aucun connu à ce jour')
    expect(rows.at(-1)!.band).toBe('faible')
  })

  it('keyset paging returns every row once, in order', async () => {
    const seen: string[] = []
    let after: { probability: number | null; studentId: number } | undefined
    for (;;) {
      const { rows } = await t.app.services.scoring.listScores(staff, {
        universityId: urca,
        academicYear: YEAR,
        limit: 7,
        ...(after ? { after } : {}),
      })
      if (rows.length === 0) {
        break
      }
      seen.push(...rows.map((r) => r.pseudoId))
      after = { probability: rows.at(-1)!.probability, studentId: rows.at(-1)!.studentId }
    }
    const all = await t.app.services.scoring.listScores(staff, { universityId: urca, academicYear: YEAR, limit: 100 })
    expect(seen).toEqual(all.rows.map((r) => r.pseudoId))
    const high = await t.app.services.scoring.listScores(staff, { universityId: urca, academicYear: YEAR, band: 'eleve' })
    expect(high.rows.every((r) => r.band === 'eleve')).toBe(true)
  })

  it('a second run of the same job adds no row; a new run the same day refreshes the rows in place', async () => {
    const before = await scoreCount()
    const [run] = await t.database.sql<{ id: number; batches_done: number[] }[]>`
      SELECT id, batches_done FROM score_runs WHERE university_id = ${urca} ORDER BY id DESC LIMIT 1`
    const [range] = await t.database.sql<{ lo: number; hi: number }[]>`
      SELECT min(student_id)::int AS lo, max(student_id)::int AS hi FROM risk_scores WHERE run_id = ${run!.id}`
    const again = await t.app.services.scoring.scoreBatch({ runId: Number(run!.id), fromId: Number(run!.batches_done[0]), toId: range!.hi })
    expect(again).toBe('skipped')
    expect(await t.app.services.scoring.startRun(Number(run!.id))).toBe('skipped')
    expect(await scoreCount()).toBe(before)

    await t.app.services.scoring.requestCohortScore({ universityId: urca, academicYear: YEAR }, 'manual')
    const second = await waitForRun(urca, 2)
    expect(await scoreCount()).toBe(before)
    const [{ n }] = (await t.database.sql`SELECT count(*)::int AS n FROM risk_scores WHERE run_id = ${second}`) as unknown as [
      { n: number },
    ]
    expect(n).toBe(30)
    const one = (await t.app.services.scoring.listScores(staff, { universityId: urca, academicYear: YEAR, limit: 1 })).rows[0]!
    const history = await t.app.services.scoring.studentHistory(staff, one.studentId)
    expect(history).toHaveLength(1)
  })

  it('top N bands: as many "élevé" as the Missions Locales can receive', async () => {
    await t.app.services.scoring.setBandSettings(admin, urca, { mode: 'top_n', topN: 4 })
    await t.app.services.scoring.requestCohortScore({ universityId: urca, academicYear: YEAR }, 'manual')
    await waitForRun(urca, 3)
    const { rows } = await t.app.services.scoring.listScores(staff, { universityId: urca, academicYear: YEAR, limit: 100 })
    expect(rows.map((r) => r.band).slice(0, 9)).toEqual(['eleve', 'eleve', 'eleve', 'eleve', 'moyen', 'moyen', 'moyen', 'moyen', 'faible'])
    await t.app.services.scoring.setBandSettings(admin, urca, { mode: 'thresholds', high: 0.4, medium: 0.2 })
  })

  it('a run due while another runs waits for it; the list keeps every student while a run refreshes them', async () => {
    const listed = async () => (await t.app.services.scoring.listScores(staff, { universityId: urca, academicYear: YEAR, limit: 100 })).rows
    expect(await listed()).toHaveLength(30)
    const [last] = await t.database.sql<{ id: number; snapshot_id: number }[]>`
      SELECT id::int AS id, snapshot_id::int AS snapshot_id FROM score_runs WHERE university_id = ${urca} AND status = 'succeeded'
      ORDER BY id DESC LIMIT 1`
    const ids = await t.database.sql<{ id: number }[]>`
      SELECT r.student_id::int AS id FROM risk_scores r WHERE r.snapshot_id = ${last!.snapshot_id} ORDER BY r.student_id`
    const middle = ids[14]!.id
    // A long run in progress, written as score.run would have left it: two batches of 15 students.
    const [slow] = await t.database.sql<{ id: number }[]>`
      INSERT INTO score_runs (university_id, academic_year, as_of, trigger, status, due_at, started_at, model_id, snapshot_id,
                              context, batches_total, students)
      SELECT university_id, academic_year, as_of, 'manual', 'running', now(), now(), model_id, snapshot_id, context, 2, 30
      FROM score_runs WHERE id = ${last!.id}
      RETURNING id::int AS id`
    const slowId = slow!.id

    // New data arrives: its run is due at once, but the cohort is busy. Its job ends, the run waits.
    await t.app.services.scoring.requestCohortScore({ universityId: urca, academicYear: YEAR }, 'manual')
    const [waiting] = await t.database.sql<{ id: number }[]>`
      SELECT id::int AS id FROM score_runs WHERE university_id = ${urca} AND status = 'pending'`
    const queue = t.app.services.queues.get('scoring')
    await expect.poll(() => queue.getJobState(`score-run-${waiting!.id}`), { timeout: 30_000, interval: 100 }).toBe('completed')
    expect((await queue.getJob(`score-run-${waiting!.id}`))?.returnvalue).toBe('skipped')
    expect((await runs(urca)).find((r) => Number(r.id) === waiting!.id)?.status).toBe('pending')

    // Half of the cohort rescored by the slow run: the list still shows all 30 students.
    expect(await t.app.services.scoring.scoreBatch({ runId: slowId, fromId: ids[0]!.id, toId: middle })).toBe('done')
    expect(Number((await t.database.sql`SELECT count(*)::int AS n FROM risk_scores WHERE run_id = ${slowId}`)[0]!.n)).toBe(15)
    expect(await listed()).toHaveLength(30)

    // The slow run ends and wakes the waiting one, which runs to the end.
    expect(await t.app.services.scoring.scoreBatch({ runId: slowId, fromId: middle + 1, toId: ids.at(-1)!.id })).toBe('done')
    await expect
      .poll(async () => (await runs(urca)).find((r) => Number(r.id) === waiting!.id)?.status, { timeout: 30_000, interval: 100 })
      .toBe('succeeded')
    expect(await listed()).toHaveLength(30)
    const [both] = await t.database.sql<{ n: number }[]>`
      SELECT count(*)::int AS n FROM score_runs WHERE university_id = ${urca} AND status = 'running'`
    expect(both!.n).toBe(0)
  })

  it('the list sorts lowest first too, and pages in that order', async () => {
    const base = { universityId: urca, academicYear: YEAR }
    const desc = (await t.app.services.scoring.listScores(staff, { ...base, limit: 100 })).rows
    const seen: number[] = []
    let after: { probability: number | null; studentId: number } | undefined
    for (;;) {
      const { rows } = await t.app.services.scoring.listScores(staff, { ...base, order: 'asc', limit: 4, ...(after ? { after } : {}) })
      if (rows.length === 0) {
        break
      }
      seen.push(...rows.map((r) => r.studentId))
      after = { probability: rows.at(-1)!.probability, studentId: rows.at(-1)!.studentId }
    }
    expect(seen).toHaveLength(30)
    const probabilities = seen.map((id) => desc.find((r) => r.studentId === id)!.probability!)
    expect(probabilities).toEqual([...probabilities].sort((a, b) => a - b))
    expect(new Set(seen.slice(0, 10))).toEqual(new Set(desc.slice(20).map((r) => r.studentId)))
  })
})

describe('a cohort without attendance, and university scoping', () => {
  let other: string
  it('scores every student "non évaluable", with the reason, never "faible"', async () => {
    const [org] = await t.database.sql<{ id: string }[]>`
      INSERT INTO organisations (kind, slug, name, short_name) VALUES ('university', 'autre-univ', 'Autre université', 'AU') RETURNING id`
    other = org!.id
    for (let i = 0; i < 12; i++) {
      const [s] = await t.database.sql<{ id: number }[]>`
        INSERT INTO students (university_id, pseudo_id) VALUES (${other}, ${pseudo(9000 + i)}) RETURNING id`
      await t.database.sql`INSERT INTO enrolments (student_id, academic_year, level) VALUES (${s!.id}, ${YEAR}, 'L1')`
    }
    await t.app.services.scoring.requestCohortScore({ universityId: other, academicYear: YEAR }, 'manual')
    await waitForRun(other, 1)
    const adminView = await t.app.services.scoring.listScores(admin, { universityId: other, academicYear: YEAR, limit: 100 })
    expect(adminView.rows).toHaveLength(12)
    for (const r of adminView.rows) {
      expect(r.band).toBe('non_evaluable')
      expect(r.probability).toBeNull()
      expect(r.nonEvaluableReason).toBe('aucune donnée d’assiduité depuis le 1er septembre 2026')
    }
  })

  it('a university’s staff never see another university’s scores', async () => {
    await expect(t.app.services.scoring.listScores(staff, { universityId: other, academicYear: YEAR })).rejects.toMatchObject({
      statusCode: 404,
    })
    const theirs = { userId: staff.userId, role: 'university_staff' as const, organisationId: other }
    await expect(t.app.services.scoring.listScores(theirs, { universityId: urca, academicYear: YEAR })).rejects.toMatchObject({
      statusCode: 404,
    })
    const mine = (await t.app.services.scoring.listScores(staff, { universityId: urca, academicYear: YEAR, limit: 1 })).rows[0]!
    await expect(t.app.services.scoring.studentHistory(theirs, mine.studentId)).rejects.toMatchObject({ statusCode: 404 })
    const counsellor = await principal('conseil.reims@demo.repere.test')
    await expect(t.app.services.scoring.listScores(counsellor, { universityId: urca, academicYear: YEAR })).rejects.toMatchObject({
      statusCode: 403,
    })
  })
})

describe('model.train and activation', () => {
  it('trains on a past year as of a week, stores metrics, never activates; an admin activates', async () => {
    // 2025/2026: 200 students, results of both semesters, outcomes; failing students drop out more.
    let x = 7
    const random = () => (x = (x * 1103515245 + 12345) % 2147483648) / 2147483648
    const created = await t.database.sql<{ id: number }[]>`
      INSERT INTO students ${t.database.sql(Array.from({ length: 200 }, (_, i) => ({ university_id: urca, pseudo_id: pseudo(5000 + i) })))}
      RETURNING id`
    const enrolments = []
    const results = []
    const outcomes = []
    for (const { id } of created) {
      enrolments.push({ student_id: id, academic_year: '2025/2026', level: 'L1' })
      const weak = random() < 0.35
      for (const unit of ['7BIO101', '7BIO102', '7BIO201', '7BIO202']) {
        const grade = Math.round((weak ? 4 + random() * 8 : 9 + random() * 8) * 100) / 100
        const ok = grade >= 10
        results.push({
          student_id: id,
          academic_year: '2025/2026',
          course_unit: unit,
          session: 1,
          grade,
          result_raw: ok ? 'ADM' : 'AJ',
          result: ok ? 'admitted' : 'failed',
          ects: ok ? 6 : 0,
        })
      }
      outcomes.push({ student_id: id, academic_year: '2025/2026', outcome: random() < (weak ? 0.7 : 0.08) ? 'abandon' : 'reinscrit' })
    }
    await t.database.sql`INSERT INTO enrolments ${t.database.sql(enrolments)}`
    await t.database.sql`INSERT INTO results ${t.database.sql(results)}`
    await t.database.sql`INSERT INTO outcomes ${t.database.sql(outcomes)}`
    await expect(
      t.app.services.scoring.requestTraining(staff, { universityId: urca, academicYear: '2025/2026', asOfWeek: 44 }),
    ).rejects.toMatchObject({
      statusCode: 403,
    })
    const requested = await t.app.services.scoring.requestTraining(admin, { universityId: urca, academicYear: '2025/2026', asOfWeek: 44 })
    expect(requested.status).toBe('training')
    await expect
      .poll(async () => (await t.database.sql`SELECT status FROM models WHERE id = ${requested.id}`)[0]?.status, { timeout: 30_000 })
      .toBe('trained')
    const [model] = await t.database.sql<
      { active: boolean; metrics: Record<string, number>; training_count: number; as_of_date: string; group_rates: unknown[] }[]
    >`
      SELECT active, metrics, training_count, as_of_date, group_rates FROM models WHERE id = ${requested.id}`
    expect(model!.active).toBe(false)
    expect(model!.training_count).toBe(200)
    expect(model!.as_of_date).toBe('2026-07-05')
    expect(model!.metrics.auc).toBeGreaterThan(0.7)
    expect(model!.group_rates.length).toBeGreaterThan(0)
    // Still the expert default until an admin decides.
    expect((await t.app.services.scoring.currentModel(urca)).version).toBe('expert-1')
    const listed = await t.app.services.scoring.listModels(staff)
    expect(listed.map((m) => m.version)).toEqual(expect.arrayContaining(['expert-1', requested.version]))
    await expect(t.app.services.scoring.activateModel(staff, requested.id)).rejects.toMatchObject({ statusCode: 403 })
    await t.app.services.scoring.activateModel(admin, requested.id)
    expect((await t.app.services.scoring.currentModel(urca)).id).toBe(requested.id)

    // The trained model needs results, which 2026/2027 does not have yet: non évaluable, with the reason.
    const done = (await runs(urca)).filter((r) => r.status === 'succeeded').length
    await t.app.services.scoring.requestCohortScore({ universityId: urca, academicYear: YEAR }, 'manual')
    await waitForRun(urca, done + 1)
    const { rows } = await t.app.services.scoring.listScores(staff, { universityId: urca, academicYear: YEAR, limit: 100 })
    expect(rows[0]!.modelVersion).toBe(requested.version)
    expect(rows.every((r) => r.nonEvaluableReason === 'aucun résultat d’examen connu pour 2026/2027')).toBe(true)
    await t.app.services.scoring.deactivateModels(admin, urca)
    expect((await t.app.services.scoring.currentModel(urca)).version).toBe('expert-1')
  })
})

describe('keyset paging across ties and the non évaluable tail', () => {
  it('pages two at a time in both orders, each student once, non évaluable last', async () => {
    const [org] = await t.database.sql<{ id: string }[]>`
      INSERT INTO organisations (kind, slug, name, short_name) VALUES ('university', 'univ-paging', 'Université paging', 'UP') RETURNING id`
    const universityId = org!.id
    const expert = await t.app.services.scoring.currentModel(universityId)
    const [run] = await t.database.sql<{ id: number }[]>`
      INSERT INTO score_runs (university_id, academic_year, as_of, trigger, status, due_at, finished_at, model_id)
      VALUES (${universityId}, ${YEAR}, '2026-11-22', 'manual', 'succeeded', now(), now(), ${expert.id}) RETURNING id::int AS id`
    await t.database.sql`UPDATE score_runs SET snapshot_id = id WHERE id = ${run!.id}`
    const probabilities = [0.5, null, 0.1, 0.5, null, 0.3, null]
    const ids: number[] = []
    for (const [i, probability] of probabilities.entries()) {
      const [s] = await t.database.sql<{ id: number }[]>`
        INSERT INTO students (university_id, pseudo_id) VALUES (${universityId}, ${pseudo(9500 + i)}) RETURNING id::int AS id`
      ids.push(s!.id)
      await t.database.sql`
        INSERT INTO risk_scores (student_id, university_id, academic_year, model_id, model_version, as_of, run_id, snapshot_id,
                                 probability, band, coverage)
        VALUES (${s!.id}, ${universityId}, ${YEAR}, ${expert.id}, ${expert.version}, '2026-11-22', ${run!.id}, ${run!.id},
                ${probability}, ${probability === null ? 'non_evaluable' : 'moyen'}, 1)`
    }
    const walk = async (order: 'asc' | 'desc') => {
      const seen: number[] = []
      let after: { probability: number | null; studentId: number } | undefined
      for (let guard = 0; guard < 10; guard++) {
        const { rows } = await t.app.services.scoring.listScores(admin, {
          universityId,
          academicYear: YEAR,
          order,
          limit: 2,
          ...(after ? { after } : {}),
        })
        seen.push(...rows.map((r) => r.studentId))
        if (rows.length < 2) {
          break
        }
        after = { probability: rows.at(-1)!.probability, studentId: rows.at(-1)!.studentId }
      }
      return seen.map((id) => ids.indexOf(id))
    }
    // Ties (0.5, 0.5) by student id; the three non évaluable last, by student id, in both orders.
    expect(await walk('desc')).toEqual([0, 3, 5, 2, 1, 4, 6])
    expect(await walk('asc')).toEqual([2, 5, 0, 3, 1, 4, 6])
  })
})
