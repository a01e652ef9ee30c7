/**
 * Where the tests find PostgreSQL and Redis. Kept apart from `env.ts` (which loads the app's config
 * module) so that `scripts/test-prerequisites.ts` can check these servers quickly before vitest starts.
 */
export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/repere_test'
export const TEST_REDIS_URL = process.env.TEST_REDIS_URL ?? process.env.REDIS_URL ?? 'redis://127.0.0.1:6379'
