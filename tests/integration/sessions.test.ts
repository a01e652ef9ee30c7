/**
 * Sessions that really end (issue #6): a logout revokes the token server-side, so a replayed
 * copy gets 401 as a cookie and as a Bearer token; "se déconnecter partout" for a person and
 * for an admin acting on an account, page and API twin, audited; the forced password change
 * holds on every transport, with JSON errors on API paths; one login limit across the form and
 * the token endpoint.
 */
import { createHmac } from 'node:crypto'
import { Redis } from 'ioredis'
import type { FastifyInstance, LightMyRequestResponse } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildApp } from '../../server/app.ts'
import { memoryMailer } from '../../server/lib/mailer.ts'
import { createRedis } from '../../server/lib/redis.ts'
import { TEST_REDIS_URL, testConfig } from '../helpers/env.ts'
import { apiToken, cookiesOf, csrfFor, DEMO_PASSWORD, loginWithForm, startTestApp, type TestApp } from '../helpers/app.ts'
import { deletePrefixKeys } from '../helpers/redis-keys.ts'

const FORM = { 'content-type': 'application/x-www-form-urlencoded' }
const CHANGE_REQUIRED = /Votre mot de passe est provisoire : connectez-vous sur la page \/connexion/

let t: TestApp
let redis: Redis
let adminToken: string
beforeAll(async () => {
  t = await startTestApp({ LOGIN_MAX_ATTEMPTS: '100' })
  redis = new Redis(TEST_REDIS_URL)
  adminToken = await apiToken(t.app, 'admin@demo.repere.test')
})
afterAll(async () => {
  redis?.disconnect()
  await t?.close()
})

const bearer = (token: string) => ({ authorization: `Bearer ${token}` })
const claimsOf = (token: string) =>
  JSON.parse(Buffer.from(token.split('.')[1] as string, 'base64url').toString()) as Record<string, unknown> & { sid: string; exp: number }
/** The JWT inside a cookie header (what a person could copy out of their browser). */
const tokenOfCookie = (cookie: string) => /repere_session=([^;]+)/.exec(cookie)?.[1] as string

async function me(headers: Record<string, string>) {
  return t.app.inject({ method: 'GET', url: '/api/v1/me', headers })
}

async function userId(email: string): Promise<string> {
  const [u] = await t.database.sql<{ id: string }[]>`SELECT id FROM users WHERE email = ${email}`
  return u!.id
}

async function auditRows(action: string, entityId: string) {
  return t.database.sql<{ actor_user_id: string | null; details: Record<string, unknown> }[]>`
    SELECT actor_user_id, details FROM audit_log WHERE action = ${action} AND entity_id = ${entityId} ORDER BY id`
}

/** Posts a page's form (CSRF token read from `formPage`). */
async function postForm(cookie: string, formPage: string, action: string, fields: Record<string, string> = {}) {
  const { token, cookie: jar } = await csrfFor(t.app, cookie, formPage)
  const res = await t.app.inject({
    method: 'POST',
    url: action,
    headers: { ...FORM, cookie: jar },
    payload: new URLSearchParams({ ...fields, _csrf: token }).toString(),
  })
  return { res, cookie: cookiesOf(res, jar) }
}

function expectJsonError(res: LightMyRequestResponse, statusCode: number, code?: string) {
  expect(res.statusCode).toBe(statusCode)
  expect(res.headers['content-type']).toMatch(/^application\/json/)
  expect(res.headers.location).toBeUndefined()
  expect(res.json()).toEqual({ statusCode, code: code ?? expect.any(String), message: expect.any(String), reqId: expect.any(String) })
}

