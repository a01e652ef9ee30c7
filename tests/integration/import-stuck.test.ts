/**
 * No import can stay stuck (issue #6 item 2) and nothing is lost after a commit (issue #7):
 * a worker SIGKILLed right after the import's commit, imports left `processing` or `queued`
 * without a live job, runs that keep dying, a job that failed without its failure being
 * recorded — and staff retrying a failed import from its page or the API.
 */
import { spawn } from 'node:child_process'
import { unlink } from 'node:fs/promises'
import { UnrecoverableError } from 'bullmq'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { JOBS } from '../../workers/queues.ts'
import { registry } from '../../workers/registry.ts'
import { startWorkers, type Workers } from '../../workers/worker.ts'
import { apiToken, csrfFor, loginWithForm, startTestApp, type TestApp } from '../helpers/app.ts'
import { csvFile, pseudo, upload, waitForImport } from '../helpers/imports.ts'

let t: TestApp
let token: string
let workers: Workers | undefined
let fileNo = 0

beforeAll(async () => {
  t = await startTestApp()
  token = await apiToken(t.app, 'universite@demo.repere.test')
})
afterEach(async () => {
  await workers?.close()
  workers = undefined
})
afterAll(async () => {
  await t?.close()
})

const sql = () => t.database.sql
const services = () => t.app.services
const importRow = async (id: string) =>
  (
    await sql()<{ status: string; run: number; attempts: number; error_code: string | null; error_message: string | null }[]>`
      SELECT status, run, attempts, error_code, error_message FROM imports WHERE id = ${id}`
  )[0]
const count = async (query: Promise<{ n: number }[]>) => Number((await query)[0]?.n)
const scoreRequests = (id: string) => count(sql()`SELECT count(*)::int AS n FROM score_requests WHERE import_id = ${id}`)
const mailsAbout = (id: string) => t.mailer.sent.filter((m) => m.text.includes(`/imports/${id}`)).length
const settle = (ms = 1_500) => new Promise((r) => setTimeout(r, ms))

/** A small enrolment file, different each time (so never a duplicate). */
function enrolments(rows = 3) {
  fileNo++
  const lines = [['id_pseudo', 'annee_univ', 'code_etape', 'niveau']]
  for (let i = 0; i < rows; i++) {
    lines.push([pseudo(fileNo * 100 + i), '2025/2026', 'L2HIS', 'L2'])
  }
  return csvFile(lines)
}

async function uploadQueued(): Promise<string> {
  const res = await upload(t.app, token, 'etudiants', enrolments())
  expect(res.statusCode, res.body).toBe(202)
  return res.json().id as string
}

/** As if the import had been claimed, then its worker and its job vanished (Redis lost it). */
async function orphan(id: string, status: 'queued' | 'processing', attempts: number) {
  const jobId = JOBS['import.process'].jobId({ importId: id, run: (await importRow(id))?.run ?? 1 })
  await services().queues.get('imports').remove(jobId)
  expect(await services().queues.get('imports').getJobState(jobId)).toBe('unknown')
  await sql()`UPDATE imports SET status = ${status}, attempts = ${attempts}, updated_at = now() - interval '1 hour' WHERE id = ${id}`
}

const start = (opts: Partial<Parameters<typeof startWorkers>[0]> = {}) =>
  (workers = startWorkers({ config: t.config, services: services(), log: t.app.log, schedules: false, ...opts }))

describe('a worker killed right after the commit', () => {
  it('loses nothing: the reconciler enqueues scoring and the e-mail, each runs once', async () => {
    const id = await uploadQueued()
    const c = t.config
    const child = spawn(process.execPath, ['--import', 'tsx', 'tests/helpers/worker-dies-after-commit.ts'], {
      env: {
        PATH: process.env.PATH,
        NODE_ENV: 'test',
        DATABASE_URL: c.DATABASE_URL,
        REDIS_URL: c.REDIS_URL,
        REDIS_PREFIX: c.REDIS_PREFIX,
        JWT_SECRET: c.JWT_SECRET,
        DATA_ENCRYPTION_KEY: c.DATA_ENCRYPTION_KEY,
        UPLOAD_DIR: c.UPLOAD_DIR,
        LOG_LEVEL: 'error',
        WORKER_LOCK_MS: '2000',
        WORKER_CONCURRENCY: '1',
      },
      stdio: ['ignore', 'inherit', 'inherit'],
    })
    const exit = await new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      child.once('exit', (code, signal) => resolve({ code, signal })),
    )
    expect(exit.signal).toBe('SIGKILL')

    // Committed: the data and `succeeded`, with the two follow-ups waiting in the outbox.
    expect((await importRow(id))?.status).toBe('succeeded')
    const pending = await sql()<{ job_name: string }[]>`
      SELECT job_name FROM outbox WHERE payload->>'importId' = ${id} AND enqueued_at IS NULL ORDER BY id`
    expect(pending.map((r) => r.job_name)).toEqual(['score.cohort', 'import.notify'])
    expect(await scoreRequests(id)).toBe(0)
    expect(mailsAbout(id)).toBe(0)

    // A new worker, with the repeatable reconciler scheduled as in production.
    start({ schedules: true, lockDurationMs: 2_000 })
    await expect.poll(() => scoreRequests(id), { timeout: 30_000, interval: 200 }).toBe(1)
    await expect.poll(() => mailsAbout(id), { timeout: 30_000, interval: 200 }).toBe(1)
    // The dead worker's `import.process` job stalls, is taken over, and finds nothing to do.
    const job = JOBS['import.process'].jobId({ importId: id, run: 1 })
    await expect.poll(() => services().queues.get('imports').getJobState(job), { timeout: 30_000, interval: 200 }).toBe('completed')
    expect((await services().queues.get('imports').getJob(job))?.returnvalue).toBe('skipped')
    await settle()
    expect(await scoreRequests(id)).toBe(1)
    expect(mailsAbout(id)).toBe(1)
    expect(await importRow(id)).toMatchObject({ status: 'succeeded', attempts: 1, run: 1 })
    expect(await count(sql()`SELECT count(*)::int AS n FROM enrolments WHERE import_id = ${id}`)).toBe(3)
  })
})

