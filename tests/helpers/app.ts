/**
 * Builds the real app against the test database and Redis, and seeds the organisations and
 * one account per role and Mission Locale. Each test file calls `startTestApp()` once.
 */
import type { FastifyInstance, LightMyRequestResponse } from 'fastify'
import { buildApp, type AppDeps } from '../../server/app.ts'
import type { Config } from '../../server/config.ts'
import { createDatabase, type Database } from '../../db/client.ts'
import { memoryMailer } from '../../server/lib/mailer.ts'
import { seedCommunes, seedOrganisations, seedSites, seedUsers, DEMO_PASSWORD } from '../../scripts/seed.ts'
import { testConfig } from './env.ts'
import { deletePrefixKeys } from './redis-keys.ts'

export { DEMO_PASSWORD }

export type TestApp = {
  app: FastifyInstance
  config: Config
  database: Database
  mailer: ReturnType<typeof memoryMailer>
  orgIds: Map<string, string>
  close(): Promise<void>
}

/** Empties every table but the migrations' own, keeping the schema. */
export async function truncateAll(database: Database): Promise<void> {
  const rows = await database.sql<{ tablename: string }[]>`
    SELECT tablename FROM pg_tables WHERE schemaname = 'public'`
  if (rows.length) {
    await database.sql.unsafe(`TRUNCATE ${rows.map((r) => `"${r.tablename}"`).join(', ')} RESTART IDENTITY CASCADE`)
  }
}

/** `deps` lets a test hand the app its own queues (e.g. on a broken Redis connection) or watch its routes. */
export async function startTestApp(
  overrides: Record<string, string> = {},
  deps: Pick<AppDeps, 'queues' | 'onRoute'> = {},
): Promise<TestApp> {
  const config = testConfig(overrides)
  const database = createDatabase(config.DATABASE_URL, { max: 5, appName: 'repere-test' })
  await truncateAll(database)
  const orgIds = await seedOrganisations(database.db)
  await seedCommunes(database.db, orgIds)
  await seedSites(database.db, orgIds)
  await seedUsers(database.db, orgIds)
  const mailer = memoryMailer()
  const app = await buildApp(config, { ...deps, database, mailer, logger: false })
  await app.ready()
  return {
    app,
    config,
    database,
    mailer,
    orgIds,
    /** Closes the app and the database, then removes the app's Redis keys (close its workers first). */
    async close() {
      await app.close()
      await database.close()
      await deletePrefixKeys(config)
    },
  }
}

/** Cookies from a response, as a `cookie` request header value. */
export function cookiesOf(res: LightMyRequestResponse, previous = ''): string {
  const jar = new Map(
    previous
      .split('; ')
      .filter(Boolean)
      .map((c) => [c.split('=')[0] as string, c]),
  )
  for (const c of res.cookies) {
    jar.set(c.name, `${c.name}=${c.value}`)
  }
  return [...jar.values()].join('; ')
}

/** Logs in through the real form (CSRF token included) and returns the cookie header to reuse. */
export async function loginWithForm(app: FastifyInstance, email: string, password = DEMO_PASSWORD) {
  const page = await app.inject({ method: 'GET', url: '/connexion' })
  let cookie = cookiesOf(page)
  const csrf = /name="_csrf" value="([^"]+)"/.exec(page.body)?.[1]
  if (!csrf) {
    throw new Error('no CSRF token on the login page')
  }
  const res = await app.inject({
    method: 'POST',
    url: '/connexion',
    headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
    payload: new URLSearchParams({ email, password, _csrf: csrf }).toString(),
  })
  cookie = cookiesOf(res, cookie)
  return { res, cookie }
}

/** A CSRF token valid for the given cookie jar (read from any page with a form). */
export async function csrfFor(app: FastifyInstance, cookie: string, url = '/'): Promise<{ token: string; cookie: string }> {
  const page = await app.inject({ method: 'GET', url, headers: { cookie } })
  const token = /name="_csrf" value="([^"]+)"/.exec(page.body)?.[1]
  if (!token) {
    throw new Error(`no CSRF token on ${url} (status ${page.statusCode})`)
  }
  return { token, cookie: cookiesOf(page, cookie) }
}

/** A Bearer token from the JSON API. */
export async function apiToken(app: FastifyInstance, email: string, password = DEMO_PASSWORD): Promise<string> {
  const res = await app.inject({ method: 'POST', url: '/api/v1/auth/token', payload: { email, password } })
  if (res.statusCode !== 200) {
    throw new Error(`token for ${email}: ${res.statusCode} ${res.body}`)
  }
  return res.json<{ token: string }>().token
}
