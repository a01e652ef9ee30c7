/**
 * `npm run bench -- http [--seconds N] [--connections N]`: the student pages under load.
 *
 *  1. A dedicated database `repere_bench_http` (dropped, created, migrated, seeded with the
 *     organisations, communes, sites, and the journey's demo availability), one student with a
 *     personal link, a random Redis prefix, fresh secrets.
 *  2. The real server as a child process (production mode, logs at warn) and, beside it, a bare
 *     Fastify server with one trivial route (trivial-server.ts): the baseline of the same run.
 *  3. autocannon, 200 connections by default, N seconds each after a short warm-up: the trivial
 *     route, the landing page `/r/:code`, the slot list of the first place.
 *
 * Prints `key=value` lines: public_rps and public_p99_ms (landing page), slots_rps and
 * slots_p99_ms, trivial_rps/trivial_p99_ms, floor_pg_rps/floor_pg_p99_ms (a bare route with one
 * `SELECT 1`: the floor of a page that reads the database), public_ratio = landing rps / trivial
 * rps and public_floor_ratio = landing rps / floor rps. Target:
 * public_p99_ms < 100 on this machine. A missed target still exits 0; a failed run (non-2xx
 * answers, a child that died) exits 1. The rate limit of public pages is lifted for the run
 * (it would answer 429 to the benchmark's single address, which is its job).
 * Environment (optional): BENCH_NODE_FLAGS, extra node flags for the server (diagnosis only).
 */
import autocannon from 'autocannon'
import { randomBytes } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import postgres from 'postgres'
import { createDatabase } from '../../db/client.ts'
import { generateSecrets } from '../lib/env-file.ts'
import { sleep } from '../lib/proc.ts'
import { migrate } from '../migrate.ts'
import { childFailure, startChild, stopBenchChild, type BenchChild } from './procs.ts'
import { prepareJourney } from './http-data.ts'

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..')
const BENCH_DATABASE = 'repere_bench_http'
const P99_TARGET_MS = 100
const HEALTH_TIMEOUT_MS = 60_000

export const HTTP_USAGE = `usage: npm run bench -- http [--seconds N] [--connections N] [--only landing|slots]
  --seconds N       duration of each measured run (default 10)
  --connections N   concurrent connections (default 200)
  --only PAGE       drive one page only (diagnosis, e.g. with BENCH_NODE_FLAGS; no ratio printed;
                    prints the server's user and system CPU ms and PostgreSQL transactions per request)`

const note = (message: string) => process.stderr.write(`# ${message}\n`)
const print = (key: string, value: number | string) => process.stdout.write(`${key}=${value}\n`)

type Options = { seconds: number; connections: number; only?: 'landing' | 'slots' }

function parseOptions(args: string[]): Options | string {
  const options: Options = { seconds: 10, connections: 200 }
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!
    const [flag, inline] = a.split('=', 2) as [string, string | undefined]
    if (flag === '--only') {
      const page = inline ?? args[++i]
      if (page !== 'landing' && page !== 'slots') {
        return '--only needs landing or slots'
      }
      options.only = page
      continue
    }
    const key = flag === '--seconds' ? 'seconds' : flag === '--connections' ? 'connections' : undefined
    if (!key) {
      return `unknown option ${a}`
    }
    const n = Number(inline ?? args[++i])
    if (!Number.isInteger(n) || n < 1) {
      return `${flag} needs a positive integer`
    }
    options[key] = n
  }
  return options
}

function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const probe = createServer()
    probe.once('error', fail)
    probe.listen({ port: 0, host: '127.0.0.1' }, () => {
      const address = probe.address()
      probe.close(() => (typeof address === 'object' && address ? done(address.port) : fail(new Error('no free port'))))
    })
  })
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

