/**
 * `npm run bench -- ingest [--rows N] [--quick] [--store disk|postgres|both]`: end-to-end speed and
 * memory of an attendance import, through the real HTTP API, the real worker and the real database,
 * for each upload store (UPLOAD_STORE): steps 3 and 5 run once per store, step 4 once.
 *
 *  1. A dedicated database `repere_bench` (dropped, created, migrated, seeded with organisations and
 *     users), a random Redis prefix, an upload folder under /tmp, a free port and fresh secrets.
 *  2. A Windows-1252 `;` export of N session rows for 28,000 students, streamed to disk.
 *  3. Server and worker as child processes; the file is uploaded as a streamed multipart body and
 *     the import polled until it succeeds: rows/s from upload start to success. RSS of both
 *     processes every 100 ms; the worker's statements and CPU every 50 ms (pg_stat_activity, /proc)
 *     say where the time goes without touching the pipeline.
 *  4. The same rows, already resolved, through a raw `COPY` into the same table: the ceiling.
 *  5. Two more imports of ≈50 MB and ≈200 MB (fresh data and processes each time): RSS growth must
 *     not follow the file size.
 *
 * Every figure goes to stdout as `key=value`, one per line; progress goes to stderr as `# …`. The disk
 * store's figures keep their names; the PostgreSQL store's end in `_postgres` (`ingest_ratio_postgres`).
 * Targets: ingest_ratio ≥ 0.5, rss_ratio_200_50 ≤ 1.2. A missed target still exits 0; a broken
 * run (import failed, child died) exits 1.
 *
 * Environment (optional): DATABASE_URL and REDIS_URL give the hosts (the database name is always
 * repere_bench), BENCH_LOG_LEVEL the children's LOG_LEVEL (default info), BENCH_NODE_FLAGS extra
 * node flags for the children (diagnosis only, e.g. `--trace-gc`), BENCH_KEEP_LOGS=1 keeps the
 * children's logs (the work folder) after a successful run.
 */
import { WORKER_NODE_FLAGS } from '../../workers/node-flags.ts'
import { randomBytes } from 'node:crypto'
import { createReadStream, readFileSync } from 'node:fs'
import { mkdir, mkdtemp, readdir, rm } from 'node:fs/promises'
import http from 'node:http'
import { createServer } from 'node:net'
import { availableParallelism, loadavg, tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { performance } from 'node:perf_hooks'
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { fileURLToPath } from 'node:url'
import { Redis } from 'ioredis'
import postgres from 'postgres'
import { createDatabase } from '../../db/client.ts'
import { generateSecrets } from '../lib/env-file.ts'
import { isAlive, sleep } from '../lib/proc.ts'
import { migrate } from '../migrate.ts'
import { DEMO_PASSWORD, seedOrganisations, seedUsers } from '../seed.ts'
import { COPY_COLUMNS, STUDENTS, copyTextChunks, pseudo, writeAttendanceFile } from './attendance-data.ts'
import { RssSampler, childFailure, cpuMs, describeProcess, idleRss, startChild, stopBenchChild, type BenchChild } from './procs.ts'

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..')
const BENCH_DATABASE = 'repere_bench'
const UNIVERSITY_LOGIN = 'universite@demo.repere.test'
const PREFERRED_PORT = 3900
const MiB = 1 << 20
const INGEST_TARGET = 0.5
const RSS_TARGET = 1.2
const HEALTH_TIMEOUT_MS = 90_000
const IMPORT_TIMEOUT_MS = 30 * 60_000

export const INGEST_USAGE = `usage: npm run bench -- ingest [--rows N] [--quick] [--store disk|postgres|both]
  --rows N   rows of the main file (default 1000000, about 50 MB)
  --quick    a fast check: 200000 rows, then 10 MB and 40 MB files for the RSS ratio
  --store S  the upload store(s) measured (default both)`

type Store = 'disk' | 'postgres'
type Options = { rows: number; sizesMiB: [number, number]; stores: Store[] }

function parseOptions(args: string[]): Options | string {
  let rows: number | undefined
  let quick = false
  let stores: Store[] = ['disk', 'postgres']
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!
    if (a === '--quick') {
      quick = true
    } else if (a === '--store' || a.startsWith('--store=')) {
      const raw = a === '--store' ? args[++i] : a.slice('--store='.length)
      if (raw !== 'disk' && raw !== 'postgres' && raw !== 'both') {
        return `--store needs disk, postgres or both (got ${raw ?? 'nothing'})`
      }
      stores = raw === 'both' ? ['disk', 'postgres'] : [raw]
    } else if (a === '--rows' || a.startsWith('--rows=')) {
      const raw = a === '--rows' ? args[++i] : a.slice('--rows='.length)
      const n = Number(raw?.replace(/_/g, ''))
      if (!Number.isInteger(n) || n < 1) {
        return `--rows needs a positive integer (got ${raw ?? 'nothing'})`
      }
      rows = n
    } else {
      return `unknown option ${a}`
    }
  }
  return quick ? { rows: rows ?? 200_000, sizesMiB: [10, 40], stores } : { rows: rows ?? 1_000_000, sizesMiB: [50, 200], stores }
}

