/**
 * The sending engine survives what production throws at it (docs/campaigns.md#sending-guarantees),
 * with real worker processes (workers/main.ts), a real SMTP server in this process and PostgreSQL:
 *
 * - a worker SIGKILLed in the middle of an SMTP transaction (inside the server's DATA phase, before
 *   it answers 250: RFC 5321 says the message was not accepted), then a new worker: every treated
 *   member gets exactly one accepted message, every row ends `sent`;
 * - the campaign's Redis killed (-9) mid-campaign and started again empty on the same port (every
 *   queue and schedule lost): no message lost, none accepted twice.
 *
 * The shared Redis is never touched: the second test runs its own `redis-server`.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { createServer, type AddressInfo } from 'node:net'
import { eq } from 'drizzle-orm'
import { simpleParser } from 'mailparser'
import { SMTPServer } from 'smtp-server'
import { afterAll, afterEach, describe, expect, it } from 'vitest'
import { campaignMembers, messages } from '../../db/schema/index.ts'
import { startTestApp, type TestApp } from '../helpers/app.ts'
import { principal, resetScoredCohort, scoredStudents } from '../helpers/campaigns.ts'
import { openEveryDay } from '../helpers/journey.ts'

const MEMBERS = 40

type Accepted = { to: string; messageId: string }

/** An SMTP server that calls `onMessage(n)` on the n-th DATA before answering; `true` means "do not answer". */
async function smtpServer(onMessage: (n: number) => boolean) {
  const accepted: Accepted[] = []
  let seen = 0
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    onData(stream, _session, callback) {
      simpleParser(stream)
        .then((mail) => {
          seen++
          if (onMessage(seen)) {
            return // never answered: the sender died waiting for the 250
          }
          const to = (Array.isArray(mail.to) ? mail.to[0] : mail.to)?.value[0]?.address ?? ''
          // Counted only once the 250 is on its way: what RFC 5321 calls accepted.
          callback()
          accepted.push({ to, messageId: mail.messageId ?? '' })
        })
        .catch(callback)
    },
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    accepted,
    port: (server.server.address() as AddressInfo).port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
}

const children: ChildProcess[] = []
let t: TestApp | undefined

function startWorker(app: TestApp, smtpPort: number, env: Record<string, string> = {}): ChildProcess {
  const c = app.config
  const child = spawn(process.execPath, ['--import', 'tsx', 'workers/main.ts'], {
    env: {
      PATH: process.env.PATH,
      NODE_ENV: 'test',
      DATABASE_URL: c.DATABASE_URL,
      REDIS_URL: c.REDIS_URL,
      REDIS_PREFIX: c.REDIS_PREFIX,
      JWT_SECRET: c.JWT_SECRET,
      DATA_ENCRYPTION_KEY: c.DATA_ENCRYPTION_KEY,
      PUBLIC_URL: c.PUBLIC_URL,
      UPLOAD_DIR: c.UPLOAD_DIR,
      SMTP_HOST: '127.0.0.1',
      SMTP_PORT: String(smtpPort),
      LOG_LEVEL: 'error',
      WORKER_LOCK_MS: '2000',
      WORKER_CONCURRENCY: '1',
      CAMPAIGN_CLAIM_TIMEOUT_MS: '10000',
      CAMPAIGN_REDISPATCH_MS: '5000',
      // The test must not depend on the day it runs (a weekend, a night, a public holiday).
      CAMPAIGN_WINDOW_ALWAYS_OPEN: 'true',
      ...env,
    },
    stdio: ['ignore', 'inherit', 'inherit'],
  })
  children.push(child)
  return child
}

const exited = (child: ChildProcess) =>
  child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : new Promise((r) => child.once('exit', r))

/** A running campaign of MEMBERS treated students (no control group, no reminders, fast pacing). */
async function runningCampaign(app: TestApp, faculty: string) {
  resetScoredCohort()
  await openEveryDay(app, 'reims')
  await scoredStudents(
    app,
    Array.from({ length: MEMBERS }, () => ({ faculty })),
  )
  const admin = await principal(app, 'admin@demo.repere.test')
  const ctx = { actor: admin, requestId: 'test' }
  const s = app.app.services.campaigns
  const c = await s.create(ctx, {
    name: faculty,
    channel: 'email',
    territoryIds: [app.orgIds.get('ml-reims') as string],
    segment: { faculty },
    universityId: app.orgIds.get('urca') as string,
    controlShare: 0,
    reminderDays: [],
    ratePerMinute: 1200,
    capacityFactor: 10,
  })
  await s.approve(ctx, c.id)
  await s.schedule(ctx, c.id, new Date(Date.now() - 60_000))
  const members = await app.database.db.select().from(campaignMembers).where(eq(campaignMembers.campaignId, c.id))
  expect(members).toHaveLength(MEMBERS)
  return { id: c.id, emails: members.map((m) => `etu${m.studentId}@etudiant.univ-reims.test`).sort() }
}

const rowsOf = (app: TestApp, campaignId: string) => app.database.db.select().from(messages).where(eq(messages.campaignId, campaignId))

