/**
 * Who may open what: a role × route matrix over the real app, organisation scoping (404, never
 * 403, for another organisation's rows), Bearer tokens, and sessions that end at once when an
 * admin deactivates an account, changes its role or resets its password.
 *
 * The expectations below are written by hand from docs/principles.md#users-and-roles and the
 * navigation each role is meant to see; they are deliberately not computed from the routes' `config.access`.
 */
import { createHmac, randomUUID } from 'node:crypto'
import type { RouteOptions } from 'fastify'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { buildApp } from '../../server/app.ts'
import { memoryMailer } from '../../server/lib/mailer.ts'
import { apiToken, cookiesOf, loginWithForm, startTestApp, type TestApp } from '../helpers/app.ts'

/**
 * Every route the app registers, seen through an `onRoute` hook added the moment the instance is
 * created (before any plugin), so that nothing registered by a plugin can escape the survey.
 */
const registered = vi.hoisted(() => [] as { method: string; url: string; options: RouteOptions }[])
vi.mock('fastify', async (importOriginal) => {
  const mod = await importOriginal<typeof import('fastify')>()
  const create = ((opts?: Parameters<typeof mod.default>[0]) => {
    const app = mod.default(opts)
    app.addHook('onRoute', (route) => {
      for (const method of [route.method].flat()) {
        registered.push({ method, url: route.url, options: route })
      }
    })
    return app
  }) as typeof mod.default
  return { ...mod, default: create, fastify: create }
})

type Role = 'university_staff' | 'counsellor' | 'ml_manager' | 'admin'
const ROLES: Role[] = ['university_staff', 'counsellor', 'ml_manager', 'admin']

/** One demo account per role (scripts/seed.ts); the Mission Locale ones are in Reims. */
const ACCOUNT: Record<Role, string> = {
  university_staff: 'universite@demo.repere.test',
  counsellor: 'conseil.reims@demo.repere.test',
  ml_manager: 'direction.reims@demo.repere.test',
  admin: 'admin@demo.repere.test',
}

/** 'login': a page sends an anonymous visitor to /connexion?suite=<the page>. */
type Outcome = 200 | 401 | 403 | 404 | 'login'
type Row = { anonymous: Outcome } & Record<Role, Outcome>
const row = (anonymous: Outcome, university_staff: Outcome, counsellor: Outcome, ml_manager: Outcome, admin: Outcome): Row => ({
  anonymous,
  university_staff,
  counsellor,
  ml_manager,
  admin,
})

// Pages, opened by a browser with the session cookie.                          univ  couns mgr   admin
const PAGES: Record<string, Row> = {
  '/': /*                                                            */ row('login', 200, 200, 200, 200),
  '/sites': /*                                                       */ row('login', 403, 200, 200, 200),
  '/sites/:reimsSite': /*                                            */ row('login', 403, 200, 200, 200),
  '/dossiers/charge': /*                                             */ row('login', 403, 403, 200, 200),
  '/equipe': /*                                                      */ row('login', 403, 403, 200, 403),
  '/admin/utilisateurs': /*                                          */ row('login', 403, 403, 403, 200),
  '/admin/utilisateurs/nouveau': /*                                  */ row('login', 403, 403, 403, 200),
  '/admin/utilisateurs/:reimsCounsellor': /*                         */ row('login', 403, 403, 403, 200),
  '/admin/journal': /*                                               */ row('login', 403, 403, 403, 200),
  '/admin/queues': /*                                                */ row('login', 403, 403, 403, 200),
  '/docs': /*                                                        */ row('login', 200, 200, 200, 200),
  '/mot-de-passe': /*                                                */ row('login', 200, 200, 200, 200),
}

// The JSON API, called with a Bearer token.                                    univ  couns mgr   admin
const API: Record<string, Row> = {
  '/docs/json': /*                                                   */ row(401, 200, 200, 200, 200),
  '/api/v1/me': /*                                                   */ row(401, 200, 200, 200, 200),
  '/api/v1/users': /*                                                */ row(401, 403, 403, 200, 200),
  '/api/v1/users/:reimsCounsellor': /*                               */ row(401, 403, 403, 200, 200),
  '/api/v1/sites': /*                                                */ row(401, 403, 200, 200, 200),
  '/api/v1/sites/:reimsSite': /*                                     */ row(401, 403, 200, 200, 200),
  '/api/v1/organisations': /*                                        */ row(401, 403, 403, 403, 200),
  '/api/v1/audit-log': /*                                            */ row(401, 403, 403, 403, 200),
}