async function waitForUrl(url: string, child: BenchChild): Promise<void> {
  const deadline = Date.now() + HEALTH_TIMEOUT_MS
  while (Date.now() < deadline) {
    if (child.proc.exitCode !== null) {
      throw new Error(childFailure(child))
    }
    try {
      const res = await fetch(url)
      if (res.ok) {
        return
      }
    } catch {
      // not listening yet
    }
    await sleep(250)
  }
  throw new Error(`${child.name} did not answer ${url} within ${HEALTH_TIMEOUT_MS / 1000} s\n${childFailure(child)}`)
}

/** CPU time (user + system) a process has used so far, in ms (Linux /proc, 100 ticks per second). */
function cpuMs(pid: number): { user: number; system: number } {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ')
  return { user: Number(fields[11]) * 10, system: Number(fields[12]) * 10 }
}

/** Transactions committed in the bench database so far (pg_stat_database, refreshed per transaction). */
async function committed(adminUrl: string): Promise<number> {
  const sql = postgres(adminUrl, { max: 1, onnotice: () => {} })
  try {
    const [row] = await sql<{ n: string }[]>`SELECT xact_commit::text AS n FROM pg_stat_database WHERE datname = ${BENCH_DATABASE}`
    return Number(row?.n ?? 0)
  } finally {
    await sql.end({ timeout: 5 })
  }
}

type Run = { rps: number; p99: number; non2xx: number; errors: number }

async function load(url: string, connections: number, seconds: number): Promise<Run> {
  const result = await autocannon({ url, connections, duration: seconds, pipelining: 1 })
  return {
    rps: Math.round(result.requests.average),
    p99: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
  }
}

/** Notes every run with non-2xx answers or errors; true when there was one. */
function reportFailures(runs: [string, Run][]): boolean {
  let failed = false
  for (const [name, run] of runs) {
    if (run.non2xx || run.errors) {
      note(`${name}: ${run.non2xx} non-2xx answers, ${run.errors} errors or timeouts`)
      failed = true
    }
  }
  return failed
}

