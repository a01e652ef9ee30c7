/**
 * /health reports the workers from their Redis heartbeats: degraded with a French and English
 * reason when none beats, when one runs a job past its limit, or when outbox rows wait too
 * long — and stays 200 while PostgreSQL and Redis answer.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { connectRedis, createRedis } from '../../server/lib/redis.ts'
import { readHeartbeats, startHeartbeat } from '../../workers/heartbeat.ts'
import { startWorkers } from '../../workers/worker.ts'
import { startTestApp, type TestApp } from '../helpers/app.ts'

let t: TestApp
beforeAll(async () => {
  t = await startTestApp()
})
afterAll(async () => {
  await t?.close()
})

type Health = { status: string; workers: string; workerCount: number; reasons: { code: string; fr: string; en: string }[] }
const health = async () => {
  const res = await t.app.inject({ method: 'GET', url: '/health' })
  return { code: res.statusCode, body: res.json<Health>() }
}

describe('/health and the workers', () => {
  it('says no worker is running, in French and English, and stays 200', async () => {
    const { code, body } = await health()
    expect(code).toBe(200)
    expect(body).toEqual({
      status: 'degraded',
      postgres: 'ok',
      redis: 'ok',
      workers: 'degraded',
      workerCount: 0,
      reasons: [
        {
          code: 'no_worker',
          fr: 'Aucun worker n’a donné signe de vie depuis 60 s : les imports et les envois attendent. Démarrez un worker (npm run worker).',
          en: 'no worker seen for 60 s',
        },
      ],
    })
  })

  it('is ok while a worker beats, and says so at once when it stops', async () => {
    const workers = startWorkers({ config: t.config, services: t.app.services, log: t.app.log, schedules: false })
    try {
      await expect
        .poll(async () => (await health()).body, { timeout: 5_000 })
        .toMatchObject({ status: 'ok', workers: 'ok', workerCount: 1 })
      expect((await health()).body.reasons).toEqual([])
    } finally {
      await workers.close()
    }
    expect((await health()).body).toMatchObject({ workers: 'degraded', workerCount: 0 })
  })

  it('names a job running past its limit', async () => {
    const redis = await connectRedis(createRedis(t.config.REDIS_URL, 'producer'))
    const beat = startHeartbeat({
      redis,
      prefix: t.config.REDIS_PREFIX,
      activeJobs: () => [
        {
          name: 'import.process',
          id: 'import-6f1c6a4e-8f1e-4c57-9a53-0a7a1f0b9c11',
          startedAt: Date.now() - 75 * 60_000,
          limitMs: 30 * 60_000,
        },
        { name: 'score.cohort', id: 'score-x', startedAt: Date.now() - 60_000, limitMs: 30 * 60_000 },
      ],
    })
    try {
      await beat.beat()
      const { code, body } = await health()
      expect(code).toBe(200)
      expect(body).toMatchObject({ status: 'degraded', workers: 'degraded', workerCount: 1 })
      expect(body.reasons).toHaveLength(1)
      expect(body.reasons[0]).toMatchObject({ code: 'job_overdue' })
      expect(body.reasons[0]?.fr).toMatch(
        /^Le travail import\.process \(import-6f1c6a4e-8f1e-4c57-9a53-0a7a1f0b9c11\) tourne depuis 75 min, au-delà de sa limite de 30 min/,
      )
      expect(body.reasons[0]?.en).toMatch(/running for 75 min, past its 30 min limit/)
    } finally {
      await beat.stop()
      redis.disconnect()
    }
  })

  it('counts a worker gone silent as gone once its heartbeat is older than the TTL', async () => {
    const redis = await connectRedis(createRedis(t.config.REDIS_URL, 'producer'))
    const beat = startHeartbeat({ redis, prefix: t.config.REDIS_PREFIX, activeJobs: () => [], ttlMs: 300, intervalMs: 60_000 })
    try {
      await beat.beat()
      expect(await readHeartbeats(redis, t.config.REDIS_PREFIX, 300)).toHaveLength(1)
      await new Promise((r) => setTimeout(r, 400))
      expect(await readHeartbeats(redis, t.config.REDIS_PREFIX, 300)).toHaveLength(0)
    } finally {
      await beat.stop()
      redis.disconnect()
    }
  })

  it('reports outbox rows pending for more than a minute (nothing flushes them)', async () => {
    const workers = startWorkers({ config: t.config, services: t.app.services, log: t.app.log, schedules: false })
    try {
      await t.database.sql`
        INSERT INTO outbox (job_name, payload, job_id, available_at)
        VALUES ('import.notify', '{"importId":"6f1c6a4e-8f1e-4c57-9a53-0a7a1f0b9c11","run":1}', 'import-notify-x', now() - interval '2 minutes')`
      await expect.poll(async () => (await health()).body.workerCount, { timeout: 5_000 }).toBe(1)
      const { body } = await health()
      expect(body).toMatchObject({ status: 'degraded', workers: 'degraded' })
      expect(body.reasons.map((r) => r.code)).toEqual(['outbox_late'])
      expect(body.reasons[0]?.fr).toMatch(/^1 travail enregistré attend depuis plus de 60 s d’être mis en file/)
      await t.app.services.outbox.flush()
      expect((await health()).body).toMatchObject({ status: 'ok', workers: 'ok', reasons: [] })
    } finally {
      await workers.close()
    }
  })
})
