/**
 * Nothing is lost between a commit and a job (issue #7): Redis breaks between the commit and
 * the enqueue — on the upload side, then on the worker side after the import's commit — and
 * the reconciler, once Redis answers again, enqueues what was recorded in the outbox, so the
 * import, its scoring request and its e-mail each happen exactly once.
 *
 * "Redis breaks": the app and the worker's services produce jobs through a real ioredis client
 * that was connected, then disconnected, so every enqueue throws as it would with Redis gone.
 * The worker's own (blocking) connections stay up, as when only the producer's link fails.
 */
import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Redis } from 'ioredis'
import { createContainer, type Container } from '../../server/container.ts'
import { createQueues, type Queues } from '../../server/lib/queue.ts'
import { connectRedis, createRedis } from '../../server/lib/redis.ts'
import { JOBS } from '../../server/jobs/catalogue.ts'
import { startWorkers, type Workers } from '../../workers/worker.ts'
import { apiToken, startTestApp, type TestApp } from '../helpers/app.ts'
import { TEST_REDIS_URL } from '../helpers/env.ts'
import { csvFile, pseudo, upload, waitForImport } from '../helpers/imports.ts'

let t: TestApp
let token: string
let brokenRedis: Redis
let goodRedis: Redis
let good: { queues: Queues; services: Container }
let workers: Workers

const prefix = `test-outbox-${randomUUID().slice(0, 8)}`

beforeAll(async () => {
  // A producer connection that worked, then broke: every enqueue through it throws.
  brokenRedis = await connectRedis(createRedis(TEST_REDIS_URL, 'producer'))
  const brokenQueues = createQueues(brokenRedis, prefix)
  for (const q of brokenQueues.all()) {
    q.on('error', () => {})
  }
  brokenRedis.disconnect()

  t = await startTestApp({ REDIS_PREFIX: prefix }, { queues: brokenQueues })
  token = await apiToken(t.app, 'universite@demo.repere.test')

  // "Redis is back": the same database and prefix, through a working connection.
  goodRedis = await connectRedis(createRedis(TEST_REDIS_URL, 'producer'))
  const queues = createQueues(goodRedis, prefix)
  good = {
    queues,
    services: createContainer({ config: t.config, database: t.database, redis: goodRedis, queues, mailer: t.mailer, log: t.app.log }),
  }
  // The worker runs the app's services: its follow-up enqueues go through the broken producer.
  workers = startWorkers({ config: t.config, services: t.app.services, log: t.app.log, schedules: false })
})
afterAll(async () => {
  await workers?.close()
  await good?.queues.close()
  goodRedis?.disconnect()
  await t?.close()
})

const sql = () => t.database.sql
const outboxRows = (importId: string) =>
  sql()<{ job_name: string; job_id: string; enqueued_at: Date | null; attempts: number; last_error: string | null }[]>`
    SELECT job_name, job_id, enqueued_at, attempts, last_error FROM outbox
    WHERE payload->>'importId' = ${importId} ORDER BY id`
const scoreRequests = async (importId: string) =>
  Number((await sql()`SELECT count(*)::int AS n FROM score_requests WHERE import_id = ${importId}`)[0]?.n)
const mailsAbout = (importId: string) => t.mailer.sent.filter((m) => m.text.includes(`/imports/${importId}`)).length
const settle = () => new Promise((r) => setTimeout(r, 1_500))

function enrolmentFile(first: number) {
  return csvFile([
    ['id_pseudo', 'annee_univ', 'code_etape', 'niveau'],
    [pseudo(first), '2025/2026', 'L1DRO', 'L1'],
    [pseudo(first + 1), '2025/2026', 'L1DRO', 'L1'],
  ])
}