describe('the reconciler: imports without a live job', () => {
  it('takes over an import left processing whose job vanished, and it completes on a new run', async () => {
    const id = await uploadQueued()
    await orphan(id, 'processing', 1)
    expect(await services().importRecovery.sweep()).toEqual({ requeued: 1, failed: 0 })
    expect(await importRow(id)).toMatchObject({ status: 'queued', run: 2 })
    // Its new job is in BullMQ; a second sweep leaves it alone.
    const next = JOBS['import.process'].jobId({ importId: id, run: 2 })
    expect(await services().queues.get('imports').getJobState(next)).toBe('waiting')
    expect(await services().importRecovery.sweep()).toEqual({ requeued: 0, failed: 0 })

    start()
    const done = await waitForImport(t.app, token, id)
    expect(done.status, done.errorMessage ?? '').toBe('succeeded')
    expect(await importRow(id)).toMatchObject({ run: 2, attempts: 2 })
  })

  it('re-enqueues an import left queued whose job vanished', async () => {
    const id = await uploadQueued()
    await orphan(id, 'queued', 0)
    expect(await services().importRecovery.sweep()).toEqual({ requeued: 1, failed: 0 })
    start()
    const done = await waitForImport(t.app, token, id)
    expect(done.status, done.errorMessage ?? '').toBe('succeeded')
  })

  it('leaves alone an old import whose job is still waiting, and one whose job is only in the outbox', async () => {
    const id = await uploadQueued()
    await sql()`UPDATE imports SET updated_at = now() - interval '1 hour' WHERE id = ${id}`
    expect(await services().importRecovery.sweep()).toEqual({ requeued: 0, failed: 0 })

    const other = await uploadQueued()
    await orphan(other, 'queued', 0)
    await sql()`UPDATE outbox SET enqueued_at = NULL WHERE payload->>'importId' = ${other}`
    expect(await services().importRecovery.sweep()).toEqual({ requeued: 0, failed: 0 })
    expect(await importRow(other)).toMatchObject({ status: 'queued', run: 1 })

    start()
    await services().outbox.flush()
    for (const i of [id, other]) {
      expect((await waitForImport(t.app, token, i)).status).toBe('succeeded')
    }
  })

  it('records the failure of a job that failed for good when its worker could not', async () => {
    const id = await uploadQueued()
    start({
      registry: {
        ...registry,
        // Claims the import, then fails for good.
        'import.process': async ({ importId }) => {
          await sql()`UPDATE imports SET status = 'processing', attempts = attempts + 1 WHERE id = ${importId}`
          throw new UnrecoverableError('simulated: permanent failure')
        },
      },
    })
    const job = JOBS['import.process'].jobId({ importId: id, run: 1 })
    await expect.poll(() => services().queues.get('imports').getJobState(job), { timeout: 10_000 }).toBe('failed')
    await expect.poll(async () => (await importRow(id))?.status, { timeout: 10_000 }).toBe('failed')
    // As if the worker died before its `failed` handler ran.
    await sql()`UPDATE imports SET status = 'processing', attempts = 1, updated_at = now() - interval '1 hour' WHERE id = ${id}`
    expect(await services().importRecovery.sweep()).toEqual({ requeued: 0, failed: 1 })
    expect(await importRow(id)).toMatchObject({ status: 'failed', error_code: 'technical' })
  })
})