/** Every member has an invitation and none is left queued or being sent. */
async function waitAllSent(app: TestApp, campaignId: string, timeout: number) {
  await expect
    .poll(
      async () => {
        const rows = await rowsOf(app, campaignId)
        return rows.length === MEMBERS && rows.every((r) => r.status !== 'queued' && r.status !== 'sending')
      },
      { timeout, interval: 500 },
    )
    .toBe(true)
}

function expectExactlyOnce(accepted: Accepted[], emails: string[]) {
  const counts = new Map<string, number>()
  for (const a of accepted) {
    counts.set(a.to, (counts.get(a.to) ?? 0) + 1)
  }
  expect([...counts.keys()].sort()).toEqual(emails)
  expect([...counts.entries()].filter(([, n]) => n !== 1)).toEqual([])
  expect(new Set(accepted.map((a) => a.messageId)).size).toBe(emails.length)
}

afterEach(async () => {
  for (const c of children.splice(0)) {
    c.kill('SIGKILL')
    await exited(c)
  }
  await t?.close()
  t = undefined
})
afterAll(async () => {
  await t?.close()
})

describe('campaign sending under failure', () => {
  it('a worker SIGKILLed before the SMTP server answered: the message is sent again, every member exactly once', async () => {
    const KILL_AT = 12
    let worker: ChildProcess | undefined
    let killedFor = ''
    const smtp = await smtpServer((n) => {
      if (n === KILL_AT && worker) {
        // Deterministic: the worker is inside this very SMTP transaction, waiting for the 250.
        worker.kill('SIGKILL')
        killedFor = String(n)
        return true
      }
      return false
    })
    try {
      t = await startTestApp({ SMTP_PORT: String(smtp.port) })
      const app = t
      const c = await runningCampaign(app, 'KILL')
      worker = startWorker(app, smtp.port)
      await expect.poll(() => killedFor, { timeout: 60_000, interval: 100 }).toBe(String(KILL_AT))
      await exited(worker)
      expect(smtp.accepted).toHaveLength(KILL_AT - 1)
      const mid = await rowsOf(app, c.id)
      // The interrupted message: claimed by the dead worker, not sent.
      expect(mid.filter((r) => r.status === 'sending')).toHaveLength(1)
      expect(mid.filter((r) => r.status === 'sent')).toHaveLength(KILL_AT - 1)

      startWorker(app, smtp.port)
      await waitAllSent(app, c.id, 90_000)
      const rows = await rowsOf(app, c.id)
      expect(rows.filter((r) => r.status !== 'sent').map((r) => `${r.status}: ${r.error ?? ''}`)).toEqual([])
      expectExactlyOnce(smtp.accepted, c.emails)
      // The one taken back after the claim timeout went out with its own Message-ID, once.
      const retaken = rows.filter((r) => r.attempts > 1)
      expect(retaken).toHaveLength(1)
      expect(smtp.accepted.filter((a) => a.messageId === `<campagne-${retaken[0]?.id}@repere.localhost>`)).toHaveLength(1)
    } finally {
      await smtp.close()
    }
  }, 150_000)

  it('Redis killed mid-campaign and started again empty: nothing lost, nothing sent twice', async () => {
    const port = await freePort()
    let redis: ChildProcess = await startRedis(port)
    children.push(redis)
    const KILL_AT = 10
    let killed = false
    const smtp = await smtpServer((n) => {
      if (n === KILL_AT) {
        // Every queue, job and schedule goes with it; the message itself is answered as usual.
        redis.kill('SIGKILL')
        killed = true
      }
      return false
    })
    try {
      // Only the worker uses Redis here: the tick, the outbox it writes and the reconciler all run in it.
      t = await startTestApp({ SMTP_PORT: String(smtp.port) })
      const app = t
      const c = await runningCampaign(app, 'REDIS')
      startWorker(app, smtp.port, { REDIS_URL: `redis://127.0.0.1:${port}` })
      await expect.poll(() => killed, { timeout: 60_000, interval: 100 }).toBe(true)
      await exited(redis)
      await new Promise((r) => setTimeout(r, 1_000))
      redis = await startRedis(port)
      children.push(redis)

      await waitAllSent(app, c.id, 120_000)
      const rows = await rowsOf(app, c.id)
      expect(rows.filter((r) => r.status !== 'sent').map((r) => `${r.status}: ${r.error ?? ''}`)).toEqual([])
      expectExactlyOnce(smtp.accepted, c.emails)
    } finally {
      await smtp.close()
    }
  }, 180_000)
})

async function freePort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return port
}

/** A throw-away Redis (no persistence: a restart starts empty), ready when its log says so. */
async function startRedis(port: number): Promise<ChildProcess> {
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  return new Promise((resolve, reject) => {
    let out = ''
    const timer = setTimeout(() => reject(new Error(`redis-server did not start on port ${port}: ${out}`)), 10_000)
    child.once('error', (err) => {
      clearTimeout(timer)
      reject(
        new Error(
          `this test needs redis-server on PATH (apt-get install redis-server): ${(err as NodeJS.ErrnoException).code ?? err.message}`,
        ),
      )
    })
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString()
      if (out.includes('Ready to accept connections')) {
        clearTimeout(timer)
        resolve(child)
      }
    })
  })
}
