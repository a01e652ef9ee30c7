/**
 * One Redis connection policy for the whole platform.
 * - Producers (the HTTP server, rate limits) fail fast when Redis is down: `enableOfflineQueue: false`,
 *   so a request gets a clear 503 instead of hanging.
 * - Workers block on Redis and must never give up on a command: `maxRetriesPerRequest: null`.
 * @see https://docs.bullmq.io/guide/going-to-production#maxretriesperrequest
 * @see https://docs.bullmq.io/guide/going-to-production#enableofflinequeue
 */
import { Redis, type RedisOptions } from 'ioredis'

export type RedisRole = 'producer' | 'worker'

export function redisOptions(role: RedisRole): RedisOptions {
  const common: RedisOptions = {
    connectionName: `repere-${role}`,
    // Back off up to 5 s between reconnection attempts, forever: Redis restarts must heal by themselves.
    retryStrategy: (times) => Math.min(times * 200, 5_000),
  }
  return role === 'worker'
    ? { ...common, maxRetriesPerRequest: null, enableReadyCheck: false }
    : { ...common, maxRetriesPerRequest: 1, enableOfflineQueue: false, connectTimeout: 2_000 }
}

export function createRedis(url: string, role: RedisRole): Redis {
  return new Redis(url, { ...redisOptions(role), lazyConnect: true })
}

/** Connects and waits for `ready`, or throws after `timeoutMs`. */
export async function connectRedis(redis: Redis, timeoutMs = 5_000): Promise<Redis> {
  if (redis.status === 'ready') {
    return redis
  }
  let timer: NodeJS.Timeout | undefined
  try {
    await Promise.race([
      redis.status === 'wait' ? redis.connect() : new Promise((resolve) => redis.once('ready', resolve)),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`Redis did not answer within ${timeoutMs} ms`)), timeoutMs)
      }),
    ])
  } finally {
    clearTimeout(timer)
  }
  return redis
}