let t: TestApp
/** The routes of the app under test (later apps built in this file add their own to `registered`). */
let appRoutes: typeof registered = []
const cookie = {} as Record<Role, string>
const token = {} as Record<Role, string>
let ids: { reimsSite: string; epernaySite: string; reimsCounsellor: string; epernayCounsellor: string }

async function userId(email: string): Promise<string> {
  const [u] = await t.database.sql<{ id: string }[]>`SELECT id FROM users WHERE email = ${email}`
  if (!u) {
    throw new Error(`no user ${email}`)
  }
  return u.id
}

async function siteOf(slug: string): Promise<string> {
  const [s] = await t.database.sql<{ id: string }[]>`
    SELECT s.id FROM sites s JOIN organisations o ON o.id = s.organisation_id WHERE o.slug = ${slug} ORDER BY s.name LIMIT 1`
  if (!s) {
    throw new Error(`no site for ${slug}`)
  }
  return s.id
}

function resolve(pattern: string): string {
  return pattern.replace(/:(\w+)/g, (_m, name: keyof typeof ids) => ids[name])
}

/** A JWT signed with HS256 by hand, to forge tokens the way an attacker would. */
function signJwt(payload: Record<string, unknown>, secret: string, header: Record<string, unknown> = { alg: 'HS256', typ: 'JWT' }): string {
  const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url')
  const body = `${b64(header)}.${b64(payload)}`
  return `${body}.${createHmac('sha256', secret).update(body).digest('base64url')}`
}

function expectErrorJson(res: { json(): unknown }, statusCode: number) {
  expect(res.json()).toEqual({ statusCode, code: expect.any(String), message: expect.any(String), reqId: expect.any(String) })
}

beforeAll(async () => {
  // The matrix logs in many times from one address: lift the login rate limit for this file
  // (auth.test.ts tests the limit itself).
  t = await startTestApp({ LOGIN_MAX_ATTEMPTS: '1000' })
  appRoutes = [...registered]
  ids = {
    reimsSite: await siteOf('ml-reims'),
    epernaySite: await siteOf('ml-epernay'),
    reimsCounsellor: await userId('conseil.reims@demo.repere.test'),
    epernayCounsellor: await userId('conseil.epernay@demo.repere.test'),
  }
  for (const role of ROLES) {
    const { res, cookie: c } = await loginWithForm(t.app, ACCOUNT[role])
    expect(res.statusCode, `login of ${role}`).toBe(303)
    cookie[role] = c
    token[role] = await apiToken(t.app, ACCOUNT[role])
  }
})
afterAll(async () => {
  await t?.close()
})

describe('role × page matrix (session cookie)', () => {
  for (const [pattern, expected] of Object.entries(PAGES)) {
    for (const who of ['anonymous', ...ROLES] as const) {
      it(`${who} GET ${pattern} → ${expected[who]}`, async () => {
        const url = resolve(pattern)
        const res = await t.app.inject({
          method: 'GET',
          url,
          headers: { accept: 'text/html', ...(who === 'anonymous' ? {} : { cookie: cookie[who] }) },
        })
        const outcome = expected[who]
        if (outcome === 'login') {
          expect(res.statusCode).toBe(302)
          expect(res.headers.location).toBe(`/connexion?suite=${encodeURIComponent(url)}`)
          return
        }
        expect(res.statusCode).toBe(outcome)
        if (outcome !== 200) {
          // A refusal is the French error page, not JSON or a framework's own format.
          expect(res.headers['content-type']).toMatch(/^text\/html/)
          expect(res.body).toContain('<html lang="fr">')
          expect(res.body).toContain('Accès refusé')
        }
      })
    }
  }
})