describe('runs that keep dying, then a retry by staff', () => {
  let id: string

  it('fails an import whose runs keep dying, with a French message and an e-mail', async () => {
    id = await uploadQueued()
    await orphan(id, 'processing', 3)
    expect(await services().importRecovery.sweep()).toEqual({ requeued: 0, failed: 1 })
    const row = await importRow(id)
    expect(row).toMatchObject({ status: 'failed', error_code: 'interrupted', run: 1 })
    expect(row?.error_message).toMatch(/interrompu plusieurs fois.*Aucune donnée.*relancer l’import/)
    start()
    await expect.poll(() => mailsAbout(id), { timeout: 10_000 }).toBe(1)
    // A late job of the dead run can no longer touch it.
    expect(await services().importProcessor.process({ importId: id, run: 1 })).toBe('skipped')
    expect(await services().importProcessor.markFailed(id, 1)).toBe(false)
  })

  it('offers the retry on the page, and the retried import loads on a new run', async () => {
    const { cookie } = await loginWithForm(t.app, 'universite@demo.repere.test')
    const page = await t.app.inject({ method: 'GET', url: `/imports/${id}`, headers: { cookie } })
    expect(page.statusCode).toBe(200)
    expect(page.body).toContain('Relancer l’import')
    const csrf = await csrfFor(t.app, cookie, `/imports/${id}`)
    const res = await t.app.inject({
      method: 'POST',
      url: `/imports/${id}/relancer`,
      headers: { cookie: csrf.cookie, 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({ _csrf: csrf.token }).toString(),
    })
    expect(res.statusCode, res.body).toBe(303)
    expect(res.headers.location).toBe(`/imports/${id}`)
    expect(await importRow(id)).toMatchObject({ status: 'queued', run: 2, attempts: 0, error_code: null, error_message: null })

    start()
    const done = await waitForImport(t.app, token, id)
    expect(done.status, done.errorMessage ?? '').toBe('succeeded')
    expect(done.rowsLoaded).toBe(3)
    // One e-mail for the failed run, one for the retried one.
    await expect.poll(() => mailsAbout(id), { timeout: 10_000 }).toBe(2)
    const audit = await sql()`SELECT details FROM audit_log WHERE action = 'import.retry' AND entity_id = ${id}`
    expect(audit).toHaveLength(1)
  })

  it('refuses to retry an import that did not fail, and never relabels a committed import failed', async () => {
    const res = await t.app.inject({ method: 'POST', url: `/api/v1/imports/${id}/retry`, headers: { authorization: `Bearer ${token}` } })
    expect(res.statusCode).toBe(409)
    expect(res.json().message).toBe('Seul un import échoué peut être relancé.')
    expect(await services().importProcessor.markFailed(id, 2)).toBe(false)
    expect((await importRow(id))?.status).toBe('succeeded')
  })
})

describe('retry and re-upload of a failed import (API)', () => {
  async function failedImport(content: Buffer): Promise<string> {
    const res = await upload(t.app, token, 'etudiants', content)
    expect(res.statusCode, res.body).toBe(202)
    const id = res.json().id as string
    await sql()`UPDATE imports SET status = 'processing' WHERE id = ${id}`
    expect(await services().importProcessor.markFailed(id, 1)).toBe(true)
    return id
  }

  it('retries through the API twin: 202 and queued again', async () => {
    const id = await failedImport(enrolments())
    const res = await t.app.inject({ method: 'POST', url: `/api/v1/imports/${id}/retry`, headers: { authorization: `Bearer ${token}` } })
    expect(res.statusCode, res.body).toBe(202)
    expect(res.json()).toMatchObject({ id, status: 'queued', errorCode: null })
    start()
    expect((await waitForImport(t.app, token, id)).status).toBe('succeeded')
  })

  it('accepts a re-upload of a failed file; the old import then cannot be retried', async () => {
    const content = enrolments()
    const id = await failedImport(content)
    const again = await upload(t.app, token, 'etudiants', content)
    expect(again.statusCode, again.body).toBe(202)
    expect(again.json().id).not.toBe(id)
    const res = await t.app.inject({ method: 'POST', url: `/api/v1/imports/${id}/retry`, headers: { authorization: `Bearer ${token}` } })
    expect(res.statusCode).toBe(409)
    expect(res.json().message).toMatch(/déposé à nouveau/)
    // …and the re-upload itself is now the live one: a third copy is a duplicate.
    const third = await upload(t.app, token, 'etudiants', content)
    expect(third.statusCode).toBe(409)
    expect(third.json().existingImportId).toBe(again.json().id)
  })

  it('refuses to retry when the file is no longer kept, saying to upload it again', async () => {
    const id = await failedImport(enrolments())
    const [row] = await sql()<{ stored_path: string }[]>`SELECT stored_path FROM imports WHERE id = ${id}`
    await unlink(row?.stored_path ?? '')
    const res = await t.app.inject({ method: 'POST', url: `/api/v1/imports/${id}/retry`, headers: { authorization: `Bearer ${token}` } })
    expect(res.statusCode).toBe(409)
    expect(res.json().message).toBe('Le fichier de cet import n’est plus disponible sur la plateforme : déposez-le à nouveau.')
    expect((await importRow(id))?.status).toBe('failed')
  })
})