// ─── Output ──────────────────────────────────────────────────────────────────────────────────────

const emitKey = (key: string, value: string | number | boolean): void => {
  process.stdout.write(`${key}=${value}\n`)
}
const emit = emitKey
const note = (message: string): void => {
  process.stderr.write(`# ${message}\n`)
}
const mb = (kib: number) => Math.round((kib / 1024) * 10) / 10
const round1 = (x: number) => Math.round(x * 10) / 10

// ─── Setup ───────────────────────────────────────────────────────────────────────────────────────

type Ctx = {
  work: string
  uploadDir: string
  port: number
  base: string
  env: NodeJS.ProcessEnv
  redisUrl: string
  prefix: string
  sql: postgres.Sql
  watchSql: postgres.Sql
  universityId: string
  /** Extra node flags for the children (BENCH_NODE_FLAGS, e.g. --trace-gc), for diagnosis only. */
  nodeFlags: string[]
}

function freePort(preferred: number): Promise<number> {
  const tryListen = (port: number) =>
    new Promise<number | undefined>((done) => {
      const probe = createServer()
      probe.once('error', () => done(undefined))
      probe.listen({ port, host: '127.0.0.1', exclusive: true }, () => {
        const address = probe.address()
        probe.close(() => done(typeof address === 'object' && address ? address.port : undefined))
      })
    })
  return tryListen(preferred).then(async (p) => p ?? (await tryListen(0)) ?? Promise.reject(new Error('no free port')))
}

function databaseUrls(): { admin: string; bench: string } {
  const url = new URL(process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/repere')
  const withDb = (name: string) => {
    const u = new URL(url)
    u.pathname = `/${name}`
    return u.toString()
  }
  return { admin: withDb('postgres'), bench: withDb(BENCH_DATABASE) }
}

async function setUp(work: string): Promise<Ctx> {
  const urls = databaseUrls()
  note(`database ${BENCH_DATABASE}: drop, create, migrate, seed organisations and users`)
  const admin = postgres(urls.admin, { max: 1, onnotice: () => {} })
  try {
    await admin.unsafe(`DROP DATABASE IF EXISTS ${BENCH_DATABASE} WITH (FORCE)`)
    await admin.unsafe(`CREATE DATABASE ${BENCH_DATABASE}`)
  } finally {
    await admin.end({ timeout: 5 })
  }
  await migrate(urls.bench)
  const database = createDatabase(urls.bench, { max: 2, appName: 'repere-bench-seed' })
  let universityId: string
  try {
    const orgIds = await seedOrganisations(database.db)
    await seedUsers(database.db, orgIds)
    universityId = orgIds.get('urca') ?? ''
    if (!universityId) {
      throw new Error('seed: no urca organisation')
    }
  } finally {
    await database.close()
  }

  const uploadDir = join(work, 'uploads')
  await mkdir(uploadDir, { mode: 0o700 })
  const port = await freePort(PREFERRED_PORT)
  const prefix = `bench-${randomBytes(4).toString('hex')}`
  const redisUrl = process.env.REDIS_URL || 'redis://127.0.0.1:6379'
  const secrets = generateSecrets()
  // Built from scratch: nothing from the caller's .env or npm leaks into the children.
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin',
    HOME: process.env.HOME ?? tmpdir(),
    TMPDIR: tmpdir(),
    NODE_ENV: 'production',
    HOST: '127.0.0.1',
    PORT: String(port),
    PUBLIC_URL: `http://127.0.0.1:${port}`,
    DATABASE_URL: urls.bench,
    REDIS_URL: redisUrl,
    REDIS_PREFIX: prefix,
    JWT_SECRET: secrets.JWT_SECRET,
    DATA_ENCRYPTION_KEY: secrets.DATA_ENCRYPTION_KEY,
    LOG_LEVEL: process.env.BENCH_LOG_LEVEL || 'info',
    UPLOAD_DIR: uploadDir,
    SMTP_HOST: '127.0.0.1',
    SMTP_PORT: '1025',
  }
  note(`port ${port}, Redis prefix ${prefix}, work folder ${work}`)
  return {
    work,
    uploadDir,
    port,
    base: `http://127.0.0.1:${port}`,
    env,
    redisUrl,
    prefix,
    sql: postgres(urls.bench, { max: 1, onnotice: () => {}, connection: { application_name: 'repere-bench' } }),
    watchSql: postgres(urls.bench, { max: 1, onnotice: () => {}, connection: { application_name: 'repere-bench-watch' } }),
    universityId,
    nodeFlags: (process.env.BENCH_NODE_FLAGS ?? '').split(/\s+/).filter(Boolean),
  }
}

