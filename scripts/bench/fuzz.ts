/**
 * `npm run bench -- fuzz [--cases N] [--seed S] [--only I] [--lanes L]`: the CSV fuzz campaign
 * (issue #6 item 3) at full size. Generated malformed exports (tests/fixtures/imports/csv-fuzz.ts)
 * go one after another, on L lanes each with its own pool, through the real upload checks and the
 * real import processor (reader → validator → COPY → merge) against a dedicated database; each
 * must end with a clear French error or a correct load (else a crash), and never hang or leave a
 * connection unusable (else wedged). After every 250 cases of a lane, on that lane's pool, a
 * normal file must still load. *
 * Prints `fuzz_seed`, `fuzz_cases`, `fuzz_crashes` (target 0), `fuzz_wedged` (target 0), the
 * outcome counts, and the time per case against the time of a normal import measured in the same
 * run (`fuzz_case_ms`, `normal_import_ms`, `fuzz_case_ratio`). Each failure is printed to stderr
 * with its index: `--seed S --only I` replays it. Exits 1 if any case crashed or wedged.
 *
 * Environment (optional): DATABASE_URL gives the host (the database is FUZZ_DATABASE, default
 * repere_bench_fuzz, dropped and recreated).
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { Readable } from 'node:stream'
import { Redis } from 'ioredis'
import postgres from 'postgres'
import { createDatabase } from '../../db/client.ts'
import { loadConfig } from '../../server/config.ts'
import { createContainer } from '../../server/container.ts'
import { createLogger } from '../../server/lib/logger.ts'
import { memoryMailer } from '../../server/lib/mailer.ts'
import type { Queues } from '../../server/lib/queue.ts'
import type { Principal } from '../../server/services/access.ts'
import { mergeSummaries, runFuzz, type FuzzEnv, type FuzzSummary } from '../../tests/fixtures/imports/csv-fuzz.ts'
import { migrate } from '../migrate.ts'
import { seedOrganisations, seedUsers } from '../seed.ts'

export const FUZZ_USAGE = `usage: npm run bench -- fuzz [--cases N] [--seed S] [--only I] [--lanes L]
  --cases N  generated files (default 10000)
  --lanes L  cases run side by side, each lane with its own pool (default 2)
  --seed S   seed of the generator (default: random, printed as fuzz_seed)
  --only I   run case I of the seed only (replay a failure)`

type Options = { cases: number; seed: number; lanes: number; only?: number }

function parseOptions(args: string[]): Options | string {
  const opts: Options = { cases: 10_000, seed: Math.floor(Math.random() * 2 ** 31), lanes: 2 }
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!
    const [flag, inline] =
      a.startsWith('--') && a.includes('=') ? [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)] : [a, undefined]
    if (flag !== '--cases' && flag !== '--seed' && flag !== '--only' && flag !== '--lanes') {
      return `unknown option ${a}`
    }
    const raw = inline ?? args[++i]
    const n = Number(raw?.replace(/_/g, ''))
    if (!Number.isInteger(n) || n < 0) {
      return `${flag} needs a non-negative integer (got ${raw ?? 'nothing'})`
    }
    if (flag === '--cases') {
      opts.cases = n
    } else if (flag === '--seed') {
      opts.seed = n
    } else if (flag === '--lanes') {
      opts.lanes = Math.max(1, Math.min(8, n))
    } else {
      opts.only = n
    }
  }
  return opts
}

const emit = (key: string, value: string | number): void => {
  process.stdout.write(`${key}=${value}\n`)
}
const note = (message: string): void => {
  process.stderr.write(`# ${message}\n`)
}

/** The processor's follow-up jobs (scoring) are not part of this benchmark: nothing is enqueued. */
const noQueues: Queues = {
  enqueue: () => Promise.resolve('skipped'),
  all: () => [],
  get: () => {
    throw new Error('no queues in the fuzz benchmark')
  },
  close: () => Promise.resolve(),
}

