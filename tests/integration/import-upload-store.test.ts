/**
 * Server and worker on "two machines": with UPLOAD_STORE=postgres, a worker process started in
 * another folder, with its own upload folder and temporary folder, shares nothing with the
 * server but PostgreSQL and Redis, and still loads the import; the file's chunks are deleted
 * when the import ends, and the worker's temporary copy with them.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdir, mkdtemp, readdir, rm } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { pathToFileURL } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { apiToken, startTestApp, type TestApp } from '../helpers/app.ts'
import { csvFile, pseudo, upload, waitForImport } from '../helpers/imports.ts'

const ROOT = path.resolve(import.meta.dirname, '..', '..')
let t: TestApp
let token: string
let machine: string
const children: ChildProcess[] = []

/** The worker of the other machine: another cwd, another UPLOAD_DIR and TMPDIR. */
function startRemoteWorker(): ChildProcess {
  const c = t.config
  // Resolved here: from the worker's own folder, `--import tsx` would find no package.
  const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href
  const child = spawn(process.execPath, ['--import', tsx, path.join(ROOT, 'workers/main.ts')], {
    cwd: machine,
    env: {
      PATH: process.env.PATH,
      TMPDIR: path.join(machine, 'tmp'),
      NODE_ENV: 'test',
      DATABASE_URL: c.DATABASE_URL,
      REDIS_URL: c.REDIS_URL,
      REDIS_PREFIX: c.REDIS_PREFIX,
      JWT_SECRET: c.JWT_SECRET,
      DATA_ENCRYPTION_KEY: c.DATA_ENCRYPTION_KEY,
      UPLOAD_STORE: 'postgres',
      UPLOAD_DIR: 'var/uploads',
      LOG_LEVEL: 'error',
      WORKER_CONCURRENCY: '1',
    },
    stdio: ['ignore', 'inherit', 'inherit'],
  })
  children.push(child)
  return child
}

beforeAll(async () => {
  machine = await mkdtemp(path.join(tmpdir(), 'repere-other-machine-'))
  await mkdir(path.join(machine, 'tmp'))
  t = await startTestApp({ UPLOAD_STORE: 'postgres' })
  token = await apiToken(t.app, 'universite@demo.repere.test')
})
afterAll(async () => {
  for (const c of children) {
    c.kill('SIGKILL')
  }
  await t?.close()
  await rm(machine, { recursive: true, force: true })
})

describe('UPLOAD_STORE=postgres', () => {
  it('loads an import in a worker that shares no folder with the server, then deletes the chunks', async () => {
    const n = 3_000
    const rows = [['id_pseudo', 'code_elp', 'type_seance', 'date_seance', 'statut_presence']]
    for (let i = 0; i < n; i++) {
      rows.push([
        pseudo(i % 300),
        `UE${Math.floor(i / 300)}`,
        'TD',
        `${String(1 + (i % 28)).padStart(2, '0')}/10/2025`,
        i % 5 ? 'P' : 'ABI',
      ])
    }
    const res = await upload(t.app, token, 'assiduite', csvFile(rows, { encoding: 'windows-1252' }))
    expect(res.statusCode, res.body).toBe(202)
    const id = res.json<{ id: string }>().id

    const [stored] = await t.database.sql<{ stored_path: string }[]>`SELECT stored_path FROM imports WHERE id = ${id}`
    const key = stored?.stored_path ?? ''
    expect(key).toMatch(/^pg:/)
    const chunks = async () =>
      Number((await t.database.sql`SELECT count(*)::int AS n FROM upload_chunks WHERE upload_id = ${key.slice(3)}::uuid`)[0]?.n)
    expect(await chunks()).toBeGreaterThan(0)

    startRemoteWorker()
    const done = await waitForImport(t.app, token, id, 90_000)
    expect(done.status, done.errorMessage ?? '').toBe('succeeded')
    expect(done.rowsLoaded).toBe(n)
    expect(Number((await t.database.sql`SELECT count(*)::int AS n FROM attendance_sessions WHERE import_id = ${id}`)[0]?.n)).toBe(n)
    // The import ended: its file is gone from the store, and the worker kept no copy.
    // (The worker deletes them just after committing the import, so wait a moment.)
    await expect.poll(chunks, { timeout: 10_000 }).toBe(0)
    expect(await t.app.services.uploads.exists(key)).toBe(false)
    // (tsx keeps its compile cache there too.)
    await expect
      .poll(async () => (await readdir(path.join(machine, 'tmp'))).filter((f) => !f.startsWith('tsx-')), { timeout: 10_000 })
      .toEqual([])
  })
})