/** Fresh data for the next run: every imported row, student and import goes. */
async function truncateData(sql: postgres.Sql): Promise<void> {
  await sql.unsafe('TRUNCATE students, imports, import_errors, score_requests, audit_log, upload_chunks RESTART IDENTITY CASCADE')
}

/** A succeeded import deletes its file: no chunk may stay in PostgreSQL. */
async function assertNoChunksLeft(sql: postgres.Sql): Promise<void> {
  const [{ count } = { count: 0 }] = await sql<{ count: number }[]>`SELECT count(*)::int AS count FROM upload_chunks`
  if (count !== 0) {
    throw new Error(`upload_chunks still holds ${count} rows after the import succeeded`)
  }
}

/** Writes dirty buffers out, so a run does not pay for the previous one's writes. */
async function checkpoint(sql: postgres.Sql): Promise<void> {
  await sql.unsafe('CHECKPOINT')
}

async function cleanRedis(url: string, prefix: string): Promise<number> {
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 })
  let deleted = 0
  try {
    await redis.connect()
    let cursor = '0'
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000)
      cursor = next
      if (keys.length > 0) {
        deleted += await redis.del(...keys)
      }
    } while (cursor !== '0')
  } finally {
    redis.disconnect()
  }
  return deleted
}

// ─── Server and worker ───────────────────────────────────────────────────────────────────────────

type Stack = { server: BenchChild; worker: BenchChild }

function assertAlive(stack: Stack): void {
  for (const child of [stack.server, stack.worker]) {
    if (!isAlive(child.proc)) {
      throw new Error(childFailure(child))
    }
  }
}

async function startStack(ctx: Ctx, label: string): Promise<Stack> {
  const stack = {
    server: startChild('server', 'server/server.ts', {
      cwd: ROOT,
      env: ctx.env,
      nodeFlags: ctx.nodeFlags,
      logPath: join(ctx.work, `${label}-server.log`),
    }),
    worker: startChild('worker', 'workers/main.ts', {
      cwd: ROOT,
      env: ctx.env,
      nodeFlags: [...WORKER_NODE_FLAGS, ...ctx.nodeFlags],
      logPath: join(ctx.work, `${label}-worker.log`),
    }),
  }
  const deadline = Date.now() + HEALTH_TIMEOUT_MS
  let healthy = false
  let workerReady = false
  while (!healthy || !workerReady) {
    assertAlive(stack)
    if (Date.now() > deadline) {
      throw new Error(`server or worker not ready within ${HEALTH_TIMEOUT_MS / 1000} s (see ${ctx.work})`)
    }
    if (!healthy) {
      try {
        const res = await fetch(`${ctx.base}/health`, { signal: AbortSignal.timeout(2_000) })
        await res.body?.cancel()
        healthy = res.status === 200
      } catch {
        // not listening yet
      }
    }
    workerReady ||= logEntries(stack.worker.logPath).some((e) => e.msg === 'workers started')
    if (!healthy || !workerReady) {
      await sleep(200)
    }
  }
  for (const child of [stack.server, stack.worker]) {
    const { cmdline, children } = describeProcess(child.pid)
    note(
      `${child.name} pid ${child.pid}: ${cmdline}${children.length ? ` (child processes: ${children.join(', ')})` : ' (no child process)'}`,
    )
  }
  return stack
}

async function stopStack(stack: Stack | undefined): Promise<void> {
  if (stack) {
    await Promise.all([stopBenchChild(stack.server), stopBenchChild(stack.worker)])
  }
}

type LogEntry = { msg?: string; time?: number; importId?: string; ms?: number; [k: string]: unknown }

