import type postgres from 'postgres'
import type { Redis } from 'ioredis'
import { HEARTBEAT_TTL_MS, readHeartbeats } from '../../workers/heartbeat.ts'

/** Why something is degraded, for a person (French) and for logs and monitoring (English). */
export type HealthReason = { code: string; fr: string; en: string }

/**
 * `status` is `ok` only when everything is; the HTTP code (see routes/health) depends on
 * PostgreSQL and Redis only. `workers` says whether jobs get done: at least one worker beat
 * within the heartbeat TTL, none runs a job past its limit, and no outbox row waits too long.
 */
export type HealthReport = {
  status: 'ok' | 'degraded'
  postgres: 'ok' | 'down'
  redis: 'ok' | 'down'
  workers: 'ok' | 'degraded'
  workerCount: number
  reasons: HealthReason[]
}

/** An outbox row still pending this long after it was due means nothing flushes it. */
const OUTBOX_LATE_MS = 60_000

async function within<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  try {
    return await Promise.race([p, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error('timeout')), ms)))])
  } finally {
    clearTimeout(timer)
  }
}

const minutes = (ms: number) => Math.max(1, Math.round(ms / 60_000))

export function createHealthService({
  sql,
  redis,
  prefix,
  heartbeatTtlMs = HEARTBEAT_TTL_MS,
}: {
  sql: postgres.Sql
  redis: Redis
  prefix: string
  heartbeatTtlMs?: number
}) {
  return {
    async check(): Promise<HealthReport> {
      const [pg, rd, beats, late] = await Promise.allSettled([
        within(sql`select 1`, 2_000),
        within(redis.ping(), 2_000),
        within(readHeartbeats(redis, prefix, heartbeatTtlMs), 2_000),
        // Partial index outbox_pending_idx: cheap even with a long history.
        within(
          sql<{ n: number }[]>`SELECT count(*)::int AS n FROM outbox
            WHERE enqueued_at IS NULL AND available_at < now() - make_interval(secs => ${OUTBOX_LATE_MS / 1000})`,
          2_000,
        ),
      ])
      const reasons: HealthReason[] = []
      const postgresOk = pg.status === 'fulfilled'
      const redisOk = rd.status === 'fulfilled'
      if (!postgresOk) {
        reasons.push({ code: 'postgres_down', fr: 'La base de données PostgreSQL ne répond pas.', en: 'PostgreSQL does not answer' })
      }
      if (!redisOk) {
        reasons.push({
          code: 'redis_down',
          fr: 'Redis ne répond pas : les files de travaux sont inaccessibles.',
          en: 'Redis does not answer',
        })
      }
      let workerCount = 0
      if (beats.status === 'fulfilled') {
        workerCount = beats.value.length
        if (workerCount === 0) {
          const s = Math.round(heartbeatTtlMs / 1000)
          reasons.push({
            code: 'no_worker',
            fr: `Aucun worker n’a donné signe de vie depuis ${s} s : les imports et les envois attendent. Démarrez un worker (npm run worker).`,
            en: `no worker seen for ${s} s`,
          })
        }
        const now = Date.now()
        for (const w of beats.value) {
          for (const j of w.jobs) {
            const ran = now - j.startedAt
            if (ran > j.limitMs) {
              reasons.push({
                code: 'job_overdue',
                fr: `Le travail ${j.name} (${j.id}) tourne depuis ${minutes(ran)} min, au-delà de sa limite de ${minutes(j.limitMs)} min (worker ${w.id}).`,
                en: `job ${j.name} (${j.id}) running for ${minutes(ran)} min, past its ${minutes(j.limitMs)} min limit (worker ${w.id})`,
              })
            }
          }
        }
      } else if (redisOk) {
        reasons.push({
          code: 'heartbeat_unreadable',
          fr: 'Les signaux de vie des workers sont illisibles.',
          en: 'worker heartbeats unreadable',
        })
      }
      if (late.status === 'fulfilled' && (late.value[0]?.n ?? 0) > 0) {
        const n = late.value[0]?.n ?? 0
        reasons.push({
          code: 'outbox_late',
          fr: `${n} ${n > 1 ? 'travaux enregistrés attendent' : 'travail enregistré attend'} depuis plus de ${OUTBOX_LATE_MS / 1000} s d’être mis en file : le réconciliateur ne tourne pas, ou Redis les refuse.`,
          en: `${n} outbox row(s) pending for more than ${OUTBOX_LATE_MS / 1000} s`,
        })
      }
      const workersOk = redisOk && !reasons.some((r) => r.code !== 'postgres_down')
      return {
        status: postgresOk && redisOk && workersOk ? 'ok' : 'degraded',
        postgres: postgresOk ? 'ok' : 'down',
        redis: redisOk ? 'ok' : 'down',
        workers: workersOk ? 'ok' : 'degraded',
        workerCount,
        reasons,
      }
    },
  }
}
export type HealthService = ReturnType<typeof createHealthService>