describe('role × API matrix (Bearer token)', () => {
  for (const [pattern, expected] of Object.entries(API)) {
    for (const who of ['anonymous', ...ROLES] as const) {
      it(`${who} GET ${pattern} → ${expected[who]}`, async () => {
        const res = await t.app.inject({
          method: 'GET',
          url: resolve(pattern),
          headers: { accept: 'application/json', ...(who === 'anonymous' ? {} : { authorization: `Bearer ${token[who]}` }) },
        })
        const outcome = expected[who]
        expect(res.statusCode).toBe(outcome)
        expect(res.headers['content-type']).toMatch(/^application\/json/)
        if (outcome !== 200) {
          expectErrorJson(res, outcome as number)
        }
      })
    }
  }

  it('the session cookie works on the API too, and gives the same answers', async () => {
    for (const role of ROLES) {
      const res = await t.app.inject({ method: 'GET', url: '/api/v1/organisations', headers: { cookie: cookie[role] } })
      expect(res.statusCode, role).toBe(API['/api/v1/organisations']![role])
    }
  })

  it('/api/v1/me describes the account behind the token', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/api/v1/me', headers: { authorization: `Bearer ${token.counsellor}` } })
    expect(res.json()).toMatchObject({ email: ACCOUNT.counsellor, role: 'counsellor', organisationName: 'ML Reims' })
  })
})

describe('organisation scoping: another organisation’s rows do not exist', () => {
  let epernay: { cookie: string; token: string }
  let epernayManager: string
  beforeAll(async () => {
    const { cookie: c } = await loginWithForm(t.app, 'conseil.epernay@demo.repere.test')
    epernay = { cookie: c, token: await apiToken(t.app, 'conseil.epernay@demo.repere.test') }
    epernayManager = await apiToken(t.app, 'direction.epernay@demo.repere.test')
  })

  it('a counsellor of Épernay gets 404 on the page of a Reims site', async () => {
    const res = await t.app.inject({
      method: 'GET',
      url: `/sites/${ids.reimsSite}`,
      headers: { cookie: epernay.cookie, accept: 'text/html' },
    })
    expect(res.statusCode).toBe(404)
    expect(res.headers['content-type']).toMatch(/^text\/html/)
    expect(res.body).toContain('Page introuvable')
    expect(res.body).not.toContain('Mission Locale de Reims')
  })

  it('a counsellor of Épernay gets 404 on a Reims site through the API, exactly as for a site that does not exist', async () => {
    const headers = { authorization: `Bearer ${epernay.token}` }
    const other = await t.app.inject({ method: 'GET', url: `/api/v1/sites/${ids.reimsSite}`, headers })
    const missing = await t.app.inject({ method: 'GET', url: `/api/v1/sites/${randomUUID()}`, headers })
    expect(other.statusCode).toBe(404)
    expectErrorJson(other, 404)
    const { reqId: _a, ...otherBody } = other.json<Record<string, unknown>>()
    const { reqId: _b, ...missingBody } = missing.json<Record<string, unknown>>()
    expect(otherBody).toEqual(missingBody)
  })

  it('the same counsellor reads an Épernay site, on the page and through the API', async () => {
    const page = await t.app.inject({ method: 'GET', url: `/sites/${ids.epernaySite}`, headers: { cookie: epernay.cookie } })
    expect(page.statusCode).toBe(200)
    expect(page.body).toContain('ML Épernay')
    const api = await t.app.inject({
      method: 'GET',
      url: `/api/v1/sites/${ids.epernaySite}`,
      headers: { authorization: `Bearer ${epernay.token}` },
    })
    expect(api.statusCode).toBe(200)
    expect(api.json()).toMatchObject({ id: ids.epernaySite, organisationName: 'ML Épernay' })
  })

  it('the list of sites holds only the counsellor’s own Mission Locale', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/api/v1/sites', headers: { authorization: `Bearer ${epernay.token}` } })
    const names = res.json<{ organisationName: string }[]>().map((s) => s.organisationName)
    expect(names.length).toBeGreaterThan(0)
    expect(new Set(names)).toEqual(new Set(['ML Épernay']))
  })

  it('a manager of Reims gets 404 on a user of Épernay, and reads a user of Reims', async () => {
    const headers = { authorization: `Bearer ${token.ml_manager}` }
    const other = await t.app.inject({ method: 'GET', url: `/api/v1/users/${ids.epernayCounsellor}`, headers })
    expect(other.statusCode).toBe(404)
    expectErrorJson(other, 404)
    const own = await t.app.inject({ method: 'GET', url: `/api/v1/users/${ids.reimsCounsellor}`, headers })
    expect(own.statusCode).toBe(200)
    const list = await t.app.inject({ method: 'GET', url: '/api/v1/users', headers })
    expect(new Set(list.json<{ organisationName: string }[]>().map((u) => u.organisationName))).toEqual(new Set(['ML Reims']))
  })

  it('a manager of Épernay does not see Reims either', async () => {
    const res = await t.app.inject({
      method: 'GET',
      url: `/api/v1/users/${ids.reimsCounsellor}`,
      headers: { authorization: `Bearer ${epernayManager}` },
    })
    expect(res.statusCode).toBe(404)
  })
})