function logEntries(path: string): LogEntry[] {
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch {
    return []
  }
  const out: LogEntry[] = []
  for (const line of text.split('\n')) {
    if (line.startsWith('{')) {
      try {
        out.push(JSON.parse(line) as LogEntry)
      } catch {
        // a partial line
      }
    }
  }
  return out
}

// ─── HTTP ────────────────────────────────────────────────────────────────────────────────────────

type ImportJson = {
  id: string
  status: string
  rowsRead: number
  rowsValid: number
  rowsInvalid: number
  rowsLoaded: number
  errorCode: string | null
  errorMessage: string | null
  startedAt: string | null
}

async function token(ctx: Ctx): Promise<string> {
  const res = await fetch(`${ctx.base}/api/v1/auth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: UNIVERSITY_LOGIN, password: DEMO_PASSWORD }),
  })
  const body = (await res.json()) as { token?: string; message?: string }
  if (res.status !== 200 || !body.token) {
    throw new Error(`POST /api/v1/auth/token answered ${res.status}: ${body.message ?? ''}`)
  }
  return body.token
}

/** POST /api/v1/imports?kind=assiduite with a multipart body streamed from disk (never in memory). */
function upload(ctx: Ctx, bearer: string, path: string, size: number): Promise<{ status: number; text: string }> {
  const boundary = `----repere-bench-${randomBytes(12).toString('hex')}`
  const head = Buffer.from(
    `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="assiduite-bench.csv"\r\nContent-Type: text/csv\r\n\r\n`,
  )
  const end = Buffer.from(`\r\n--${boundary}--\r\n`)
  return new Promise((done, fail) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port: ctx.port,
        method: 'POST',
        path: '/api/v1/imports?kind=assiduite',
        headers: {
          authorization: `Bearer ${bearer}`,
          'content-type': `multipart/form-data; boundary=${boundary}`,
          'content-length': head.length + size + end.length,
        },
      },
      (res) => {
        let text = ''
        res.setEncoding('utf8')
        res.on('data', (chunk: string) => (text += chunk))
        res.on('end', () => done({ status: res.statusCode ?? 0, text }))
        res.on('error', fail)
      },
    )
    req.on('error', fail)
    const body = Readable.from(
      (async function* () {
        yield head
        yield* createReadStream(path, { highWaterMark: MiB })
        yield end
      })(),
    )
    pipeline(body, req).catch(fail)
  })
}

async function getImport(ctx: Ctx, bearer: string, id: string): Promise<ImportJson> {
  const res = await fetch(`${ctx.base}/api/v1/imports/${id}`, { headers: { authorization: `Bearer ${bearer}` } })
  if (res.status !== 200) {
    throw new Error(`GET /api/v1/imports/${id} answered ${res.status}: ${await res.text()}`)
  }
  return (await res.json()) as ImportJson
}

// ─── Where the worker's time goes ────────────────────────────────────────────────────────────────

type Statement = { pid: number; start: number; query: string }
type CpuSample = { t: number; worker?: number; backends: Map<number, number>; waits: Map<number, string> }

/**
 * Polls pg_stat_activity for the worker's statements (one row per statement start) and samples the
 * CPU time of the worker and of its busy PostgreSQL backends, every 50 ms.
 */
class WorkerWatch {
  readonly statements = new Map<string, Statement>()
  readonly cpu: CpuSample[] = []
  private stopped = false
  private loop: Promise<void> | undefined

  constructor(
    private readonly sql: postgres.Sql,
    private readonly workerPid: number,
  ) {}

  start(): void {
    this.loop = this.run()
  }

  async stop(): Promise<void> {
    this.stopped = true
    await this.loop
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      const rows = await this.sql<{ pid: number; query_start: Date; query: string; state: string; wait: string | null }[]>`
        SELECT pid, query_start, left(query, 600) AS query, state, wait_event_type || ':' || wait_event AS wait FROM pg_stat_activity
        WHERE datname = current_database() AND application_name = 'repere-worker' AND state <> 'idle' AND query_start IS NOT NULL`
      const backends = new Map<number, number>()
      const waits = new Map<number, string>()
      for (const r of rows) {
        // "CPU" = active and not waiting; Client:ClientRead during COPY = waiting for the worker's data.
        waits.set(r.pid, r.wait ?? (r.state === 'active' ? 'CPU' : r.state))
        const key = `${r.pid}|${r.query_start.getTime()}|${r.query.slice(0, 30)}`
        if (!this.statements.has(key)) {
          this.statements.set(key, { pid: r.pid, start: r.query_start.getTime(), query: r.query.trim() })
        }
        const c = cpuMs(r.pid)
        if (c !== undefined) {
          backends.set(r.pid, c)
        }
      }
      this.cpu.push({ t: Date.now(), worker: cpuMs(this.workerPid), backends, waits })
      await sleep(50)
    }
  }
}

/**
 * Statement text → phase. Coupled to the SQL of import-processor.ts and loaders.ts on purpose: a
 * statement no longer recognised shows up as phase "other", and a note on stderr names it.
 */
const PHASES: [RegExp, string][] = [
  [/^COPY stg/i, 'parse_copy'],
  [/^INSERT INTO students/i, 'students'],
  [/^(SAVEPOINT|RELEASE SAVEPOINT|INSERT INTO attendance_sessions)/i, 'merge'],
  [/AS year FROM stg/i, 'academic_year'],
  [/^(DELETE FROM import_errors|UPDATE imports SET status)/i, 'finish'],
  [/^COMMIT/i, 'commit'],
]

type Phase = { name: string; ms: number; workerCpuPct?: number; pgCpuPct?: number; pgWaits?: string }

/** What a backend was doing between t0 and t1, as `CPU:70,IO:WALWrite:20,…` (% of the samples). */
function waitsOf(samples: CpuSample[], pid: number, t0: number, t1: number): string | undefined {
  const counts = new Map<string, number>()
  let n = 0
  for (const s of samples) {
    const w = s.t >= t0 && s.t <= t1 ? s.waits.get(pid) : undefined
    if (w !== undefined) {
      counts.set(w, (counts.get(w) ?? 0) + 1)
      n++
    }
  }
  if (n === 0) {
    return undefined
  }
  return [...counts]
    .sort((a, b) => b[1] - a[1])
    .map(([w, c]) => `${w}:${Math.round((c / n) * 100)}`)
    .join(',')
}

/** CPU used by a process between t0 and t1, from the samples around them, in % of one core. */
function cpuPct(samples: CpuSample[], read: (s: CpuSample) => number | undefined, t0: number, t1: number): number | undefined {
  const with_ = samples.filter((s) => read(s) !== undefined)
  const a = [...with_].reverse().find((s) => s.t <= t0) ?? with_[0]
  const b = with_.find((s) => s.t >= t1) ?? with_[with_.length - 1]
  if (!a || !b || b.t <= a.t) {
    return undefined
  }
  return Math.round(((read(b)! - read(a)!) / (b.t - a.t)) * 100)
}

function phasesOf(watch: WorkerWatch, startedAt: number, end: number): Phase[] {
  const all = [...watch.statements.values()].sort((a, b) => a.start - b.start)
  const copy = all.find((s) => /^COPY stg/i.test(s.query))
  if (!copy) {
    return []
  }
  const seq = all.filter((s) => s.pid === copy.pid && s.start >= copy.start)
  const phases: Phase[] = [{ name: 'setup', ms: copy.start - startedAt }]
  const bounds: { name: string; t0: number; t1: number }[] = []
  for (let i = 0; i < seq.length; i++) {
    const s = seq[i]!
    const t1 = seq[i + 1]?.start ?? end
    const name = PHASES.find(([re]) => re.test(s.query))?.[1] ?? 'other'
    if (name === 'other') {
      note(`phase "other" includes: ${s.query.slice(0, 100).replace(/\s+/g, ' ')}…`)
    }
    const last = bounds[bounds.length - 1]
    if (last && last.name === name) {
      last.t1 = t1
    } else {
      bounds.push({ name, t0: s.start, t1 })
    }
  }
  for (const b of bounds) {
    const existing = phases.find((p) => p.name === b.name)
    const workerCpuPct = cpuPct(watch.cpu, (s) => s.worker, b.t0, b.t1)
    const pgCpuPct = cpuPct(watch.cpu, (s) => s.backends.get(copy.pid), b.t0, b.t1)
    if (existing) {
      existing.ms += b.t1 - b.t0
    } else {
      phases.push({ name: b.name, ms: b.t1 - b.t0, workerCpuPct, pgCpuPct, pgWaits: waitsOf(watch.cpu, copy.pid, b.t0, b.t1) })
    }
  }
  return phases
}

// ─── One ingest ──────────────────────────────────────────────────────────────────────────────────

type IngestResult = {
  rows: number
  uploadMs: number
  queueMs: number
  workerMs: number
  e2eMs: number
  rowsPerS: number
  serverUploadCpuPct: number | undefined
  phases: Phase[]
  rss: { server: { idle: number; peak: number }; worker: { idle: number; peak: number } }
}

async function ingest(ctx: Ctx, label: string, file: { path: string; rows: number; bytes: number }): Promise<IngestResult> {
  let stack: Stack | undefined
  try {
    stack = await startStack(ctx, label)
    const bearer = await token(ctx)
    const pids = [stack.server.pid, stack.worker.pid]
    await sleep(1_000) // let start-up work settle before the idle baseline
    const idle = await idleRss(pids)
    await checkpoint(ctx.sql)

    const sampler = new RssSampler(pids, 100)
    const watch = new WorkerWatch(ctx.watchSql, stack.worker.pid)
    sampler.start()
    watch.start()
    const serverCpu0 = cpuMs(stack.server.pid)
    const t0 = performance.now()
    const wall0 = Date.now()
    note(`${label}: uploading ${file.rows} rows (${round1(file.bytes / MiB)} MB)`)
    let imp: ImportJson
    let uploadMs: number
    let serverUploadCpuPct: number | undefined
    let e2eMs: number
    let wallUploaded: number
    try {
      const res = await upload(ctx, bearer, file.path, file.bytes)
      uploadMs = performance.now() - t0
      wallUploaded = Date.now()
      const serverCpu1 = cpuMs(stack.server.pid)
      serverUploadCpuPct =
        serverCpu0 !== undefined && serverCpu1 !== undefined ? Math.round(((serverCpu1 - serverCpu0) / uploadMs) * 100) : undefined
      if (res.status !== 202) {
        throw new Error(`upload answered ${res.status}: ${res.text.slice(0, 500)}`)
      }
      imp = JSON.parse(res.text) as ImportJson
      // A fast worker may have claimed the import before the answer was written.
      if (imp.status !== 'queued' && imp.status !== 'processing') {
        throw new Error(`upload gave status ${imp.status} (expected queued or processing): ${imp.errorMessage ?? ''}`)
      }
      note(`${label}: uploaded in ${Math.round(uploadMs)} ms, import ${imp.id} queued`)
      const deadline = Date.now() + IMPORT_TIMEOUT_MS
      let lastProgress = 0
      for (;;) {
        assertAlive(stack)
        imp = await getImport(ctx, bearer, imp.id)
        if (imp.status !== 'queued' && imp.status !== 'processing') {
          break
        }
        if (Date.now() > deadline) {
          throw new Error(`import still ${imp.status} after ${IMPORT_TIMEOUT_MS / 60_000} min`)
        }
        if (Date.now() - lastProgress > 5_000) {
          lastProgress = Date.now()
          note(`${label}: ${imp.status}, ${imp.rowsRead} rows read`)
        }
        await sleep(100)
      }
      e2eMs = performance.now() - t0
    } finally {
      sampler.stop()
      await watch.stop()
    }
    if (imp.status !== 'succeeded') {
      throw new Error(`import ${imp.status}: ${imp.errorCode ?? ''} ${imp.errorMessage ?? ''}`)
    }
    if (imp.rowsLoaded !== file.rows || imp.rowsInvalid !== 0) {
      throw new Error(`import loaded ${imp.rowsLoaded} rows (${imp.rowsInvalid} invalid), expected ${file.rows}`)
    }
    const [{ count } = { count: 0 }] = await ctx.sql<{ count: number }[]>`SELECT count(*)::int AS count FROM attendance_sessions`
    if (count !== file.rows) {
      throw new Error(`attendance_sessions holds ${count} rows, expected ${file.rows}`)
    }
    const done = logEntries(stack.worker.logPath).find((e) => e.msg === 'import succeeded' && e.importId === imp.id)
    const workerMs = done?.ms ?? Number.NaN
    const startedAt = imp.startedAt ? Date.parse(imp.startedAt) : wallUploaded
    const end = done?.time ?? wall0 + e2eMs
    return {
      rows: file.rows,
      uploadMs,
      queueMs: Math.max(0, startedAt - wallUploaded),
      workerMs,
      e2eMs,
      rowsPerS: file.rows / (e2eMs / 1000),
      serverUploadCpuPct,
      phases: phasesOf(watch, startedAt, end),
      rss: {
        server: { idle: idle.get(stack.server.pid) ?? 0, peak: sampler.peakKiB.get(stack.server.pid) ?? 0 },
        worker: { idle: idle.get(stack.worker.pid) ?? 0, peak: sampler.peakKiB.get(stack.worker.pid) ?? 0 },
      },
    }
  } finally {
    await stopStack(stack)
  }
}

function emitIngest(prefix: string, r: IngestResult, suffix = ''): void {
  const emit = (key: string, value: string | number | boolean) => emitKey(`${key}${suffix}`, value)
  emit(`${prefix}upload_ms`, Math.round(r.uploadMs))
  if (r.serverUploadCpuPct !== undefined) {
    emit(`${prefix}upload_server_cpu_pct`, r.serverUploadCpuPct)
  }
  emit(`${prefix}queue_ms`, Math.round(r.queueMs))
  emit(`${prefix}worker_ms`, r.workerMs)
  for (const p of r.phases) {
    emit(`${prefix}phase_${p.name}_ms`, Math.round(p.ms))
    if (p.workerCpuPct !== undefined) {
      emit(`${prefix}phase_${p.name}_worker_cpu_pct`, p.workerCpuPct)
    }
    if (p.pgCpuPct !== undefined) {
      emit(`${prefix}phase_${p.name}_pg_cpu_pct`, p.pgCpuPct)
    }
    if (p.pgWaits !== undefined) {
      emit(`${prefix}phase_${p.name}_pg_waits_pct`, p.pgWaits)
    }
  }
  emit(`${prefix}e2e_ms`, Math.round(r.e2eMs))
}

function emitRss(prefix: string, r: IngestResult, suffix = ''): { server: number; worker: number } {
  const emit = (key: string, value: string | number | boolean) => emitKey(`${key}${suffix}`, value)
  const growth = { server: mb(r.rss.server.peak - r.rss.server.idle), worker: mb(r.rss.worker.peak - r.rss.worker.idle) }
  emit(`${prefix}server_idle_rss_mb`, mb(r.rss.server.idle))
  emit(`${prefix}server_peak_rss_mb`, mb(r.rss.server.peak))
  emit(`${prefix}server_rss_growth_mb`, growth.server)
  emit(`${prefix}worker_idle_rss_mb`, mb(r.rss.worker.idle))
  emit(`${prefix}worker_peak_rss_mb`, mb(r.rss.worker.peak))
  emit(`${prefix}worker_rss_growth_mb`, growth.worker)
  return growth
}

// ─── Raw COPY ────────────────────────────────────────────────────────────────────────────────────

async function rawCopy(ctx: Ctx, rows: number): Promise<number> {
  const { sql } = ctx
  await sql`TRUNCATE attendance_sessions`
  const students = await sql<
    { id: string; pseudo_id: string }[]
  >`SELECT id, pseudo_id FROM students WHERE university_id = ${ctx.universityId}`
  const byPseudo = new Map(students.map((s) => [s.pseudo_id, Number(s.id)]))
  const ids = Array.from({ length: STUDENTS }, (_, s) => byPseudo.get(pseudo(s)) ?? Number.NaN)
  await checkpoint(sql)
  note(`raw COPY of ${rows} rows into attendance_sessions`)
  const t0 = performance.now()
  const copy = await sql.unsafe(`COPY attendance_sessions (${COPY_COLUMNS}) FROM STDIN`).writable()
  await pipeline(Readable.from(copyTextChunks(rows, ids)), copy)
  const ms = performance.now() - t0
  const [{ count } = { count: 0 }] = await sql<{ count: number }[]>`SELECT count(*)::int AS count FROM attendance_sessions`
  if (count !== rows) {
    throw new Error(`raw COPY left ${count} rows, expected ${rows}`)
  }
  return ms
}

// ─── Main ────────────────────────────────────────────────────────────────────────────────────────

async function generate(ctx: Ctx, name: string, rows: number): Promise<{ path: string; rows: number; bytes: number; ms: number }> {
  const path = join(ctx.work, name)
  const t0 = performance.now()
  const bytes = await writeAttendanceFile(path, rows)
  const ms = performance.now() - t0
  note(`generated ${path}: ${rows} rows, ${round1(bytes / MiB)} MB in ${Math.round(ms)} ms`)
  return { path, rows, bytes, ms }
}

export async function ingestBench(args: string[]): Promise<number> {
  const options = parseOptions(args)
  if (typeof options === 'string') {
    process.stderr.write(`${options}\n${INGEST_USAGE}\n`)
    return 2
  }
  const work = await mkdtemp(join(tmpdir(), 'repere-bench-'))
  let ctx: Ctx | undefined
  let ok = false
  const onSignal = (signal: NodeJS.Signals) => {
    note(`${signal}: stopping (the exit hook kills the children)`)
    process.exit(130)
  }
  process.once('SIGINT', onSignal)
  process.once('SIGTERM', onSignal)
  try {
    ctx = await setUp(work)
    // Other work on the machine skews every timing: say how busy it was.
    emit('host_cpus', availableParallelism())
    emit('host_loadavg_start', loadavg()[0]!.toFixed(2))
    emit('rows', options.rows)
    emit('students', STUDENTS)

    // 1. The main file, generated once and uploaded once per store.
    const main = await generate(ctx, 'assiduite-main.csv', options.rows)
    const bytesPerRow = main.bytes / main.rows
    emit('file_bytes', main.bytes)
    emit('file_mb', round1(main.bytes / MiB))
    emit('bytes_per_row', round1(bytesPerRow))
    emit('generate_ms', Math.round(main.ms))
    const files = new Map<number, Awaited<ReturnType<typeof generate>>>()
    let rawRowsPerS: number | undefined
    for (const store of options.stores) {
      // The disk store's keys keep the names they always had.
      const suffix = store === 'disk' ? '' : `_${store}`
      const emitStore = (key: string, value: string | number | boolean) => emit(`${key}${suffix}`, value)
      ctx.env.UPLOAD_STORE = store
      note(`upload store: ${store}`)
      await truncateData(ctx.sql)
      const run = await ingest(ctx, `main-${store}`, main)
      await assertNoChunksLeft(ctx.sql)
      emitIngest('ingest_', run, suffix)
      emitStore('ingest_rows_per_s', Math.round(run.rowsPerS))

      // 2. The ceiling, once: the same rows, resolved, straight into the table.
      if (rawRowsPerS === undefined) {
        const copyMs = await rawCopy(ctx, options.rows)
        rawRowsPerS = options.rows / (copyMs / 1000)
        emit('raw_copy_ms', Math.round(copyMs))
        emit('raw_copy_rows_per_s', Math.round(rawRowsPerS))
      }
      const ratio = run.rowsPerS / rawRowsPerS
      emitStore('ingest_ratio', Math.round(ratio * 1000) / 1000)
      emitRss('', run, suffix)

      // 3. Memory must not follow the file size.
      const growths: number[] = []
      for (const size of options.sizesMiB) {
        const rows = Math.max(1, Math.round((size * MiB) / bytesPerRow))
        await truncateData(ctx.sql)
        const file = files.get(size) ?? (await generate(ctx, `assiduite-${size}mb.csv`, rows))
        files.set(size, file)
        const r = await ingest(ctx, `rss${size}-${store}`, file)
        await assertNoChunksLeft(ctx.sql)
        const prefix = `rss_${size}mb_`
        emitStore(`${prefix}rows`, rows)
        emitStore(`${prefix}file_mb`, round1(file.bytes / MiB))
        emitIngest(prefix, r, suffix)
        emitStore(`${prefix}rows_per_s`, Math.round(r.rowsPerS))
        const g = emitRss(prefix, r, suffix)
        growths.push(Math.max(g.server, g.worker))
      }
      const [small = 0, large = 0] = growths
      const rssRatio = small > 0 ? large / small : Number.POSITIVE_INFINITY
      emitStore('rss_ratio_200_50', Math.round(rssRatio * 1000) / 1000)
      emitStore('ingest_target_met', ratio >= INGEST_TARGET)
      emitStore('rss_target_met', rssRatio <= RSS_TARGET)
    }
    await rm(main.path, { force: true })
    for (const f of files.values()) {
      await rm(f.path, { force: true })
    }
    emit('host_loadavg_end', loadavg()[0]!.toFixed(2))
    ok = true
    return 0
  } finally {
    process.off('SIGINT', onSignal)
    process.off('SIGTERM', onSignal)
    if (ctx) {
      await Promise.allSettled([ctx.sql.end({ timeout: 5 }), ctx.watchSql.end({ timeout: 5 })])
      const keys = await cleanRedis(ctx.redisUrl, ctx.prefix).catch(() => 0)
      note(`removed ${keys} Redis keys under ${ctx.prefix}`)
    }
    if (ok && process.env.BENCH_KEEP_LOGS !== '1') {
      await rm(work, { recursive: true, force: true })
    } else {
      // Keep the children's logs for the post-mortem; the data files go.
      for (const f of await readdir(work).catch(() => [])) {
        if (f.endsWith('.csv') || f === 'uploads') {
          await rm(join(work, f), { recursive: true, force: true })
        }
      }
      note(`logs kept in ${work}`)
    }
  }
}
