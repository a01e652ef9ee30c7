/**
 * Runs before vitest in `npm test` (see package.json): makes sure Chromium, PostgreSQL and Redis
 * are there, installing or starting what is missing (`scripts/lib/prerequisites.ts`). When it cannot,
 * it prints the one command to type and exits 1, so no test runs against a half-ready machine.
 * Silent when everything is already there.
 */
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { TEST_DATABASE_URL, TEST_REDIS_URL } from '../tests/helpers/urls.ts'
import { ensureTestPrerequisites, ServiceError } from './lib/prerequisites.ts'

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..')

const log = (message: string): void => {
  process.stderr.write(`[npm test] ${message}\n`)
}

try {
  await ensureTestPrerequisites({
    databaseUrl: TEST_DATABASE_URL,
    redisUrl: TEST_REDIS_URL,
    varDir: join(ROOT, 'var'),
    log,
    ci: process.env.CI === 'true',
  })
  process.exit(0)
} catch (err) {
  if (err instanceof ServiceError) {
    log(err.message)
  } else {
    process.stderr.write(`${(err as Error).stack ?? String(err)}\n`)
  }
  process.exit(1)
}