describe('Bearer tokens', () => {
  let claims: { sub: string; role: string; org: string; tv: number }
  beforeAll(() => {
    const [, payload] = token.counsellor.split('.')
    claims = JSON.parse(Buffer.from(payload as string, 'base64url').toString()) as typeof claims
  })
  const now = () => Math.floor(Date.now() / 1000)

  it('a token from /api/v1/auth/token works on the API', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/token',
      payload: { email: ACCOUNT.ml_manager, password: 'demo-repere-2026' },
    })
    expect(res.statusCode).toBe(200)
    const body = res.json<{ token: string; tokenType: string; expiresInSeconds: number }>()
    expect(body.tokenType).toBe('Bearer')
    expect(body.expiresInSeconds).toBeGreaterThan(0)
    const me = await t.app.inject({ method: 'GET', url: '/api/v1/users', headers: { authorization: `Bearer ${body.token}` } })
    expect(me.statusCode).toBe(200)
  })

  it('a wrong password gets no token', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/token',
      payload: { email: ACCOUNT.admin, password: 'not-the-password' },
    })
    expect(res.statusCode).toBe(401)
    expectErrorJson(res, 401)
    expect(res.json()).not.toHaveProperty('token')
  })

  const bad: [string, () => string][] = [
    ['garbage', () => 'garbage'],
    ['three garbage parts', () => 'x.y.z'],
    [
      'signed with another secret',
      () => signJwt({ ...claims, role: 'admin', iat: now(), exp: now() + 3600 }, 'not-the-secret-not-the-secret-not-the-secret'),
    ],
    [
      'with a tampered payload (counsellor → admin)',
      () => {
        const [h, , s] = token.counsellor.split('.')
        return `${h}.${Buffer.from(JSON.stringify({ ...claims, role: 'admin' })).toString('base64url')}.${s}`
      },
    ],
    [
      'with alg "none"',
      () =>
        `${signJwt({ ...claims, iat: now(), exp: now() + 3600 }, 'x', { alg: 'none', typ: 'JWT' })
          .split('.')
          .slice(0, 2)
          .join('.')}.`,
    ],
    ['expired (right secret)', () => signJwt({ ...claims, iat: now() - 7200, exp: now() - 3600 }, t.config.JWT_SECRET)],
    [
      'for a user that does not exist (right secret)',
      () => signJwt({ ...claims, sub: randomUUID(), iat: now(), exp: now() + 3600 }, t.config.JWT_SECRET),
    ],
    [
      'with an old token version (right secret)',
      () => signJwt({ ...claims, tv: claims.tv - 1, iat: now(), exp: now() + 3600 }, t.config.JWT_SECRET),
    ],
  ]
  for (const [label, make] of bad) {
    it(`a token ${label} → 401`, async () => {
      const res = await t.app.inject({ method: 'GET', url: '/api/v1/me', headers: { authorization: `Bearer ${make()}` } })
      expect(res.statusCode).toBe(401)
      expectErrorJson(res, 401)
    })
  }

  it('a right-secret token with a valid shape still works (control for the cases above)', async () => {
    const res = await t.app.inject({
      method: 'GET',
      url: '/api/v1/me',
      headers: { authorization: `Bearer ${signJwt({ ...claims, iat: now(), exp: now() + 3600 }, t.config.JWT_SECRET)}` },
    })
    expect(res.statusCode).toBe(200)
  })

  it('a malformed Authorization header is anonymous, even with a valid session cookie beside it', async () => {
    const res = await t.app.inject({
      method: 'GET',
      url: '/api/v1/me',
      headers: { authorization: 'Basic YWRtaW46YWRtaW4=', cookie: cookie.admin },
    })
    expect(res.statusCode).toBe(401)
  })

  it('a forged session cookie sends a browser back to the login page and is cleared', async () => {
    const forged = signJwt({ ...claims, role: 'admin', iat: now(), exp: now() + 3600 }, 'not-the-secret-not-the-secret-not-the-secret')
    const res = await t.app.inject({
      method: 'GET',
      url: '/admin/utilisateurs',
      headers: { cookie: `repere_session=${forged}`, accept: 'text/html' },
    })
    expect(res.statusCode).toBe(302)
    expect(res.headers.location).toMatch(/^\/connexion\?suite=/)
    expect(res.cookies.find((c) => c.name === 'repere_session')?.value ?? 'cleared').toBe('')
  })
})

