import type postgres from 'postgres'
import type { Redis } from 'ioredis'

export type HealthReport = { status: 'ok' | 'degraded'; postgres: 'ok' | 'down'; redis: 'ok' | 'down' }

async function within<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  try {
    return await Promise.race([p, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error('timeout')), ms)))])
  } finally {
    clearTimeout(timer)
  }
}

export function createHealthService({ sql, redis }: { sql: postgres.Sql; redis: Redis }) {
  return {
    async check(): Promise<HealthReport> {
      const [pg, rd] = await Promise.allSettled([within(sql`select 1`, 2_000), within(redis.ping(), 2_000)])
      const report: HealthReport = {
        status: 'ok',
        postgres: pg.status === 'fulfilled' ? 'ok' : 'down',
        redis: rd.status === 'fulfilled' ? 'ok' : 'down',
      }
      report.status = report.postgres === 'ok' && report.redis === 'ok' ? 'ok' : 'degraded'
      return report
    },
  }
}
export type HealthService = ReturnType<typeof createHealthService>