describe('outbox: Redis fails between a commit and its job', () => {
  let importId: string

  it('upload: the import and its job are committed together; the reconciler enqueues the job once Redis is back', async () => {
    const res = await upload(t.app, token, 'etudiants', enrolmentFile(1))
    // The upload is committed, job included: Redis failing afterwards is not the user's problem.
    expect(res.statusCode, res.body).toBe(202)
    importId = res.json().id as string
    const jobId = JOBS['import.process'].jobId({ importId, run: 1 })

    const [row] = await outboxRows(importId)
    expect(row).toMatchObject({ job_name: 'import.process', job_id: jobId, enqueued_at: null, attempts: 1 })
    expect(row?.last_error).toBeTruthy()
    expect(await good.queues.get('imports').getJobState(jobId)).toBe('unknown')
    await settle()
    expect((await sql()`SELECT status FROM imports WHERE id = ${importId}`)[0]?.status).toBe('queued')

    // Redis is back: one flush enqueues it, a second finds nothing left.
    expect(await good.services.outbox.flush()).toEqual({ enqueued: 1, failed: 0 })
    expect(await good.services.outbox.flush()).toEqual({ enqueued: 0, failed: 0 })
    const done = await waitForImport(t.app, token, importId)
    expect(done.status, done.errorMessage ?? '').toBe('succeeded')
    expect(done.rowsLoaded).toBe(2)
    expect((await sql()`SELECT attempts FROM imports WHERE id = ${importId}`)[0]?.attempts).toBe(1)
  })

  it('worker: the import commits, its enqueue of scoring and e-mail fails; the reconciler runs them exactly once', async () => {
    // The worker committed `succeeded` together with its two follow-ups, then could not enqueue them.
    const rows = await outboxRows(importId)
    expect(rows.map((r) => r.job_name)).toEqual(['import.process', 'score.cohort', 'import.notify'])
    // The enqueue right after the commit is tried, fails and is recorded (it may still be running).
    await expect
      .poll(async () => (await outboxRows(importId)).slice(1).map((r) => [r.enqueued_at, r.attempts]), { timeout: 5_000 })
      .toEqual([
        [null, 1],
        [null, 0],
      ])
    await settle()
    expect(await scoreRequests(importId)).toBe(0)
    expect(mailsAbout(importId)).toBe(0)
    // /health shows the backlog only once it is late; here it is the pending count that tells.
    expect(await good.services.outbox.pendingCount()).toBe(2)

    expect(await good.services.outbox.flush()).toEqual({ enqueued: 2, failed: 0 })
    await expect.poll(() => scoreRequests(importId), { timeout: 10_000 }).toBe(1)
    await expect.poll(() => mailsAbout(importId), { timeout: 10_000 }).toBe(1)
    await settle()
    expect(await scoreRequests(importId)).toBe(1)
    expect(mailsAbout(importId)).toBe(1)
    // Every row of this import went out. (The cohort's score.run, recorded by score.cohort, waits
    // for its debounce window in the outbox: it is the scoring's, not this import's.)
    expect((await outboxRows(importId)).map((r) => r.enqueued_at !== null)).toEqual([true, true, true])
  })

  it('enqueuing the same rows a second time is harmless: deterministic job ids, claimed e-mail', async () => {
    // As if a flush had enqueued them and died before recording it.
    await sql()`UPDATE outbox SET enqueued_at = NULL WHERE payload->>'importId' = ${importId}`
    expect(await good.services.outbox.flush()).toEqual({ enqueued: 3, failed: 0 })
    await settle()
    expect(await scoreRequests(importId)).toBe(1)
    expect(mailsAbout(importId)).toBe(1)
    const scoring = await good.queues.get('scoring').getJobCounts('completed', 'waiting', 'active', 'delayed', 'failed')
    expect(Object.values(scoring).reduce((a, b) => a + b, 0)).toBe(1)
    const imports = await good.queues.get('imports').getJobCounts('completed', 'waiting', 'active', 'delayed', 'failed')
    expect(imports.completed).toBe(1)
    expect((await sql()`SELECT attempts FROM imports WHERE id = ${importId}`)[0]?.attempts).toBe(1)

    // And even a second `import.notify` job for the same run (BullMQ forgot the first) sends nothing.
    await good.queues.get('notifications').obliterate({ force: true })
    await sql()`UPDATE outbox SET enqueued_at = NULL WHERE job_name = 'import.notify' AND payload->>'importId' = ${importId}`
    expect(await good.services.outbox.flush()).toEqual({ enqueued: 1, failed: 0 })
    await expect.poll(async () => (await good.queues.get('notifications').getJobCounts('completed')).completed, { timeout: 10_000 }).toBe(1)
    expect(mailsAbout(importId)).toBe(1)
  })

  it('refuses a payload the worker would refuse, inside the transaction', async () => {
    await expect(
      t.database.db.transaction((tx) => good.services.outbox.add(tx, 'import.process', { importId: 'pas-un-uuid' })),
    ).rejects.toThrow(/invalid payload/)
    expect(Number((await sql()`SELECT count(*)::int AS n FROM outbox WHERE payload->>'importId' = 'pas-un-uuid'`)[0]?.n)).toBe(0)
  })

  it('keeps a delayed row in the outbox until it is due', async () => {
    const id = randomUUID()
    await t.database.db.transaction((tx) => good.services.outbox.add(tx, 'import.notify', { importId: id, run: 1 }, { delayMs: 60_000 }))
    expect(await good.services.outbox.flush()).toEqual({ enqueued: 0, failed: 0 })
    await sql()`UPDATE outbox SET available_at = now() - interval '1 second' WHERE payload->>'importId' = ${id}`
    expect(await good.services.outbox.flush()).toEqual({ enqueued: 1, failed: 0 })
  })
})
