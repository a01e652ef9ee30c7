/**
 * What a test wrote to Redis, found and removed by its key prefix. The app names every key after
 * `REDIS_PREFIX`: BullMQ queues as `<prefix>:<queue>:…` (server/lib/queue.ts, workers/worker.ts) and
 * the rate and login limits as `<prefix>-rl-…` (`nameSpace` in server/plugins/external/security.ts).
 */
import { Redis } from 'ioredis'

/** The patterns that cover every key written under `prefix`. */
export const prefixPatterns = (prefix: string): string[] => [`${prefix}:*`, `${prefix}-rl-*`]

async function withClient<T>(redisUrl: string, use: (client: Redis) => Promise<T>): Promise<T> {
  const client = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1, enableOfflineQueue: false })
  await client.connect()
  try {
    return await use(client)
  } finally {
    client.disconnect()
  }
}

/** Every key matching one of the glob `patterns` (SCAN: never blocks Redis like KEYS would). */
export function findKeys(redisUrl: string, patterns: string[]): Promise<string[]> {
  return withClient(redisUrl, async (client) => {
    const found = new Set<string>()
    for (const pattern of patterns) {
      let cursor = '0'
      do {
        const [next, keys] = await client.scan(cursor, 'MATCH', pattern, 'COUNT', 1000)
        keys.forEach((key) => found.add(key))
        cursor = next
      } while (cursor !== '0')
    }
    return [...found]
  })
}

/** Removes every key matching one of `patterns` (UNLINK frees memory in the background); returns how many. */
export async function deleteKeys(redisUrl: string, patterns: string[]): Promise<number> {
  const keys = await findKeys(redisUrl, patterns)
  if (keys.length === 0) {
    return 0
  }
  return withClient(redisUrl, async (client) => {
    let removed = 0
    for (let i = 0; i < keys.length; i += 500) {
      removed += await client.unlink(...keys.slice(i, i + 500))
    }
    return removed
  })
}

/** Removes what an app, its workers and queues wrote under `config.REDIS_PREFIX`. Call it after closing them. */
export function deletePrefixKeys(config: { REDIS_URL: string; REDIS_PREFIX: string }): Promise<number> {
  return deleteKeys(config.REDIS_URL, prefixPatterns(config.REDIS_PREFIX))
}