describe('sessions end at once when an admin changes the account', () => {
  /** Logs a demo account in both ways and checks that both work before the change. */
  async function openSessions(email: string) {
    const { cookie: c } = await loginWithForm(t.app, email)
    const bearer = await apiToken(t.app, email)
    const page = await t.app.inject({ method: 'GET', url: '/', headers: { cookie: c } })
    expect(page.statusCode).toBe(200)
    const api = await t.app.inject({ method: 'GET', url: '/api/v1/me', headers: { authorization: `Bearer ${bearer}` } })
    expect(api.statusCode).toBe(200)
    return { cookie: c, bearer, id: await userId(email) }
  }

  async function expectEnded(s: { cookie: string; bearer: string }) {
    const api = await t.app.inject({ method: 'GET', url: '/api/v1/me', headers: { authorization: `Bearer ${s.bearer}` } })
    expect(api.statusCode).toBe(401)
    const page = await t.app.inject({ method: 'GET', url: '/', headers: { cookie: s.cookie, accept: 'text/html' } })
    expect(page.statusCode).toBe(302)
    expect(page.headers.location).toBe('/connexion?suite=%2F')
    const apiWithCookie = await t.app.inject({ method: 'GET', url: '/api/v1/me', headers: { cookie: s.cookie } })
    expect(apiWithCookie.statusCode).toBe(401)
  }

  it('deactivation (PATCH /api/v1/users/:id {active:false}) ends the token and the cookie, and blocks new logins', async () => {
    const s = await openSessions('conseil.chalons@demo.repere.test')
    const res = await t.app.inject({
      method: 'PATCH',
      url: `/api/v1/users/${s.id}`,
      headers: { authorization: `Bearer ${token.admin}` },
      payload: { active: false },
    })
    expect(res.statusCode).toBe(200)
    expect(res.json()).toMatchObject({ active: false })
    await expectEnded(s)
    const again = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/token',
      payload: { email: 'conseil.chalons@demo.repere.test', password: 'demo-repere-2026' },
    })
    expect(again.statusCode).toBe(403)
    const form = await loginWithForm(t.app, 'conseil.chalons@demo.repere.test')
    expect(form.res.statusCode).toBe(403)
    expect(form.res.body).toContain('Ce compte est désactivé.')
  })

  it('a password reset ends the token and the cookie (token version)', async () => {
    const s = await openSessions('direction.chalons@demo.repere.test')
    const res = await t.app.inject({
      method: 'POST',
      url: `/api/v1/users/${s.id}/password-reset`,
      headers: { authorization: `Bearer ${token.admin}` },
    })
    expect(res.statusCode).toBe(200)
    expect(res.json<{ temporaryPassword: string }>().temporaryPassword).toMatch(/^\S{12,}$/)
    await expectEnded(s)
  })

  it('a role change ends the sessions issued for the old role', async () => {
    const s = await openSessions('direction.epernay@demo.repere.test')
    const res = await t.app.inject({
      method: 'PATCH',
      url: `/api/v1/users/${s.id}`,
      headers: { authorization: `Bearer ${token.admin}` },
      payload: { role: 'counsellor' },
    })
    expect(res.statusCode).toBe(200)
    await expectEnded(s)
  })

  it('a change of name only keeps the sessions open', async () => {
    const s = await openSessions('conseil.epernay@demo.repere.test')
    const res = await t.app.inject({
      method: 'PATCH',
      url: `/api/v1/users/${s.id}`,
      headers: { authorization: `Bearer ${token.admin}` },
      payload: { fullName: 'Léa Fontaine-Durand' },
    })
    expect(res.statusCode).toBe(200)
    const api = await t.app.inject({ method: 'GET', url: '/api/v1/me', headers: { authorization: `Bearer ${s.bearer}` } })
    expect(api.statusCode).toBe(200)
  })

  it('logging out ends the cookie session', async () => {
    const { cookie: c } = await loginWithForm(t.app, ACCOUNT.university_staff)
    const page = await t.app.inject({ method: 'GET', url: '/', headers: { cookie: c } })
    const csrf = /name="_csrf" value="([^"]+)"/.exec(page.body)?.[1] ?? ''
    const jar = cookiesOf(page, c)
    const out = await t.app.inject({
      method: 'POST',
      url: '/deconnexion',
      headers: { cookie: jar, 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({ _csrf: csrf }).toString(),
    })
    expect(out.statusCode).toBe(303)
    expect(out.headers.location).toBe('/connexion')
    const after = await t.app.inject({ method: 'GET', url: '/', headers: { cookie: cookiesOf(out, jar), accept: 'text/html' } })
    expect(after.statusCode).toBe(302)
  })
})

