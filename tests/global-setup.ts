/**
 * Runs once around the integration tier.
 *
 * Before: recreates the test database and applies the committed migrations, so every run starts
 * from the schema the code ships with, and names the run for the Redis prefixes (`testRunId()`).
 * After: fails the run when any Redis key of this run is left (each test removes its own keys:
 * `TestApp.close()`, `deletePrefixKeys()`), then removes them so the next run starts clean.
 */
import { randomBytes } from 'node:crypto'
import postgres from 'postgres'
import { migrate } from '../scripts/migrate.ts'
import { TEST_DATABASE_URL, TEST_REDIS_URL } from './helpers/env.ts'
import { deleteKeys, findKeys } from './helpers/redis-keys.ts'

export default async function setup(): Promise<() => Promise<void>> {
  const url = new URL(TEST_DATABASE_URL)
  const name = url.pathname.slice(1)
  if (!/^[a-z0-9_]+$/.test(name) || !name.includes('test')) {
    throw new Error(`Refusing to recreate "${name}": the test database name must contain "test"`)
  }
  const admin = postgres({
    host: url.hostname,
    port: Number(url.port || 5432),
    user: url.username || 'postgres',
    password: url.password || undefined,
    database: 'postgres',
    max: 1,
    onnotice: () => {},
  })
  try {
    await admin.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
    await admin.unsafe(`CREATE DATABASE ${name}`)
  } finally {
    await admin.end()
  }
  await migrate(TEST_DATABASE_URL)

  // Inherited by the test workers, which vitest starts after the global set-up.
  const run = randomBytes(4).toString('hex')
  process.env.REPERE_TEST_RUN = run
  return async function teardown() {
    const pattern = [`test-${run}-*`]
    const left = await findKeys(TEST_REDIS_URL, pattern)
    if (left.length > 0) {
      await deleteKeys(TEST_REDIS_URL, pattern)
      // `<prefix>:<queue>` and `<prefix>-rl-<route>`: enough to find the test, without the keys' ids.
      const kinds = [...new Set(left.map((key) => key.replace(/\|.*$/, '').replace(/^([^:]+:[^:]+):.*$/, '$1')))]
      // vitest reports an error thrown here but still exits 0: set the exit code ourselves.
      process.exitCode = 1
      console.error(
        `\nFAIL Redis: the tests left ${left.length} key(s) behind (now removed): ${kinds.slice(0, 10).join(' ')}\n` +
          'Close the app, workers and queues a test starts, then call deletePrefixKeys(config) (tests/helpers/redis-keys.ts).\n',
      )
    }
  }
}
