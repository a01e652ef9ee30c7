/**
 * tests/helpers/redis-keys.ts removes exactly what an app wrote under its prefix: BullMQ queue keys
 * and rate-limit counters, against the real Redis. The global teardown relies on it to fail a run
 * that leaves keys behind.
 */
import { Redis } from 'ioredis'
import { afterAll, describe, expect, it } from 'vitest'
import { randomUUID } from 'node:crypto'
import { startTestApp } from '../helpers/app.ts'
import { testConfig, testRunId } from '../helpers/env.ts'
import { deletePrefixKeys, findKeys, prefixPatterns } from '../helpers/redis-keys.ts'

const other = testConfig()
const redis = new Redis(other.REDIS_URL, { maxRetriesPerRequest: 1 })

afterAll(async () => {
  await deletePrefixKeys(other)
  redis.disconnect()
})

describe('Redis keys of a test', () => {
  it('carry the run id given by the global set-up', () => {
    expect(testRunId()).toMatch(/^[0-9a-f]{8}$/)
    expect(other.REDIS_PREFIX.startsWith(`test-${testRunId()}-`)).toBe(true)
  })

  it('are all gone after TestApp.close(): queued jobs and rate-limit counters, not another prefix', async () => {
    await redis.set(`${other.REDIS_PREFIX}:import:keep`, '1')
    const t = await startTestApp()
    const prefix = t.config.REDIS_PREFIX
    try {
      await t.app.services.queues.enqueue('import.process', { importId: randomUUID() }, { delayMs: 60_000 })
      for (let i = 0; i < 3; i++) {
        await t.app.inject({ method: 'GET', url: '/connexion' })
      }
      const written = await findKeys(t.config.REDIS_URL, prefixPatterns(prefix))
      expect(written.some((k) => k.startsWith(`${prefix}:`))).toBe(true)
      expect(written.some((k) => k.startsWith(`${prefix}-rl-`))).toBe(true)
    } finally {
      await t.close()
    }
    expect(await findKeys(t.config.REDIS_URL, [`${prefix}*`])).toEqual([])
    expect(await redis.get(`${other.REDIS_PREFIX}:import:keep`)).toBe('1')
  })
})
