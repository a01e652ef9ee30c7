/**
 * What `npm test` needs on this machine, checked and set up before any test runs: Debian's chromium
 * for the browser tests, PostgreSQL and Redis for the integration tests. `npm start` uses the same
 * `./services.ts` for PostgreSQL and Redis, so both commands start and install them the same way.
 *
 * When everything is there this costs a file check and two probes. What it starts (a cluster, a
 * redis-server) keeps running after it returns: the tests run in another process (`keep`).
 */
import { installCommand, installPackages, ServiceError } from './packages.ts'
import { isExecutable, type Log } from './proc.ts'
import { ensurePostgres, ensureRedis } from './services.ts'

export { ServiceError }

/** Where the browser tests launch Debian's chromium from (`tests/helpers/browser.ts`). */
export const CHROMIUM_PATH = '/usr/bin/chromium'

/**
 * Makes sure `/usr/bin/chromium` exists, installing Debian's `chromium` package when it can.
 * @throws ServiceError naming the exact command when it cannot.
 */
export async function ensureChromium(log: Log): Promise<'present' | 'installed'> {
  if (isExecutable(CHROMIUM_PATH)) {
    return 'present'
  }
  await installPackages(['chromium'], `The browser tests need Chromium at ${CHROMIUM_PATH}`, log)
  if (!isExecutable(CHROMIUM_PATH)) {
    throw new ServiceError(`apt-get installed chromium but ${CHROMIUM_PATH} is still missing: run ${installCommand(['chromium'])}`)
  }
  log(`Chromium installed at ${CHROMIUM_PATH}.`)
  return 'installed'
}

export type TestPrerequisites = {
  databaseUrl: string
  redisUrl: string
  varDir: string
  log: Log
  /** A CI machine (`CI=true`): a local Debian cluster may be switched to trust on loopback. */
  ci: boolean
}

/**
 * Chromium, PostgreSQL and Redis, in that order; stops at the first one that cannot be set up.
 * @throws ServiceError whose message is one line for a person (the command to type).
 */
export async function ensureTestPrerequisites({ databaseUrl, redisUrl, varDir, log, ci }: TestPrerequisites): Promise<void> {
  await ensureChromium(log)
  await ensurePostgres(databaseUrl, { varDir, log, keep: true, trustLoopbackOnCi: ci })
  await ensureRedis(redisUrl, { varDir, log, keep: true })
}
