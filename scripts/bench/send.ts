/**
 * `npm run bench -- send [--messages N] [--rate R]`: a campaign of N e-mails (default 10,000)
 * through the real engine — `campaign.tick` queues, `message.send` jobs claim, pace and send —
 * in a real worker process (workers/main.ts), to an SMTP server in another child process
 * (scripts/bench/smtp-sink.ts) that notes the instant it answers 250 to each message.
 *
 * 1. Throttled: the campaign's rate is R messages/s (default 50, stored as R × 60 per minute), the
 *    window always open (CAMPAIGN_WINDOW_ALWAYS_OPEN), capacity not limiting. Prints `send_limit`,
 *    `send_total`, `send_duplicates` (accepted messages minus distinct Message-IDs: must be 0),
 *    `send_missing` (members without an accepted message: must be 0), `send_rate` (messages/s
 *    between the 5th and the 95th percentile of acceptance times: the steady part) and
 *    `send_peak_1s` (the most acceptances in one calendar second). Targets: send_rate ≥ 0.9 × R,
 *    send_peak_1s ≤ R.
 * 2. Unthrottled, same run: a second campaign of min(N, 2,000) members with no rate limit, against
 *    a plain loop of nodemailer over a pooled transport sending as many messages to the same server
 *    with the same concurrency (WORKER_CONCURRENCY). Prints `ours_unthrottled_rps`, `baseline_rps`
 *    (both: messages over first-to-last acceptance) and `send_ratio` = ours / baseline. Target ≥ 0.5.
 *
 * Environment (optional): DATABASE_URL and REDIS_URL give the hosts (Redis keys get a fresh
 * prefix); the database is always repere_bench_send (dropped and recreated).
 */
import { randomBytes } from 'node:crypto'
import { mkdtemp, readFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import nodemailer from 'nodemailer'
import postgres from 'postgres'
import { createDatabase, type Database } from '../../db/client.ts'
import { consents, contacts, enrolments, models, riskScores, scoreRuns, students } from '../../db/schema/index.ts'
import { buildApp } from '../../server/app.ts'
import { loadConfig, type Config } from '../../server/config.ts'
import { encryptField } from '../../server/lib/crypto.ts'
import { memoryMailer } from '../../server/lib/mailer.ts'
import { sleep } from '../lib/proc.ts'
import { migrate } from '../migrate.ts'
import { seedCommunes, seedOrganisations, seedSites, seedUsers } from '../seed.ts'
import { childFailure, startChild, stopBenchChild, type BenchChild } from './procs.ts'

export const SEND_USAGE = `usage: npm run bench -- send [--messages N] [--rate R]
  --messages N   e-mails of the throttled campaign (default 10000)
  --rate R       the campaign's limit in messages per second (default 50)
Environment (optional): BENCH_SEND_CONCURRENCY, the worker's and the baseline's concurrency (default 8).`

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..')
const DATABASE = 'repere_bench_send'
const UNTHROTTLED_MAX = 2_000
const CONCURRENCY = Number(process.env.BENCH_SEND_CONCURRENCY ?? 8)
const YEAR = '2026/2027'
const REIMS = '51454'

const emit = (key: string, value: string | number): void => {
  process.stdout.write(`${key}=${value}\n`)
}
const note = (message: string): void => {
  process.stderr.write(`# ${message}\n`)
}

function parse(args: string[]): { messages: number; rate: number } | string {
  const o = { messages: 10_000, rate: 50 }
  for (let i = 0; i < args.length; i++) {
    const a = args[i] as string
    if (a === '--messages' || a === '--rate') {
      const v = Number(args[++i])
      if (!Number.isInteger(v) || v < 1) {
        return `${a} needs a positive integer`
      }
      o[a === '--messages' ? 'messages' : 'rate'] = v
    } else {
      return `unknown option ${a}`
    }
  }
  return o
}

function withDatabase(url: string, name: string): string {
  const u = new URL(url)
  u.pathname = `/${name}`
  return u.href
}

/** N scored, consented students with an encrypted e-mail, in one finished run; bulk inserts. */
async function cohort(database: Database, config: Config, universityId: string, n: number): Promise<void> {
  const db = database.db
  const [m] = await db.insert(models).values({ version: 'bench-send', kind: 'expert', status: 'trained', universityId }).returning()
  const modelId = (m as { id: string }).id
  const [r] = await db
    .insert(scoreRuns)
    .values({
      universityId,
      academicYear: YEAR,
      asOf: '2026-11-02',
      trigger: 'bench',
      status: 'succeeded',
      dueAt: new Date(),
      modelId,
      finishedAt: new Date(),
    })
    .returning()
  const runId = (r as { id: number }).id
  await database.sql`UPDATE score_runs SET snapshot_id = ${runId} WHERE id = ${runId}`
  for (let from = 0; from < n; from += 1_000) {
    const size = Math.min(1_000, n - from)
    const ids = (
      await db
        .insert(students)
        .values(Array.from({ length: size }, (_, i) => ({ universityId, pseudoId: `bench-${from + i}` })))
        .returning({ id: students.id })
    ).map((s) => s.id)
    await db
      .insert(enrolments)
      .values(ids.map((studentId) => ({ studentId, academicYear: YEAR, faculty: 'Bench', homeCommuneInsee: REIMS })))
    await db.insert(riskScores).values(
      ids.map((studentId, i) => ({
        studentId,
        universityId,
        academicYear: YEAR,
        modelId,
        modelVersion: 'bench',
        asOf: '2026-11-02',
        runId,
        snapshotId: runId,
        probability: 0.99 - (from + i) / (n * 10),
        band: 'eleve' as const,
        coverage: 1,
      })),
    )
    await db.insert(contacts).values(
      ids.map((studentId) => ({
        studentId,
        firstNameEnc: encryptField(config.dataKeys, `Prénom${studentId}`),
        emailEnc: encryptField(config.dataKeys, `etu${studentId}@bench.repere.test`),
        keyId: config.dataKeys.currentId,
      })),
    )
    await db.insert(consents).values(
      ids.map((studentId) => ({
        studentId,
        channel: 'email' as const,
        status: 'given' as const,
        source: 'bench',
        at: new Date('2026-09-15T00:00:00Z'),
      })),
    )
  }
}

type Accepted = { at: number; messageId: string; to: string }

async function readSink(file: string): Promise<Accepted[]> {
  const text = await readFile(file, 'utf8').catch(() => '')
  return text
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const [at, messageId, to] = line.split('\t')
      return { at: Number(at), messageId: messageId ?? '', to: to ?? '' }
    })
}