export async function httpBench(args: string[]): Promise<number> {
  const options = parseOptions(args)
  if (typeof options === 'string') {
    process.stderr.write(`${options}\n${HTTP_USAGE}\n`)
    return 2
  }
  const urls = databaseUrls()
  note(`database ${BENCH_DATABASE}: drop, create, migrate, seed`)
  const admin = postgres(urls.admin, { max: 1, onnotice: () => {} })
  try {
    await admin.unsafe(`DROP DATABASE IF EXISTS ${BENCH_DATABASE} WITH (FORCE)`)
    await admin.unsafe(`CREATE DATABASE ${BENCH_DATABASE}`)
  } finally {
    await admin.end({ timeout: 5 })
  }
  await migrate(urls.bench)
  const secrets = generateSecrets()
  const [port, trivialPort] = [await freePort(), await freePort()]
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin',
    HOME: process.env.HOME ?? tmpdir(),
    TMPDIR: tmpdir(),
    NODE_ENV: 'production',
    HOST: '127.0.0.1',
    PORT: String(port),
    PUBLIC_URL: `http://127.0.0.1:${port}`,
    DATABASE_URL: urls.bench,
    REDIS_URL: process.env.REDIS_URL || 'redis://127.0.0.1:6379',
    REDIS_PREFIX: `bench-${randomBytes(4).toString('hex')}`,
    JWT_SECRET: secrets.JWT_SECRET,
    DATA_ENCRYPTION_KEY: secrets.DATA_ENCRYPTION_KEY,
    LOG_LEVEL: 'warn',
    PUBLIC_RATE_LIMIT_PER_MINUTE: String(100_000_000),
    SMTP_HOST: '127.0.0.1',
    SMTP_PORT: '1025',
  }
  const database = createDatabase(urls.bench, { max: 2, appName: 'repere-bench-seed' })
  let paths: { landing: string; slots: string }
  try {
    paths = await prepareJourney(database, env)
  } finally {
    await database.close()
  }

  const work = await mkdtemp(join(tmpdir(), 'repere-bench-http-'))
  const children: BenchChild[] = []
  let failed = false
  try {
    const server = startChild('server', join(ROOT, 'server/server.ts'), {
      cwd: ROOT,
      env,
      logPath: join(work, 'server.log'),
      // Diagnosis only, e.g. BENCH_NODE_FLAGS='--cpu-prof --cpu-prof-dir=/tmp/prof'.
      nodeFlags: (process.env.BENCH_NODE_FLAGS ?? '').split(' ').filter(Boolean),
    })
    children.push(server)
    const trivial = startChild('trivial server', join(ROOT, 'scripts/bench/trivial-server.ts'), {
      cwd: ROOT,
      env: { PATH: env.PATH, HOME: env.HOME, NODE_ENV: 'production', PORT: String(trivialPort), DATABASE_URL: urls.bench },
      logPath: join(work, 'trivial.log'),
    })
    children.push(trivial)
    const base = `http://127.0.0.1:${port}`
    const trivialUrl = `http://127.0.0.1:${trivialPort}/`
    await waitForUrl(`${base}/health`, server)
    await waitForUrl(trivialUrl, trivial)

    if (options.only) {
      const path = paths[options.only]
      note(`warm-up, then ${options.seconds} s at ${options.connections} connections: the ${options.only} page only`)
      await load(`${base}${path}`, options.connections, 2)
      const before = { cpu: cpuMs(server.pid), xacts: await committed(urls.admin) }
      const run = await load(`${base}${path}`, options.connections, options.seconds)
      const after = { cpu: cpuMs(server.pid), xacts: await committed(urls.admin) }
      const requests = run.rps * options.seconds
      print(`${options.only}_rps`, run.rps)
      print(`${options.only}_p99_ms`, run.p99)
      // Where a request's time goes: the server's own CPU, and the transactions it commits.
      const perRequest = (ms: number) => (requests ? (ms / requests).toFixed(3) : 0)
      print('server_user_ms_per_request', perRequest(after.cpu.user - before.cpu.user))
      print('server_system_ms_per_request', perRequest(after.cpu.system - before.cpu.system))
      print('pg_transactions_per_request', requests ? ((after.xacts - before.xacts) / requests).toFixed(2) : 0)
      failed = reportFailures([[options.only, run]])
      return failed ? 1 : 0
    }
    note(`warm-up, then ${options.seconds} s at ${options.connections} connections each: trivial route, landing page, slot list`)
    await load(trivialUrl, options.connections, 2)
    await load(`${base}${paths.landing}`, options.connections, 2)
    await load(`${base}${paths.slots}`, options.connections, 2)
    const trivialRun = await load(trivialUrl, options.connections, options.seconds)
    const floor = await load(`${trivialUrl}pg`, options.connections, options.seconds)
    const landing = await load(`${base}${paths.landing}`, options.connections, options.seconds)
    const slots = await load(`${base}${paths.slots}`, options.connections, options.seconds)

    print('trivial_rps', trivialRun.rps)
    print('trivial_p99_ms', trivialRun.p99)
    print('floor_pg_rps', floor.rps)
    print('floor_pg_p99_ms', floor.p99)
    print('public_rps', landing.rps)
    print('public_p99_ms', landing.p99)
    print('slots_rps', slots.rps)
    print('slots_p99_ms', slots.p99)
    print('public_ratio', trivialRun.rps ? (landing.rps / trivialRun.rps).toFixed(3) : 0)
    print('public_floor_ratio', floor.rps ? (landing.rps / floor.rps).toFixed(3) : 0)
    print('public_p99_target_ms', P99_TARGET_MS)
    print('public_p99_met', landing.p99 < P99_TARGET_MS && slots.p99 < P99_TARGET_MS ? 1 : 0)
    failed = reportFailures([
      ['landing', landing],
      ['slots', slots],
      ['trivial', trivialRun],
      ['floor', floor],
    ])
  } finally {
    for (const child of children) {
      await stopBenchChild(child)
    }
    if (!failed) {
      await rm(work, { recursive: true, force: true })
    } else {
      note(`logs kept in ${work}`)
    }
  }
  return failed ? 1 : 0
}