describe('logout ends the session server-side', () => {
  it('after POST /deconnexion the saved token gets 401, as a cookie and as a Bearer token', async () => {
    const { cookie } = await loginWithForm(t.app, 'conseil.reims@demo.repere.test')
    const other = await loginWithForm(t.app, 'conseil.reims@demo.repere.test')
    const saved = tokenOfCookie(cookie)
    expect((await me({ cookie })).statusCode).toBe(200)
    expect((await me(bearer(saved))).statusCode).toBe(200)

    const { res } = await postForm(cookie, '/', '/deconnexion')
    expect(res.statusCode).toBe(303)
    expect(res.headers.location).toBe('/connexion')

    // The replayed copy, whatever the transport.
    expectJsonError(await me({ cookie }), 401)
    expectJsonError(await me(bearer(saved)), 401)
    const page = await t.app.inject({ method: 'GET', url: '/', headers: { cookie, accept: 'text/html' } })
    expect(page.statusCode).toBe(302)
    expect(page.headers.location).toBe('/connexion?suite=%2F')
    // Only that session: the same person's other browser stays logged in.
    expect((await me({ cookie: other.cookie })).statusCode).toBe(200)
    expect(await auditRows('auth.logout', await userId('conseil.reims@demo.repere.test'))).toHaveLength(1)
  })

  it('the revocation lives in Redis until the token would have expired, no longer', async () => {
    const token = await apiToken(t.app, 'direction.reims@demo.repere.test')
    const { sid, exp } = claimsOf(token)
    const key = `${t.config.REDIS_PREFIX}:session-revoked:${sid}`
    expect(await redis.exists(key)).toBe(0)
    const out = await t.app.inject({ method: 'POST', url: '/api/v1/auth/logout', headers: bearer(token) })
    expect(out.statusCode).toBe(204)
    const ttl = await redis.ttl(key)
    const remaining = exp - Math.floor(Date.now() / 1000)
    expect(ttl).toBeGreaterThan(remaining - 5)
    expect(ttl).toBeLessThanOrEqual(remaining + 1)
    expectJsonError(await me(bearer(token)), 401)
    // Replaying the logout itself is refused too.
    expectJsonError(await t.app.inject({ method: 'POST', url: '/api/v1/auth/logout', headers: bearer(token) }), 401)
  })

  it('each token is its own session: logging one out leaves the others working', async () => {
    const a = await apiToken(t.app, 'direction.epernay@demo.repere.test')
    const b = await apiToken(t.app, 'direction.epernay@demo.repere.test')
    expect(claimsOf(a).sid).not.toBe(claimsOf(b).sid)
    expect((await t.app.inject({ method: 'POST', url: '/api/v1/auth/logout', headers: bearer(a) })).statusCode).toBe(204)
    expect((await me(bearer(a))).statusCode).toBe(401)
    expect((await me(bearer(b))).statusCode).toBe(200)
  })

  it('the API logout with the cookie needs the CSRF token, then ends the cookie session', async () => {
    const { cookie } = await loginWithForm(t.app, 'conseil.epernay@demo.repere.test')
    const forged = await t.app.inject({ method: 'POST', url: '/api/v1/auth/logout', headers: { cookie } })
    expectJsonError(forged, 403)
    expect((await me({ cookie })).statusCode).toBe(200)
    const { token, cookie: jar } = await csrfFor(t.app, cookie)
    const out = await t.app.inject({ method: 'POST', url: '/api/v1/auth/logout', headers: { cookie: jar, 'x-csrf-token': token } })
    expect(out.statusCode).toBe(204)
    expect(out.cookies.find((c) => c.name === 'repere_session')?.value).toBe('')
    expectJsonError(await me({ cookie }), 401)
  })

  it('a correctly signed token without a session id is refused (it could not be logged out)', async () => {
    const token = await apiToken(t.app, 'conseil.chalons@demo.repere.test')
    const { sid: _sid, ...claims } = claimsOf(token)
    const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url')
    const body = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64(claims)}`
    const forged = `${body}.${createHmac('sha256', t.config.JWT_SECRET).update(body).digest('base64url')}`
    expectJsonError(await me(bearer(forged)), 401)
    expect((await me(bearer(token))).statusCode).toBe(200)
  })
})

describe('se déconnecter partout', () => {
  it('from « Mon compte »: every cookie and token of the person ends, audited, and they can log in again', async () => {
    const email = 'universite@demo.repere.test'
    const first = await loginWithForm(t.app, email)
    const second = await loginWithForm(t.app, email)
    const token = await apiToken(t.app, email)
    const colleague = await apiToken(t.app, 'direction.chalons@demo.repere.test')

    const account = await t.app.inject({ method: 'GET', url: '/compte', headers: { cookie: first.cookie } })
    expect(account.statusCode).toBe(200)
    expect(account.body).toContain('Mon compte')
    expect(account.body).toContain('<form method="post" action="/deconnexion/partout">')
    expect(account.body).toContain('Se déconnecter partout')
    // The name in the header leads there.
    expect(account.body).toContain('href="/compte"')

    const { res } = await postForm(first.cookie, '/compte', '/deconnexion/partout')
    expect(res.statusCode).toBe(303)
    expect(res.headers.location).toBe('/connexion?statut=deconnecte-partout')
    const login = await t.app.inject({ method: 'GET', url: res.headers.location as string })
    expect(login.body).toContain('Vous êtes déconnecté de toutes vos sessions')

    for (const headers of [{ cookie: first.cookie }, { cookie: second.cookie }, bearer(token)]) {
      expectJsonError(await me(headers), 401)
    }
    expect((await me(bearer(colleague))).statusCode).toBe(200)
    const id = await userId(email)
    expect(await auditRows('auth.logout_everywhere', id)).toEqual([{ actor_user_id: id, details: { by: 'self' } }])
    expect((await loginWithForm(t.app, email)).res.statusCode).toBe(303)
  })

  it('without the CSRF token the form changes nothing', async () => {
    const { cookie } = await loginWithForm(t.app, 'direction.chalons@demo.repere.test')
    const res = await t.app.inject({ method: 'POST', url: '/deconnexion/partout', headers: { ...FORM, cookie }, payload: '' })
    expect(res.statusCode).toBe(403)
    expect((await me({ cookie })).statusCode).toBe(200)
  })

  it('API twin: POST /api/v1/auth/logout-everywhere → 204, and every token of the account is refused', async () => {
    const a = await apiToken(t.app, 'direction.chalons@demo.repere.test')
    const b = await apiToken(t.app, 'direction.chalons@demo.repere.test')
    const res = await t.app.inject({ method: 'POST', url: '/api/v1/auth/logout-everywhere', headers: bearer(a) })
    expect(res.statusCode).toBe(204)
    expectJsonError(await me(bearer(a)), 401)
    expectJsonError(await me(bearer(b)), 401)
    expect(await auditRows('auth.logout_everywhere', await userId('direction.chalons@demo.repere.test'))).toHaveLength(1)
  })

  it('an admin, from the account’s page: the person’s sessions end, the admin’s stay', async () => {
    const email = 'conseil.epernay@demo.repere.test'
    const id = await userId(email)
    const person = await loginWithForm(t.app, email)
    const personToken = await apiToken(t.app, email)
    const admin = await loginWithForm(t.app, 'admin@demo.repere.test')

    const page = await t.app.inject({ method: 'GET', url: `/admin/utilisateurs/${id}`, headers: { cookie: admin.cookie } })
    expect(page.body).toContain(`action="/admin/utilisateurs/${id}/deconnexion"`)
    const { res } = await postForm(admin.cookie, `/admin/utilisateurs/${id}`, `/admin/utilisateurs/${id}/deconnexion`)
    expect(res.statusCode).toBe(200)
    expect(res.body).toContain('Toutes les sessions de cette personne sont fermées.')

    expectJsonError(await me({ cookie: person.cookie }), 401)
    expectJsonError(await me(bearer(personToken)), 401)
    expect((await me({ cookie: admin.cookie })).statusCode).toBe(200)
    const adminId = await userId('admin@demo.repere.test')
    expect(await auditRows('auth.logout_everywhere', id)).toContainEqual({ actor_user_id: adminId, details: { by: 'admin' } })
  })

  it('API twin for admins: POST /api/v1/users/:id/logout-everywhere; 403 for others, 404 for an unknown account', async () => {
    const email = 'direction.epernay@demo.repere.test'
    const id = await userId(email)
    const personToken = await apiToken(t.app, email)
    const manager = await apiToken(t.app, 'direction.reims@demo.repere.test')
    const refused = await t.app.inject({ method: 'POST', url: `/api/v1/users/${id}/logout-everywhere`, headers: bearer(manager) })
    expectJsonError(refused, 403)
    expect((await me(bearer(personToken))).statusCode).toBe(200)

    const res = await t.app.inject({ method: 'POST', url: `/api/v1/users/${id}/logout-everywhere`, headers: bearer(adminToken) })
    expect(res.statusCode).toBe(204)
    expectJsonError(await me(bearer(personToken)), 401)

    const unknown = await t.app.inject({
      method: 'POST',
      url: '/api/v1/users/00000000-0000-4000-8000-000000000000/logout-everywhere',
      headers: bearer(adminToken),
    })
    expectJsonError(unknown, 404)
  })

  it('the three endpoints are documented in the OpenAPI description', async () => {
    const doc = (await t.app.inject({ method: 'GET', url: '/docs/json', headers: bearer(adminToken) })).json<{
      paths: Record<string, Record<string, { summary?: string; responses: Record<string, unknown> }>>
    }>()
    expect(doc.paths['/api/v1/auth/logout']?.post?.responses).toHaveProperty('204')
    expect(doc.paths['/api/v1/auth/logout-everywhere']?.post?.responses).toHaveProperty('204')
    expect(doc.paths['/api/v1/users/{id}/logout-everywhere']?.post?.responses).toHaveProperty('404')
  })
})

describe('the forced password change holds on every transport', () => {
  const email = 'provisoire@demo.repere.test'
  let temporaryPassword: string
  let cookie: string

  beforeAll(async () => {
    const created = await t.app.inject({
      method: 'POST',
      url: '/api/v1/users',
      headers: bearer(adminToken),
      payload: { email, fullName: 'Paul Provisoire', role: 'counsellor', organisationId: t.orgIds.get('ml-reims') },
    })
    expect(created.statusCode).toBe(201)
    temporaryPassword = created.json<{ temporaryPassword: string }>().temporaryPassword
    const login = await loginWithForm(t.app, email, temporaryPassword)
    expect(login.res.headers.location).toBe('/mot-de-passe')
    cookie = login.cookie
  })

  it('the token endpoint answers a temporary password with 403 and says what to do, in French', async () => {
    const res = await t.app.inject({ method: 'POST', url: '/api/v1/auth/token', payload: { email, password: temporaryPassword } })
    expectJsonError(res, 403, 'APP_PASSWORD_CHANGE_REQUIRED')
    expect(res.json<{ message: string }>().message).toMatch(CHANGE_REQUIRED)
    expect(res.body).not.toContain('Votre rôle')
  })

  it('the session token sent as a Bearer token: 403 with the French reason, on the API and on pages', async () => {
    const token = tokenOfCookie(cookie)
    for (const url of ['/api/v1/sites', '/api/v1/me']) {
      const res = await t.app.inject({ method: 'GET', url, headers: bearer(token) })
      expectJsonError(res, 403, 'APP_PASSWORD_CHANGE_REQUIRED')
      expect(res.json<{ message: string }>().message, url).toMatch(CHANGE_REQUIRED)
    }
    // A page asked for with the Bearer token gets the French error page with the reason, not the page.
    for (const url of ['/', '/sites']) {
      const page = await t.app.inject({ method: 'GET', url, headers: bearer(token) })
      expect(page.statusCode, url).toBe(403)
      expect(page.headers['content-type']).toMatch(/^text\/html/)
      expect(page.body).toMatch(CHANGE_REQUIRED)
      expect(page.body).toContain('Accès refusé')
    }
  })

  it('API calls with the cookie get a JSON 403, never a redirect; pages still lead to the form', async () => {
    for (const url of ['/api/v1/sites', '/api/v1/me']) {
      for (const accept of ['application/json', 'text/html']) {
        const res = await t.app.inject({ method: 'GET', url, headers: { cookie, accept } })
        expectJsonError(res, 403, 'APP_PASSWORD_CHANGE_REQUIRED')
      }
    }
    const page = await t.app.inject({ method: 'GET', url: '/compte', headers: { cookie, accept: 'text/html' } })
    expect(page.statusCode).toBe(302)
    expect(page.headers.location).toBe('/mot-de-passe')
  })

  it('logging out stays possible, by the API too', async () => {
    const again = await loginWithForm(t.app, email, temporaryPassword)
    const { token, cookie: jar } = await csrfFor(t.app, again.cookie, '/mot-de-passe')
    const out = await t.app.inject({ method: 'POST', url: '/api/v1/auth/logout', headers: { cookie: jar, 'x-csrf-token': token } })
    expect(out.statusCode).toBe(204)
    expectJsonError(await me({ cookie: again.cookie }), 401)
  })

  it('once the password is changed, the token endpoint gives a working token', async () => {
    const changed = await postForm(cookie, '/mot-de-passe', '/mot-de-passe', {
      current: temporaryPassword,
      next: 'une phrase enfin choisie',
      confirm: 'une phrase enfin choisie',
    })
    expect(changed.res.statusCode).toBe(303)
    expect((await me({ cookie: changed.cookie })).statusCode).toBe(200)
    const token = await apiToken(t.app, email, 'une phrase enfin choisie')
    expect((await t.app.inject({ method: 'GET', url: '/api/v1/sites', headers: bearer(token) })).statusCode).toBe(200)
  })
})

describe('one login limit across the form and the token endpoint', () => {
  let limited: FastifyInstance
  const limitedConfig = testConfig({ LOGIN_MAX_ATTEMPTS: '3' })
  beforeAll(async () => {
    // A second app on the same database with its own Redis prefix, hence fresh counters.
    limited = await buildApp(limitedConfig, { database: t.database, mailer: memoryMailer(), logger: false })
    await limited.ready()
  })
  afterAll(async () => {
    await limited?.close()
    await deletePrefixKeys(limitedConfig)
  })

  const viaApi = async (email: string, password: string) =>
    (await limited.inject({ method: 'POST', url: '/api/v1/auth/token', payload: { email, password } })).statusCode
  const viaForm = async (email: string, password: string) => (await loginWithForm(limited, email, password)).res.statusCode

  it('tries on the API count for the form: no fresh allowance by switching door', async () => {
    const email = 'conseil.reims@demo.repere.test'
    expect(await viaApi(email, 'essai-1')).toBe(401)
    expect(await viaApi(email, 'essai-2')).toBe(401)
    expect(await viaApi(email, 'essai-3')).toBe(401)
    // Even the right password, through the form: the account's allowance is spent.
    expect(await viaForm(email, DEMO_PASSWORD)).toBe(429)
  })

  it('and tries on the form count for the API, with a JSON 429 and a Retry-After', async () => {
    const email = 'direction.reims@demo.repere.test'
    expect(await viaForm(email, 'essai-1')).toBe(401)
    expect(await viaForm(email, 'essai-2')).toBe(401)
    expect(await viaApi(email, 'essai-3')).toBe(401)
    const res = await limited.inject({ method: 'POST', url: '/api/v1/auth/token', payload: { email, password: DEMO_PASSWORD } })
    expectJsonError(res, 429, 'APP_RATE_LIMITED')
    expect(res.json<{ message: string }>().message).toMatch(/^Trop de requêtes\. Réessayez dans \d+ minutes?\.$/)
    expect(Number(res.headers['retry-after'])).toBeGreaterThan(0)
    // Another account from the same address is still let in.
    expect(await viaApi('conseil.chalons@demo.repere.test', DEMO_PASSWORD)).toBe(200)
  })

  it('the per-address cap (10 × the limit) is shared by both doors too', async () => {
    // 9 attempts were made above (refused ones count); 21 more, alternating doors and accounts,
    // reach the 30 allowed.
    for (let i = 0; i < 21; i++) {
      const status = i % 2 ? await viaApi(`inconnu-${i}@demo.repere.test`, 'x') : await viaForm(`inconnu-${i}@demo.repere.test`, 'x')
      expect(status, `attempt ${i}`).toBe(401)
    }
    expect(await viaApi('inconnu-final@demo.repere.test', 'x')).toBe(429)
    expect(await viaForm('inconnu-final2@demo.repere.test', 'x')).toBe(429)
  })
})

describe('when Redis cannot tell whether a session was logged out', () => {
  it('a protected route answers 503 without clearing the cookie; a public page still opens', async () => {
    const own = createRedis(TEST_REDIS_URL, 'producer')
    const config = testConfig({ LOGIN_MAX_ATTEMPTS: '100' })
    const app = await buildApp(config, {
      database: t.database,
      redis: own,
      mailer: memoryMailer(),
      logger: false,
    })
    await app.ready()
    try {
      const { cookie } = await loginWithForm(app, 'conseil.reims@demo.repere.test')
      expect((await app.inject({ method: 'GET', url: '/api/v1/me', headers: { cookie } })).statusCode).toBe(200)
      own.disconnect()
      const refused = await app.inject({ method: 'GET', url: '/api/v1/me', headers: { cookie } })
      expectJsonError(refused, 503)
      expect(refused.cookies.find((c) => c.name === 'repere_session')).toBeUndefined()
      const login = await app.inject({ method: 'GET', url: '/connexion', headers: { cookie } })
      expect(login.statusCode).toBe(200)
      await own.connect()
      expect((await app.inject({ method: 'GET', url: '/api/v1/me', headers: { cookie } })).statusCode).toBe(200)
    } finally {
      await app.close()
      own.disconnect()
      await deletePrefixKeys(config)
    }
  })
})
