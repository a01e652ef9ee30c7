/**
 * CSRF: a request that rides on the session cookie must carry the token of that browser's own
 * forms; the login form too (login CSRF). Bearer requests cannot be forged by another site and
 * need none. A refused request changes nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { apiToken, cookiesOf, csrfFor, loginWithForm, startTestApp, type TestApp } from '../helpers/app.ts'

const CSRF_MESSAGE = 'Le formulaire a expiré ou ne vient pas de Repère. Rechargez la page et recommencez.'
const FORM = { 'content-type': 'application/x-www-form-urlencoded' }

let t: TestApp
let admin: string
let urcaId: string
let reimsId: string

beforeAll(async () => {
  t = await startTestApp({ LOGIN_MAX_ATTEMPTS: '100' })
  admin = (await loginWithForm(t.app, 'admin@demo.repere.test')).cookie
  urcaId = t.orgIds.get('urca') as string
  reimsId = t.orgIds.get('ml-reims') as string
})
afterAll(async () => {
  await t?.close()
})

async function userCount(): Promise<number> {
  const [row] = await t.database.sql<{ n: number }[]>`SELECT count(*)::int AS n FROM users`
  return row?.n ?? -1
}

async function exists(email: string): Promise<boolean> {
  const rows = await t.database.sql`SELECT 1 FROM users WHERE email = ${email}`
  return rows.length === 1
}

function newUserForm(email: string, csrf?: string): string {
  const form = new URLSearchParams({ email, fullName: 'Alix Testeur', role: 'counsellor', organisationId: reimsId })
  if (csrf !== undefined) {
    form.set('_csrf', csrf)
  }
  return form.toString()
}

function expectCsrfRefusal(res: { statusCode: number; body: string; headers: Record<string, unknown> }) {
  expect(res.statusCode).toBe(403)
  expect(res.headers['content-type']).toMatch(/^text\/html/)
  expect(res.body).toContain(CSRF_MESSAGE)
}

describe('cookie-authenticated form posts', () => {
  it('without _csrf: 403 with the French message, and no account is created', async () => {
    const before = await userCount()
    const res = await t.app.inject({
      method: 'POST',
      url: '/admin/utilisateurs',
      headers: { ...FORM, cookie: admin },
      payload: newUserForm('sans.jeton@demo.repere.test'),
    })
    expectCsrfRefusal(res)
    expect(await userCount()).toBe(before)
    expect(await exists('sans.jeton@demo.repere.test')).toBe(false)
  })

  it('with an empty or made-up _csrf: 403, nothing changed', async () => {
    const before = await userCount()
    for (const token of ['', 'abc', 'x'.repeat(60)]) {
      const res = await t.app.inject({
        method: 'POST',
        url: '/admin/utilisateurs',
        headers: { ...FORM, cookie: admin },
        payload: newUserForm('faux.jeton@demo.repere.test', token),
      })
      expectCsrfRefusal(res)
    }
    expect(await userCount()).toBe(before)
  })

  it('with a token taken from another session (another browser): 403, nothing changed', async () => {
    // The attacker's own session: a valid token, but bound to the attacker's CSRF cookie.
    const other = await loginWithForm(t.app, 'admin@demo.repere.test')
    const { token: foreign } = await csrfFor(t.app, other.cookie, '/admin/utilisateurs/nouveau')
    // The victim's browser, with its own CSRF cookie from having opened a page.
    const victim = await csrfFor(t.app, admin, '/admin/utilisateurs/nouveau')
    const before = await userCount()
    const res = await t.app.inject({
      method: 'POST',
      url: '/admin/utilisateurs',
      headers: { ...FORM, cookie: victim.cookie },
      payload: newUserForm('jeton.etranger@demo.repere.test', foreign),
    })
    expectCsrfRefusal(res)
    expect(await userCount()).toBe(before)
  })

  it('with the session cookie but no CSRF cookie at all (a forged cross-site post): 403', async () => {
    const session = admin
      .split('; ')
      .filter((c) => c.startsWith('repere_session='))
      .join('; ')
    const { token } = await csrfFor(t.app, admin, '/admin/utilisateurs/nouveau')
    const res = await t.app.inject({
      method: 'POST',
      url: '/admin/utilisateurs',
      headers: { ...FORM, cookie: session },
      payload: newUserForm('sans.cookie@demo.repere.test', token),
    })
    expectCsrfRefusal(res)
    expect(await exists('sans.cookie@demo.repere.test')).toBe(false)
  })

  it('with the right token: the account is created', async () => {
    const { token, cookie } = await csrfFor(t.app, admin, '/admin/utilisateurs/nouveau')
    const res = await t.app.inject({
      method: 'POST',
      url: '/admin/utilisateurs',
      headers: { ...FORM, cookie },
      payload: newUserForm('bon.jeton@demo.repere.test', token),
    })
    expect(res.statusCode).toBe(200)
    expect(res.body).toContain('Compte créé.')
    expect(await exists('bon.jeton@demo.repere.test')).toBe(true)
  })

  it('logout without _csrf is refused and the session stays open; with it, the session ends', async () => {
    const { cookie } = await loginWithForm(t.app, 'conseil.reims@demo.repere.test')
    const refused = await t.app.inject({ method: 'POST', url: '/deconnexion', headers: { ...FORM, cookie }, payload: '' })
    expectCsrfRefusal(refused)
    expect((await t.app.inject({ method: 'GET', url: '/', headers: { cookie } })).statusCode).toBe(200)

    const { token, cookie: jar } = await csrfFor(t.app, cookie)
    const ok = await t.app.inject({
      method: 'POST',
      url: '/deconnexion',
      headers: { ...FORM, cookie: jar },
      payload: `_csrf=${encodeURIComponent(token)}`,
    })
    expect(ok.statusCode).toBe(303)
    const after = await t.app.inject({ method: 'GET', url: '/', headers: { cookie: cookiesOf(ok, jar), accept: 'text/html' } })
    expect(after.statusCode).toBe(302)
  })

  it('an admin action through the JSON API with the session cookie also needs the token (header)', async () => {
    const before = await userCount()
    const payload = { email: 'api.cookie@demo.repere.test', fullName: 'Alix Cookie', role: 'counsellor', organisationId: reimsId }
    const refused = await t.app.inject({ method: 'POST', url: '/api/v1/users', headers: { cookie: admin }, payload })
    expect(refused.statusCode).toBe(403)
    expect(refused.json()).toMatchObject({ statusCode: 403, message: CSRF_MESSAGE })
    expect(await userCount()).toBe(before)

    const { token, cookie } = await csrfFor(t.app, admin)
    const ok = await t.app.inject({ method: 'POST', url: '/api/v1/users', headers: { cookie, 'x-csrf-token': token }, payload })
    expect(ok.statusCode).toBe(201)
  })
})

describe('the login form', () => {
  it('without a token: 403, no session', async () => {
    const page = await t.app.inject({ method: 'GET', url: '/connexion' })
    const res = await t.app.inject({
      method: 'POST',
      url: '/connexion',
      headers: { ...FORM, cookie: cookiesOf(page) },
      payload: new URLSearchParams({ email: 'admin@demo.repere.test', password: 'demo-repere-2026' }).toString(),
    })
    expectCsrfRefusal(res)
    expect(res.cookies.find((c) => c.name === 'repere_session')).toBeUndefined()
  })

  it('without any cookie (a cross-site login form): 403, no session', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/connexion',
      headers: FORM,
      payload: new URLSearchParams({ email: 'admin@demo.repere.test', password: 'demo-repere-2026', _csrf: 'forged' }).toString(),
    })
    expectCsrfRefusal(res)
    expect(res.cookies.find((c) => c.name === 'repere_session')).toBeUndefined()
  })
})

describe('Bearer requests', () => {
  it('a Bearer-authenticated POST needs no CSRF token', async () => {
    const bearer = await apiToken(t.app, 'admin@demo.repere.test')
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/users',
      headers: { authorization: `Bearer ${bearer}` },
      payload: { email: 'porteur@demo.repere.test', fullName: 'Alix Porteur', role: 'university_staff', organisationId: urcaId },
    })
    expect(res.statusCode).toBe(201)
    expect(await exists('porteur@demo.repere.test')).toBe(true)
  })

  it('the token exchange itself is a plain JSON call, without cookie or CSRF token', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/token',
      payload: { email: 'admin@demo.repere.test', password: 'demo-repere-2026' },
    })
    expect(res.statusCode).toBe(200)
  })

  it('a bogus Bearer header does not switch CSRF off for the cookie beside it', async () => {
    const before = await userCount()
    const res = await t.app.inject({
      method: 'POST',
      url: '/admin/utilisateurs',
      headers: { ...FORM, cookie: admin, authorization: 'Bearer not-a-token' },
      payload: newUserForm('porteur.bidon@demo.repere.test'),
    })
    // Refused either way (the bogus header makes the request anonymous); never executed.
    expect([401, 403]).toContain(res.statusCode)
    expect(await userCount()).toBe(before)
  })
})