function databaseUrls(name: string): { admin: string; bench: string } {
  const url = new URL(process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/repere')
  const withDb = (db: string) => {
    const u = new URL(url)
    u.pathname = `/${db}`
    return u.toString()
  }
  return { admin: withDb('postgres'), bench: withDb(name) }
}

export async function fuzzBench(args: string[]): Promise<number> {
  const parsed = parseOptions(args)
  if (typeof parsed === 'string') {
    process.stderr.write(`${parsed}\n${FUZZ_USAGE}\n`)
    return 2
  }
  const name = process.env.FUZZ_DATABASE || 'repere_bench_fuzz'
  if (!/^[a-z0-9_]+$/.test(name) || !name.includes('bench')) {
    process.stderr.write(`FUZZ_DATABASE must be [a-z0-9_] and contain "bench" (got ${name})\n`)
    return 2
  }
  const urls = databaseUrls(name)
  note(`database ${name}: drop, create, migrate, seed organisations and users`)
  const admin = postgres(urls.admin, { max: 1, onnotice: () => {} })
  try {
    await admin.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
    await admin.unsafe(`CREATE DATABASE ${name}`)
    // Durability is not what this measures: commits need not wait for the disk (the machine is shared).
    await admin.unsafe(`ALTER DATABASE ${name} SET synchronous_commit = off`)
  } finally {
    await admin.end()
  }
  await migrate(urls.bench)

  const work = await mkdtemp(join(tmpdir(), 'repere-fuzz-'))
  const config = loadConfig({
    NODE_ENV: 'test',
    DATABASE_URL: urls.bench,
    REDIS_URL: 'redis://127.0.0.1:6379',
    JWT_SECRET: 'fuzz-bench-secret-fuzz-bench-secret-0123456789',
    DATA_ENCRYPTION_KEY: Buffer.alloc(32, 9).toString('base64'),
    LOG_LEVEL: 'silent',
    UPLOAD_DIR: join(work, 'uploads'),
  })
  const poolSize = 3
  const lanes = parsed.only === undefined ? parsed.lanes : 1
  const databases = Array.from({ length: lanes }, (_, k) => createDatabase(urls.bench, { max: poolSize, appName: `repere-fuzz-${k}` }))
  // Never connected: the processor and the upload do not use Redis once the queues are stubbed.
  const redis = new Redis(config.REDIS_URL, { lazyConnect: true })
  let unhandled = 0
  const onUnhandled = (err: unknown) => {
    unhandled++
    note(`unhandled rejection: ${(err as Error)?.message ?? String(err)}`)
  }
  process.on('unhandledRejection', onUnhandled)
  try {
    const first = databases[0]!
    const orgIds = await seedOrganisations(first.db)
    await seedUsers(first.db, orgIds)
    const [u] = await first.sql<{ id: string; organisation_id: string }[]>`
      SELECT id, organisation_id FROM users WHERE email = 'universite@demo.repere.test'`
    if (!u) {
      throw new Error('the seed has no university staff member')
    }
    const actor: Principal = { userId: u.id, role: 'university_staff', organisationId: u.organisation_id }
    // One container and pool per lane, as separate worker processes would have.
    const envs: FuzzEnv[] = databases.map((database, k) => ({
      services: createContainer({ config, database, redis, queues: noQueues, mailer: memoryMailer(), log: createLogger(config, 'fuzz') }),
      sql: database.sql,
      actor,
      caseTimeoutMs: 30_000,
      poolSize,
      appName: `repere-fuzz-${k}`,
    }))

    let normals = 0
    /** A plain attendance file of 200 rows: must load after whatever came before. Returns its time in ms. */
    const normalImport = async (env: FuzzEnv): Promise<number> => {
      normals++
      const lines = ['id_pseudo;code_elp;type_seance;date_seance;statut_presence']
      for (let i = 0; i < 200; i++) {
        lines.push(
          `nrm${normals.toString(36).padStart(4, '0')}x${i.toString(36).padStart(3, '0')}Qm7Lp2Zt9R;7LET101;TD;${String(1 + (i % 28)).padStart(2, '0')}/10/2025;P`,
        )
      }
      const started = performance.now()
      const up = await env.services.imports.upload(
        { actor },
        {
          kind: 'assiduite',
          fileName: 'normal.csv',
          stream: Readable.from([Buffer.from(`${lines.join('\r\n')}\r\n`)]),
          truncated: () => false,
        },
      )
      if (up.outcome !== 'queued') {
        throw new Error(`normal import ${normals}: upload ended ${up.outcome}`)
      }
      const outcome = await env.services.importProcessor.process({ importId: up.import.id })
      if (outcome !== 'succeeded') {
        throw new Error(`normal import ${normals}: ${outcome}`)
      }
      return performance.now() - started
    }

    const baseline: number[] = []
    for (let i = 0; i < 5; i++) {
      baseline.push(await normalImport(envs[0]!))
    }
    const seed = parsed.seed
    emit('fuzz_seed', seed)
    note(`seed ${seed}: ${parsed.only === undefined ? `${parsed.cases} cases on ${lanes} lanes` : `case ${parsed.only} only`}`)

    const chunk = 250
    let after = 0
    const started = performance.now()
    const parts = await Promise.all(
      envs.map(async (env, k) => {
        const laneParts: FuzzSummary[] = []
        const mine = parsed.only === undefined ? [] : [parsed.only]
        if (parsed.only === undefined) {
          for (let i = k; i < parsed.cases; i += lanes) {
            mine.push(i)
          }
        }
        for (let from = 0; from < mine.length; from += chunk) {
          const part = await runFuzz(env, {
            seed,
            indexes: mine.slice(from, from + chunk),
            onCase: (c, res) => {
              if (res.kind !== 'ok') {
                note(`case ${c.index} ${res.kind} [${c.mutations.join(', ')}]: ${res.detail} (replay: --seed ${seed} --only ${c.index})`)
              }
            },
          })
          laneParts.push(part)
          if (part.wedged.length >= 3) {
            note(`lane ${k}: three wedged cases, stopping`)
            break
          }
          // The same pool, right after the broken files: a normal file still loads.
          await normalImport(env)
          after++
          const done = laneParts.reduce((n, p) => n + p.cases, 0)
          note(`lane ${k}: ${done} cases`)
        }
        return mergeSummaries(seed, laneParts)
      }),
    )
    const elapsed = performance.now() - started
    const total = mergeSummaries(seed, parts)
    // The baseline again, now that the database holds every fuzz import: the median of all ten.
    for (let i = 0; i < 5; i++) {
      baseline.push(await normalImport(envs[0]!))
    }
    const sorted = [...baseline].sort((a, b) => a - b)
    const normalMs = sorted[Math.floor(sorted.length / 2)]!
    // Wall time per case and lane: what one worker spends on a case, comparable to one normal import.
    const caseMs = total.cases ? (elapsed * lanes) / total.cases : 0

    emit('fuzz_cases', total.cases)
    emit('fuzz_crashes', total.crashes.length + unhandled)
    emit('fuzz_wedged', total.wedged.length)
    for (const [k, v] of [...total.outcomes].sort((a, b) => b[1] - a[1])) {
      emit(`fuzz_outcome_${k.replace(/[^a-z_]/gi, '_')}`, v)
    }
    emit('fuzz_lanes', lanes)
    emit('fuzz_seconds', Math.round(elapsed / 100) / 10)
    emit('fuzz_case_ms', Math.round(caseMs * 10) / 10)
    emit('normal_import_ms', Math.round(normalMs * 10) / 10)
    emit('fuzz_case_ratio', Math.round((caseMs / normalMs) * 100) / 100)
    emit('normal_imports_after_fuzz', after)
    return total.crashes.length + total.wedged.length + unhandled > 0 ? 1 : 0
  } finally {
    process.off('unhandledRejection', onUnhandled)
    redis.disconnect()
    await Promise.all(databases.map((d) => d.close()))
    await rm(work, { recursive: true, force: true })
  }
}
