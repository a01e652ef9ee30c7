/**
 * Worker heartbeats in Redis, read by /health (server/services/health.service.ts).
 * Each worker process writes, every `intervalMs`, one key with a TTL (its id, pid, start time
 * and the jobs it is running with their start time), and its id in a sorted set scored by the
 * time of the beat — so /health reads the live workers without scanning the keyspace, where
 * BullMQ keeps one key per job. A worker that dies stops beating: its key expires and its
 * entry falls out of the time window.
 */
import { randomUUID } from 'node:crypto'
import { hostname } from 'node:os'
import type { Redis } from 'ioredis'

export const HEARTBEAT_INTERVAL_MS = 10_000
/** A worker not heard of for this long counts as gone. */
export const HEARTBEAT_TTL_MS = 60_000

export type ActiveJob = { name: string; id: string; startedAt: number; limitMs: number }
export type WorkerBeat = { id: string; pid: number; host: string; startedAt: number; seenAt: number; jobs: ActiveJob[] }

const setKey = (prefix: string) => `${prefix}:heartbeat:workers`
const beatKey = (prefix: string, id: string) => `${prefix}:heartbeat:worker:${id}`

export type Heartbeat = { id: string; beat(): Promise<void>; stop(): Promise<void> }

export function startHeartbeat(opts: {
  redis: Redis
  prefix: string
  activeJobs: () => ActiveJob[]
  intervalMs?: number
  ttlMs?: number
  onError?: (err: Error) => void
}): Heartbeat {
  const { redis, prefix } = opts
  const intervalMs = opts.intervalMs ?? HEARTBEAT_INTERVAL_MS
  const ttlMs = opts.ttlMs ?? HEARTBEAT_TTL_MS
  const id = `${hostname()}-${process.pid}-${randomUUID().slice(0, 8)}`
  const startedAt = Date.now()

  async function beat(): Promise<void> {
    const seenAt = Date.now()
    const body: WorkerBeat = { id, pid: process.pid, host: hostname(), startedAt, seenAt, jobs: opts.activeJobs() }
    await redis
      .multi()
      .set(beatKey(prefix, id), JSON.stringify(body), 'PX', ttlMs)
      .zadd(setKey(prefix), seenAt, id)
      // Entries of workers gone for good are dropped by the beats of the others.
      .zremrangebyscore(setKey(prefix), '-inf', seenAt - ttlMs)
      .exec()
  }
  const safeBeat = () => beat().catch((err: unknown) => opts.onError?.(err as Error))
  // Beat as soon as the connection is (re)established, not only on the next tick.
  const onReady = () => void safeBeat()
  redis.on('ready', onReady)
  if (redis.status === 'ready') {
    onReady()
  }
  const timer = setInterval(() => void safeBeat(), intervalMs)
  timer.unref()

  return {
    id,
    beat,
    async stop() {
      clearInterval(timer)
      redis.off('ready', onReady)
      // A clean stop says so at once, rather than after the TTL.
      await redis
        .multi()
        .del(beatKey(prefix, id))
        .zrem(setKey(prefix), id)
        .exec()
        .catch(() => {})
    },
  }
}

/** The workers seen within `ttlMs`. */
export async function readHeartbeats(redis: Redis, prefix: string, ttlMs = HEARTBEAT_TTL_MS): Promise<WorkerBeat[]> {
  const ids = await redis.zrangebyscore(setKey(prefix), Date.now() - ttlMs, '+inf')
  if (ids.length === 0) {
    return []
  }
  const raws = await redis.mget(ids.map((id) => beatKey(prefix, id)))
  return raws.filter((r): r is string => r !== null).map((r) => JSON.parse(r) as WorkerBeat)
}
