import { defineConfig } from 'vitest/config'

/**
 * One `npm test` runs every tier: unit (no I/O, parallel), integration (real PostgreSQL and
 * Redis, one file at a time on a shared test database) and browser (Debian's chromium).
 */
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['tests/unit/**/*.test.ts'],
          environment: 'node',
        },
      },
      {
        test: {
          name: 'integration',
          include: ['tests/integration/**/*.test.ts', 'tests/browser/**/*.test.ts'],
          environment: 'node',
          globalSetup: ['tests/global-setup.ts'],
          // Files share one test database: run them one after another.
          fileParallelism: false,
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
})
