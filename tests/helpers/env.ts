/**
 * The test environment: a dedicated database (never the demo one) and a Redis key prefix
 * unique to each app a test builds. Tests read their config through here, not from process.env directly.
 */
import { loadConfig, type Config } from '../../server/config.ts'
import { TEST_DATABASE_URL, TEST_REDIS_URL } from './urls.ts'

export { TEST_DATABASE_URL, TEST_REDIS_URL }

/**
 * Names this `npm test` run in every Redis prefix (`test-<run>-<pid>-<random>`), so that the global
 * teardown can find what the run left behind. Set by tests/global-setup.ts; read when a config is made.
 */
export function testRunId(): string {
  return process.env.REPERE_TEST_RUN ?? 'norun'
}

export function testConfig(overrides: Record<string, string> = {}): Config {
  return loadConfig({
    NODE_ENV: 'test',
    DATABASE_URL: TEST_DATABASE_URL,
    REDIS_URL: TEST_REDIS_URL,
    REDIS_PREFIX: `test-${testRunId()}-${process.pid}-${Math.random().toString(36).slice(2, 8)}`,
    JWT_SECRET: 'test-secret-test-secret-test-secret-0123456789',
    DATA_ENCRYPTION_KEY: Buffer.alloc(32, 7).toString('base64'),
    LOG_LEVEL: 'silent',
    SMTP_PORT: '2525',
    UPLOAD_DIR: `/tmp/repere-test-uploads-${process.pid}`,
    ...overrides,
  })
}
