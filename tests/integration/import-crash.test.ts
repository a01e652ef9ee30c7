/**
 * A worker process killed in the middle of an import leaves no partial data, and the import
 * is taken over by another worker and completed (or failed cleanly), never half-loaded.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { apiToken, startTestApp, type TestApp } from '../helpers/app.ts'
import { csvFile, pseudo, upload, waitForImport } from '../helpers/imports.ts'

let t: TestApp
let token: string
const children: ChildProcess[] = []

function startWorkerProcess(): ChildProcess {
  const c = t.config
  const child = spawn(process.execPath, ['--import', 'tsx', 'workers/main.ts'], {
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
  children.push(child)
  return child
}

beforeAll(async () => {
  t = await startTestApp()
  token = await apiToken(t.app, 'universite@demo.repere.test')
})
afterAll(async () => {
  for (const c of children) {
    c.kill('SIGKILL')
  }
  await t?.close()
})

describe('worker killed mid-import', () => {
  it('rolls back everything, then a new worker completes the import', async () => {
    const rows: string[][] = [['id_pseudo', 'code_elp', 'type_seance', 'date_seance', 'statut_presence']]
    const n = 300_000
    for (let i = 0; i < n; i++) {
      const day = 1 + (i % 28)
      const month = 9 + (Math.floor(i / 28) % 4)
      rows.push([
        pseudo(i % 5_000),
        `UE${Math.floor(i / 5_000) % 60}`,
        'TD',
        `${String(day).padStart(2, '0')}/${month}/2025`,
        i % 4 ? 'P' : 'ABI',
      ])
    }
    const res = await upload(t.app, token, 'assiduite', csvFile(rows, { encoding: 'windows-1252' }))
    expect(res.statusCode, res.body).toBe(202)
    const id = res.json().id as string

    const first = startWorkerProcess()
    // Wait until the worker is inside the transaction (progress is written every 25,000 rows).
    await expect
      .poll(async () => Number((await t.database.sql`SELECT rows_read FROM imports WHERE id = ${id}`)[0]?.rows_read), {
        timeout: 30_000,
        interval: 50,
      })
      .toBeGreaterThan(0)
    first.kill('SIGKILL')
    await new Promise((r) => first.once('exit', r))

    const [mid] = await t.database.sql`SELECT status FROM imports WHERE id = ${id}`
    expect(mid?.status).toBe('processing')
    // Nothing of the interrupted transaction is visible: no rows, no students.
    expect(Number((await t.database.sql`SELECT count(*)::int AS n FROM attendance_sessions WHERE import_id = ${id}`)[0]?.n)).toBe(0)
    expect(Number((await t.database.sql`SELECT count(*)::int AS n FROM students`)[0]?.n)).toBe(0)

    startWorkerProcess()
    const done = await waitForImport(t.app, token, id, 90_000)
    expect(done.status, done.errorMessage ?? '').toBe('succeeded')
    expect(done.rowsLoaded).toBe(n)
    expect(Number((await t.database.sql`SELECT count(*)::int AS n FROM attendance_sessions WHERE import_id = ${id}`)[0]?.n)).toBe(n)
    const [imp] = await t.database.sql`SELECT attempts FROM imports WHERE id = ${id}`
    expect(imp?.attempts).toBe(2)
  })
})
