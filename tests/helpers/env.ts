/**
 * The test environment: a dedicated database (never the demo one) and a Redis key prefix
 * unique to the run. Tests read their config through here, not from process.env directly.
 */
import { loadConfig, type Config } from '../../server/config.ts'

const baseUrl = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/repere_test'

export const TEST_DATABASE_URL = baseUrl
export const TEST_REDIS_URL = process.env.TEST_REDIS_URL ?? process.env.REDIS_URL ?? 'redis://127.0.0.1:6379'

export function testConfig(overrides: Record<string, string> = {}): Config {
  return loadConfig({
    NODE_ENV: 'test',
    DATABASE_URL: TEST_DATABASE_URL,
    REDIS_URL: TEST_REDIS_URL,
    REDIS_PREFIX: `test-${process.pid}-${Math.random().toString(36).slice(2, 8)}`,
    JWT_SECRET: 'test-secret-test-secret-test-secret-0123456789',
    DATA_ENCRYPTION_KEY: Buffer.alloc(32, 7).toString('base64'),
    LOG_LEVEL: 'silent',
    SMTP_PORT: '2525',
    UPLOAD_DIR: `/tmp/repere-test-uploads-${process.pid}`,
    ...overrides,
  })
}

/** Seed of the CSV fuzz test (tests/integration/csv-fuzz.test.ts): set it to replay a failed run. */
export const FUZZ_SEED = process.env.FUZZ_SEED === undefined ? undefined : Number(process.env.FUZZ_SEED)