describe('every route is covered by an access rule', () => {
  /** Routes anyone may call without an account. Everything else must refuse an anonymous caller. */
  const PUBLIC = new Set([
    'GET /health',
    'GET /connexion',
    'POST /connexion',
    'POST /api/v1/auth/token',
    'GET /static/*',
    // One-click unsubscribe (RFC 8058): mail clients POST it without any account.
    'POST /api/v1/unsubscribe/:code',
  ])

  it('the survey saw the app’s routes', () => {
    const urls = new Set(appRoutes.map((r) => r.url))
    for (const url of ['/', '/sites/:id', '/admin/utilisateurs', '/admin/queues', '/docs', '/api/v1/users/:id', '/static/*']) {
      expect(urls, url).toContain(url)
    }
  })

  it('every route ends up with an access rule (declared, inherited from its plugin, or admin-only by default)', () => {
    const missing = appRoutes
      .filter((r) => r.method !== 'HEAD' && !r.url.startsWith('/static/'))
      .filter((r) => r.options.config?.access === undefined)
      .map((r) => `${r.method} ${r.url}`)
    expect(missing).toEqual([])
  })

  it('only the allow-listed routes answer an anonymous caller; every other one asks for a login', async () => {
    const leaks: string[] = []
    for (const r of appRoutes) {
      if (r.method === 'HEAD' || r.method === 'OPTIONS') {
        continue
      }
      const key = `${r.method} ${r.url}`
      const url = r.url.replace(/:\w+/g, () => randomUUID()).replace(/\*$/, 'app.css')
      for (const accept of ['application/json', 'text/html']) {
        const res = await t.app.inject({
          method: r.method as 'GET',
          url,
          headers: { accept, 'content-type': 'application/json' },
          ...(r.method === 'GET' ? {} : { payload: {} }),
        })
        const asksLogin = res.statusCode === 401 || (res.statusCode === 302 && String(res.headers.location).startsWith('/connexion?suite='))
        // The student pages under /r/ are public by design (a personal link, no account).
        if (PUBLIC.has(key) || r.url.startsWith('/r/')) {
          if (res.statusCode === 401 || (res.statusCode === 302 && r.url !== '/connexion')) {
            leaks.push(`${key} is meant to be public but answered ${res.statusCode} (${accept})`)
          }
        } else if (!asksLogin) {
          leaks.push(`${key} answered ${res.statusCode} to an anonymous caller (${accept})`)
        }
      }
    }
    expect(leaks).toEqual([])
  })

  it('a route that declares no access is admin-only (deny by default)', async () => {
    // A second app on the same database, with one route added the way a careless change would.
    const app = await buildApp(t.config, { database: t.database, mailer: memoryMailer(), logger: false })
    app.get('/test-undeclared', async () => ({ ok: true }))
    await app.ready()
    try {
      const as = (role: Role) => app.inject({ method: 'GET', url: '/test-undeclared', headers: { authorization: `Bearer ${token[role]}` } })
      expect((await app.inject({ method: 'GET', url: '/test-undeclared' })).statusCode).toBe(401)
      for (const role of ['university_staff', 'counsellor', 'ml_manager'] as const) {
        expect((await as(role)).statusCode, role).toBe(403)
      }
      expect((await as('admin')).statusCode).toBe(200)
    } finally {
      await app.close()
    }
  })
})