/** Messages per second between two acceptance times (first to last). */
const perSecond = (times: number[]): number => {
  if (times.length < 2) {
    return 0
  }
  const span = (Math.max(...times) - Math.min(...times)) / 1000
  return Math.round(((times.length - 1) / Math.max(span, 0.001)) * 10) / 10
}

export async function sendBench(args: string[]): Promise<number> {
  const options = parse(args)
  if (typeof options === 'string') {
    process.stderr.write(`${options}\n${SEND_USAGE}\n`)
    return 2
  }
  const { messages: n, rate } = options
  const hostUrl = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/repere'
  const url = withDatabase(hostUrl, DATABASE)
  const admin = postgres(withDatabase(hostUrl, 'postgres'), { max: 1, onnotice: () => {} })
  await admin.unsafe(`DROP DATABASE IF EXISTS ${DATABASE} WITH (FORCE)`)
  await admin.unsafe(`CREATE DATABASE ${DATABASE}`)
  await admin.end()
  await migrate(url)

  const work = await mkdtemp(join(tmpdir(), 'repere-bench-send-'))
  const sinkFile = join(work, 'accepted.tsv')
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin',
    HOME: process.env.HOME ?? tmpdir(),
    NODE_ENV: 'test',
    DATABASE_URL: url,
    REDIS_URL: process.env.REDIS_URL || 'redis://127.0.0.1:6379',
    REDIS_PREFIX: `bench-send-${randomBytes(4).toString('hex')}`,
    JWT_SECRET: randomBytes(32).toString('base64'),
    DATA_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
    // Diagnosis: BENCH_LOG_LEVEL=info logs every job's duration in the worker's log.
    LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'warn',
    CAMPAIGN_WINDOW_ALWAYS_OPEN: 'true',
    WORKER_CONCURRENCY: String(CONCURRENCY),
  }
  const config = loadConfig(env)
  const database = createDatabase(url, { max: 4, appName: 'repere-bench-send' })
  const app = await buildApp(config, { database, mailer: memoryMailer(), logger: false })
  const children: BenchChild[] = []
  try {
    const orgIds = await seedOrganisations(database.db)
    await seedCommunes(database.db, orgIds)
    await seedSites(database.db, orgIds)
    await seedUsers(database.db, orgIds)
    const universityId = orgIds.get('urca') as string
    const reimsId = orgIds.get('ml-reims') as string
    const t0 = Date.now()
    await cohort(database, config, universityId, n)
    note(`${n} scored, consented students in ${((Date.now() - t0) / 1000).toFixed(1)} s`)
    const [adminUser] = await database.sql<{ id: string; organisation_id: string }[]>`
      SELECT id, organisation_id FROM users WHERE email = 'admin@demo.repere.test'`
    const ctx = { actor: { userId: adminUser!.id, organisationId: adminUser!.organisation_id, role: 'admin' as const }, requestId: 'bench' }

    /** A running campaign of the `size` highest scores not yet contacted; `perMinute` null: no limit. */
    async function campaign(name: string, size: number, perMinute: number | null): Promise<{ id: string; members: number }> {
      const s = app.services.campaigns
      const c = await s.create(ctx, {
        name,
        channel: 'email',
        territoryIds: [reimsId],
        segment: { band: 'eleve', topN: size },
        universityId,
        controlShare: 0,
        reminderDays: [],
        recentDays: 0,
        ratePerMinute: Math.min(6_000, perMinute ?? 6_000),
        capacityFactor: 10,
      })
      await s.approve(ctx, c.id)
      // Beyond what the form allows: capacity never limits, and the unthrottled one has no rate.
      await database.sql`UPDATE campaigns SET callbacks_per_day = 1000000, rate_per_minute = ${perMinute ?? 100_000_000} WHERE id = ${c.id}`
      await s.schedule(ctx, c.id, new Date(Date.now() - 1_000))
      const [m] = await database.sql<
        { n: number }[]
      >`SELECT count(*)::int AS n FROM campaign_members WHERE campaign_id = ${c.id} AND arm = 'treated'`
      return { id: c.id, members: m?.n ?? 0 }
    }

    async function waitSent(campaignId: string, members: number, timeoutMs: number): Promise<void> {
      const deadline = Date.now() + timeoutMs
      let last = 0
      for (;;) {
        const [r] = await database.sql<{ done: number; sent: number }[]>`
          SELECT count(*) FILTER (WHERE status NOT IN ('queued', 'sending'))::int AS done, count(*) FILTER (WHERE status = 'sent')::int AS sent
          FROM messages WHERE campaign_id = ${campaignId}`
        if ((r?.done ?? 0) >= members) {
          return
        }
        if (Date.now() - last > 10_000) {
          note(`${r?.sent ?? 0}/${members} sent`)
          last = Date.now()
        }
        for (const c of children) {
          if (c.proc.exitCode !== null || c.proc.signalCode !== null) {
            throw new Error(childFailure(c))
          }
        }
        if (Date.now() > deadline) {
          throw new Error(`only ${r?.done ?? 0}/${members} messages done after ${timeoutMs / 1000} s`)
        }
        await sleep(500)
      }
    }

    const sink = startChild('SMTP sink', join(ROOT, 'scripts/bench/smtp-sink.ts'), {
      cwd: ROOT,
      env: { PATH: env.PATH, HOME: env.HOME, SINK_FILE: sinkFile, PORT: '0' },
      logPath: join(work, 'sink.log'),
    })
    children.push(sink)
    let port = 0
    for (let i = 0; i < 100 && !port; i++) {
      await sleep(100)
      port = Number(/listening (\d+)/.exec(await readFile(sink.logPath, 'utf8').catch(() => ''))?.[1] ?? 0)
    }
    if (!port) {
      throw new Error(childFailure(sink))
    }
    const worker = startChild('worker', join(ROOT, 'workers/main.ts'), {
      cwd: ROOT,
      env: { ...env, SMTP_HOST: '127.0.0.1', SMTP_PORT: String(port) },
      logPath: join(work, 'worker.log'),
      // Diagnosis only, e.g. BENCH_NODE_FLAGS='--cpu-prof --cpu-prof-dir=/tmp/prof'.
      nodeFlags: (process.env.BENCH_NODE_FLAGS ?? '').split(' ').filter(Boolean),
    })
    children.push(worker)
    note(`worker (concurrency ${CONCURRENCY}) and SMTP sink on port ${port}; logs in ${work}`)

    // 1. Throttled.
    const a = await campaign('bench throttled', n, rate * 60)
    note(`campaign of ${a.members} members at ${rate}/s`)
    await waitSent(a.id, a.members, (a.members / rate) * 3_000 + 120_000)
    await sleep(500)
    const throttled = (await readSink(sinkFile)).filter((m) => m.messageId.startsWith('<campagne-'))
    await app.services.campaigns.cancel(ctx, a.id)

    const times = throttled.map((m) => m.at).sort((x, y) => x - y)
    const buckets = new Map<number, number>()
    for (const t of times) {
      buckets.set(Math.floor(t / 1000), (buckets.get(Math.floor(t / 1000)) ?? 0) + 1)
    }
    const lo = times[Math.floor(times.length * 0.05)] ?? 0
    const hi = times[Math.ceil(times.length * 0.95) - 1] ?? 0
    const steady = times.filter((t) => t >= lo && t <= hi)
    const [sentRows] = await database.sql<
      { n: number }[]
    >`SELECT count(*)::int AS n FROM messages WHERE campaign_id = ${a.id} AND status = 'sent'`
    const recipients = new Set(throttled.map((m) => m.to))
    emit('send_limit', rate)
    emit('send_total', throttled.length)
    emit('send_rows_sent', sentRows?.n ?? 0)
    emit('send_duplicates', throttled.length - new Set(throttled.map((m) => m.messageId)).size)
    emit('send_missing', a.members - recipients.size)
    emit('send_rate', perSecond(steady))
    emit('send_peak_1s', Math.max(0, ...buckets.values()))

    // 2. Unthrottled: ours, then the plain pooled loop, to the same server.
    const before = throttled.length
    const b = await campaign('bench unthrottled', Math.min(n, UNTHROTTLED_MAX), null)
    note(`unthrottled campaign of ${b.members} members`)
    await waitSent(b.id, b.members, b.members * 200 + 120_000)
    await sleep(500)
    const ours = (await readSink(sinkFile)).filter((m) => m.messageId.startsWith('<campagne-')).slice(before)
    await stopBenchChild(worker)

    const transport = nodemailer.createTransport({ host: '127.0.0.1', port, secure: false, pool: true, maxConnections: CONCURRENCY })
    let next = 0
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next < b.members) {
          const i = next++
          await transport.sendMail({
            from: config.MAIL_FROM,
            to: `baseline${i}@bench.repere.test`,
            subject: 'Un échange avec la Mission Locale ?',
            text: `Bonjour Prénom${i},\n\nhttp://127.0.0.1/r/${randomBytes(16).toString('base64url')}\n`,
            html: `<p>Bonjour Prénom${i},</p><p><a href="http://127.0.0.1/r/x">lien</a></p>`,
            messageId: `<baseline-${i}@repere.localhost>`,
          })
        }
      }),
    )
    transport.close()
    await sleep(500)
    const baseline = (await readSink(sinkFile)).filter((m) => m.messageId.startsWith('<baseline-'))
    const oursRps = perSecond(ours.map((m) => m.at))
    const baseRps = perSecond(baseline.map((m) => m.at))
    emit('unthrottled_messages', ours.length)
    emit('unthrottled_duplicates', ours.length - new Set(ours.map((m) => m.messageId)).size)
    emit('ours_unthrottled_rps', oursRps)
    emit('baseline_rps', baseRps)
    emit('send_ratio', baseRps > 0 ? Math.round((oursRps / baseRps) * 100) / 100 : 0)
    const broken = throttled.length - new Set(throttled.map((m) => m.messageId)).size > 0 || a.members !== recipients.size
    return broken ? 1 : 0
  } finally {
    for (const c of children) {
      await stopBenchChild(c)
    }
    await app.close()
    await database.close()
  }
}
