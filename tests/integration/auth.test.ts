/**
 * Logging in and out, the audit trail of account events, the login rate limit, account
 * creation by an admin (temporary password, forced change), the open-redirect guard, and
 * error answers: French pages for browsers, `{ statusCode, code, message, reqId }` for the
 * API, never a stack trace.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { FastifyInstance } from 'fastify'
import { buildApp } from '../../server/app.ts'
import { memoryMailer } from '../../server/lib/mailer.ts'
import { testConfig } from '../helpers/env.ts'
import { deletePrefixKeys } from '../helpers/redis-keys.ts'
import { cookiesOf, csrfFor, DEMO_PASSWORD, loginWithForm, startTestApp, type TestApp } from '../helpers/app.ts'

const FORM = { 'content-type': 'application/x-www-form-urlencoded' }
const WRONG_CREDENTIALS = 'Adresse e-mail ou mot de passe incorrect.'

let t: TestApp
beforeAll(async () => {
  t = await startTestApp({ LOGIN_MAX_ATTEMPTS: '100' })
})
afterAll(async () => {
  await t?.close()
})

type AuditRow = {
  action: string
  actor_user_id: string | null
  entity_id: string | null
  request_id: string | null
  details: Record<string, unknown>
}
async function auditRows(action: string, entityId?: string): Promise<AuditRow[]> {
  return t.database.sql<AuditRow[]>`
    SELECT action, actor_user_id, entity_id, request_id, details FROM audit_log
    WHERE action = ${action} ${entityId ? t.database.sql`AND entity_id = ${entityId}` : t.database.sql``}
    ORDER BY id`
}
async function userByEmail(email: string) {
  const [u] = await t.database.sql<{ id: string; must_change_password: boolean; role: string; active: boolean }[]>`
    SELECT id, must_change_password, role, active FROM users WHERE email = ${email}`
  return u
}

/** Opens a page with a form, then posts the form with that page's CSRF token. */
async function postForm(cookie: string, formPage: string, action: string, fields: Record<string, string>) {
  const { token, cookie: jar } = await csrfFor(t.app, cookie, formPage)
  const res = await t.app.inject({
    method: 'POST',
    url: action,
    headers: { ...FORM, cookie: jar },
    payload: new URLSearchParams({ ...fields, _csrf: token }).toString(),
  })
  return { res, cookie: cookiesOf(res, jar) }
}

describe('login', () => {
  it('a wrong password answers 401 with the login page and a French message, e-mail kept', async () => {
    const { res } = await loginWithForm(t.app, 'conseil.reims@demo.repere.test', 'pas-le-bon-mot-de-passe')
    expect(res.statusCode).toBe(401)
    expect(res.headers['content-type']).toMatch(/^text\/html/)
    expect(res.body).toContain(WRONG_CREDENTIALS)
    expect(res.body).toContain('value="conseil.reims@demo.repere.test"')
    expect(res.body).toContain('<form method="post" action="/connexion"')
    expect(res.cookies.find((c) => c.name === 'repere_session')).toBeUndefined()
  })

  it('an unknown e-mail gets exactly the same answer (no account enumeration)', async () => {
    const { res } = await loginWithForm(t.app, 'personne@demo.repere.test', 'pas-le-bon-mot-de-passe')
    expect(res.statusCode).toBe(401)
    expect(res.body).toContain(WRONG_CREDENTIALS)
  })

  it('the right password opens a session (httpOnly, SameSite=Lax cookie) and goes home', async () => {
    const { res, cookie } = await loginWithForm(t.app, 'conseil.reims@demo.repere.test')
    expect(res.statusCode).toBe(303)
    expect(res.headers.location).toBe('/')
    const session = res.cookies.find((c) => c.name === 'repere_session')
    expect(session).toMatchObject({ httpOnly: true, sameSite: 'Lax', path: '/' })
    const home = await t.app.inject({ method: 'GET', url: '/', headers: { cookie } })
    expect(home.statusCode).toBe(200)
    expect(home.body).toContain('Sarah Benali')
  })

  it('the e-mail is matched whatever its case and surrounding spaces', async () => {
    const { res } = await loginWithForm(t.app, '  Conseil.Reims@Demo.Repere.TEST ')
    expect(res.statusCode).toBe(303)
  })

  it('an already logged-in person opening /connexion goes straight home', async () => {
    const { cookie } = await loginWithForm(t.app, 'direction.reims@demo.repere.test')
    const res = await t.app.inject({ method: 'GET', url: '/connexion', headers: { cookie } })
    expect(res.statusCode).toBe(302)
    expect(res.headers.location).toBe('/')
  })
})

describe('the audit log records account events', () => {
  it('auth.login with the actor and request id, auth.login_failed with the account', async () => {
    const reims = await userByEmail('direction.chalons@demo.repere.test')
    await loginWithForm(t.app, 'direction.chalons@demo.repere.test', 'mauvais-mot-de-passe')
    const failed = await auditRows('auth.login_failed', reims!.id)
    expect(failed).toHaveLength(1)
    expect(failed[0]!.actor_user_id).toBeNull()
    expect(failed[0]!.request_id).toMatch(/^[0-9a-f-]{36}$/)

    await loginWithForm(t.app, 'direction.chalons@demo.repere.test')
    const ok = await auditRows('auth.login', reims!.id)
    expect(ok).toHaveLength(1)
    expect(ok[0]!.actor_user_id).toBe(reims!.id)
  })

  it('a failed login for an unknown e-mail keeps the attempted address, not the password', async () => {
    await loginWithForm(t.app, 'Inconnu@Demo.Repere.test', 'secret-tape-par-erreur')
    const rows = await t.database.sql<{ details: Record<string, unknown> }[]>`
      SELECT details FROM audit_log WHERE action = 'auth.login_failed' AND entity_id IS NULL`
    expect(rows.map((r) => r.details)).toContainEqual({ attemptedEmail: 'inconnu@demo.repere.test' })
    const all = await t.database.sql`SELECT 1 FROM audit_log WHERE details::text LIKE '%secret-tape-par-erreur%'`
    expect(all).toHaveLength(0)
  })

  it('user.create, user.update and user.password_reset, with the admin as actor', async () => {
    const { cookie } = await loginWithForm(t.app, 'admin@demo.repere.test')
    const adminId = (await userByEmail('admin@demo.repere.test'))!.id
    const created = await postForm(cookie, '/admin/utilisateurs/nouveau', '/admin/utilisateurs', {
      email: 'journal@demo.repere.test',
      fullName: 'Jules Journal',
      role: 'counsellor',
      organisationId: t.orgIds.get('ml-reims') as string,
    })
    expect(created.res.statusCode).toBe(200)
    const user = await userByEmail('journal@demo.repere.test')
    expect(user).toBeDefined()

    const update = await postForm(cookie, `/admin/utilisateurs/${user!.id}`, `/admin/utilisateurs/${user!.id}`, {
      fullName: 'Jules Journal',
      role: 'ml_manager',
      organisationId: t.orgIds.get('ml-reims') as string,
      active: 'on',
    })
    expect(update.res.statusCode).toBe(200)
    expect(update.res.body).toContain('Modifications enregistrées.')
    expect((await userByEmail('journal@demo.repere.test'))!.role).toBe('ml_manager')

    const reset = await postForm(cookie, `/admin/utilisateurs/${user!.id}`, `/admin/utilisateurs/${user!.id}/mot-de-passe`, {})
    expect(reset.res.statusCode).toBe(200)
    expect(reset.res.body).toContain('Mot de passe provisoire')

    const [create] = await auditRows('user.create', user!.id)
    expect(create).toMatchObject({ actor_user_id: adminId, details: { role: 'counsellor', organisationId: t.orgIds.get('ml-reims') } })
    const [upd] = await auditRows('user.update', user!.id)
    expect(upd).toMatchObject({ actor_user_id: adminId, details: { role: { from: 'counsellor', to: 'ml_manager' } } })
    const [rst] = await auditRows('user.password_reset', user!.id)
    expect(rst).toMatchObject({ actor_user_id: adminId })
    // No password, temporary or not, ever lands in the log.
    const leaked = await t.database
      .sql`SELECT 1 FROM audit_log WHERE details::text ILIKE '%password%' AND details::text NOT ILIKE '%mustChange%'`
    expect(leaked).toHaveLength(0)
  })

  it('the admin’s audit page lists them', async () => {
    const { cookie } = await loginWithForm(t.app, 'admin@demo.repere.test')
    const res = await t.app.inject({ method: 'GET', url: '/admin/journal?action=user.create', headers: { cookie } })
    expect(res.statusCode).toBe(200)
    expect(res.body).toContain('user.create')
  })
})

describe('login rate limit', () => {
  let limited: { app: FastifyInstance; close(): Promise<void> }
  beforeAll(async () => {
    // A second app on the same database (startTestApp would empty it under the first one), with
    // its own Redis prefix, hence fresh counters.
    const config = testConfig({ LOGIN_MAX_ATTEMPTS: '3' })
    const app = await buildApp(config, { database: t.database, mailer: memoryMailer(), logger: false })
    await app.ready()
    limited = {
      app,
      async close() {
        await app.close()
        await deletePrefixKeys(config)
      },
    }
  })
  afterAll(async () => {
    await limited?.close()
  })

  it('after LOGIN_MAX_ATTEMPTS attempts the next one gets 429 and the login page with a French message', async () => {
    for (let i = 0; i < 3; i++) {
      const { res } = await loginWithForm(limited.app, 'conseil.reims@demo.repere.test', `essai-${i}`)
      expect(res.statusCode, `attempt ${i + 1}`).toBe(401)
    }
    // Even the right password is refused now: the limit is on attempts, not on failures.
    const { res } = await loginWithForm(limited.app, 'conseil.reims@demo.repere.test', DEMO_PASSWORD)
    expect(res.statusCode).toBe(429)
    expect(res.headers['content-type']).toMatch(/^text\/html/)
    expect(res.body).toMatch(/Trop de requêtes\. Réessayez dans \d+ minutes?\./)
    expect(res.body).toContain('role="alert"')
    expect(res.cookies.find((c) => c.name === 'repere_session')).toBeUndefined()
    // It is the login page again, with a form that will work once the wait is over.
    expect(res.body).toContain('<form method="post" action="/connexion"')
    expect(/name="_csrf" value="([^"]+)"/.exec(res.body)?.[1]).toBeTruthy()
  })

  it('the JSON token endpoint is limited too, with a JSON answer', async () => {
    let last = 0
    for (let i = 0; i < 4; i++) {
      const res = await limited.app.inject({
        method: 'POST',
        url: '/api/v1/auth/token',
        payload: { email: 'admin@demo.repere.test', password: `essai-${i}` },
      })
      last = res.statusCode
      if (i < 3) {
        expect(res.statusCode).toBe(401)
      } else {
        expect(res.json()).toMatchObject({ statusCode: 429, message: expect.stringMatching(/^Trop de requêtes/) })
      }
    }
    expect(last).toBe(429)
  })

  it('does not lock out a colleague behind the same address, but caps guessing across accounts', async () => {
    // Same address (inject uses 127.0.0.1), another account: still allowed.
    const { res } = await loginWithForm(limited.app, 'conseil.epernay@demo.repere.test', DEMO_PASSWORD)
    expect(res.statusCode).toBe(303)
    // 10 × LOGIN_MAX_ATTEMPTS from one address, whatever the accounts, and the address is refused.
    let last = 0
    for (let i = 0; i < 30; i++) {
      last = (await loginWithForm(limited.app, `inconnu-${i}@demo.repere.test`, 'x')).res.statusCode
    }
    expect(last).toBe(429)
  })
})

describe('an admin creates an account', () => {
  let admin: string
  let temporaryPassword: string
  const email = 'nouvelle.conseillere@demo.repere.test'

  beforeAll(async () => {
    admin = (await loginWithForm(t.app, 'admin@demo.repere.test')).cookie
  })

  it('through the page: the temporary password is shown once on the page, never in a URL', async () => {
    const { res } = await postForm(admin, '/admin/utilisateurs/nouveau', '/admin/utilisateurs', {
      email,
      fullName: 'Nina Nouvelle',
      role: 'counsellor',
      organisationId: t.orgIds.get('ml-epernay') as string,
    })
    expect(res.statusCode, /role="alert">([^<]*)/.exec(res.body)?.[1]).toBe(200)
    expect(res.headers.location).toBeUndefined()
    expect(res.headers['cache-control']).toBe('no-store')
    const shown = /<code class="secret">([^<]+)<\/code>/.exec(res.body)?.[1]
    expect(shown).toMatch(/^\S{12,}$/)
    temporaryPassword = shown as string
    // Not in any link, form action or other URL of the page.
    for (const [, url] of res.body.matchAll(/(?:href|action|src)="([^"]*)"/g)) {
      expect(url).not.toContain(temporaryPassword)
    }
    expect((await userByEmail(email))!.must_change_password).toBe(true)

    // Opening the account's page again does not show it.
    const again = await t.app.inject({
      method: 'GET',
      url: `/admin/utilisateurs/${(await userByEmail(email))!.id}`,
      headers: { cookie: admin },
    })
    expect(again.body).not.toContain(temporaryPassword)
  })

  it('the same e-mail twice is refused with a French message', async () => {
    const { res } = await postForm(admin, '/admin/utilisateurs/nouveau', '/admin/utilisateurs', {
      email: email.toUpperCase(),
      fullName: 'Nina Doublon',
      role: 'counsellor',
      organisationId: t.orgIds.get('ml-epernay') as string,
    })
    expect(res.statusCode).toBe(409)
    expect(res.body).toContain('Un compte existe déjà avec cette adresse e-mail.')
  })

  it('the new person logs in and is held on /mot-de-passe until they change it', async () => {
    const { res, cookie } = await loginWithForm(t.app, email, temporaryPassword)
    expect(res.statusCode).toBe(303)
    expect(res.headers.location).toBe('/mot-de-passe')
    for (const url of ['/', '/sites', '/docs']) {
      const page = await t.app.inject({ method: 'GET', url, headers: { cookie } })
      expect(page.statusCode, url).toBe(302)
      expect(page.headers.location, url).toBe('/mot-de-passe')
    }
    const form = await t.app.inject({ method: 'GET', url: '/mot-de-passe', headers: { cookie } })
    expect(form.statusCode).toBe(200)
    expect(form.body).toContain('choisissez-en un nouveau pour continuer')

    // No API token either while the temporary password stands.
    const token = await t.app.inject({ method: 'POST', url: '/api/v1/auth/token', payload: { email, password: temporaryPassword } })
    expect(token.statusCode).toBe(403)
    expect(token.json()).toMatchObject({ code: 'APP_PASSWORD_CHANGE_REQUIRED', message: expect.stringContaining('/connexion') })

    const mismatch = await postForm(cookie, '/mot-de-passe', '/mot-de-passe', {
      current: temporaryPassword,
      next: 'une phrase assez longue',
      confirm: 'une autre phrase longue',
    })
    expect(mismatch.res.statusCode).toBe(400)
    expect(mismatch.res.body).toContain('Les deux nouveaux mots de passe ne sont pas identiques.')

    const short = await postForm(cookie, '/mot-de-passe', '/mot-de-passe', { current: temporaryPassword, next: 'court', confirm: 'court' })
    expect(short.res.statusCode).toBe(400)
    expect(short.res.body).toContain('au moins 12 caractères')

    const changed = await postForm(cookie, '/mot-de-passe', '/mot-de-passe', {
      current: temporaryPassword,
      next: 'une phrase assez longue',
      confirm: 'une phrase assez longue',
    })
    expect(changed.res.statusCode).toBe(303)
    expect(changed.res.headers.location).toBe('/?statut=mot-de-passe-change')
    const home = await t.app.inject({ method: 'GET', url: '/?statut=mot-de-passe-change', headers: { cookie: changed.cookie } })
    expect(home.statusCode).toBe(200)
    expect(home.body).toContain('Votre mot de passe a été changé.')
    expect((await userByEmail(email))!.must_change_password).toBe(false)
    expect(await auditRows('user.password_change', (await userByEmail(email))!.id)).toHaveLength(1)

    // The temporary password no longer works; the new one does.
    expect((await loginWithForm(t.app, email, temporaryPassword)).res.statusCode).toBe(401)
    expect((await loginWithForm(t.app, email, 'une phrase assez longue')).res.statusCode).toBe(303)
  })

  it('a role that does not fit the organisation (a counsellor in the university) is refused in French', async () => {
    const before = await t.database.sql`SELECT 1 FROM users`
    const { res } = await postForm(admin, '/admin/utilisateurs/nouveau', '/admin/utilisateurs', {
      email: 'conseil.universite@demo.repere.test',
      fullName: 'Rôle Incohérent',
      role: 'counsellor',
      organisationId: t.orgIds.get('urca') as string,
    })
    expect(res.statusCode).toBe(400)
    expect(res.body).toContain('Ce rôle ne correspond pas au type de cette organisation.')
    // The form comes back filled in.
    expect(res.body).toContain('value="conseil.universite@demo.repere.test"')
    expect(await userByEmail('conseil.universite@demo.repere.test')).toBeUndefined()
    expect(await t.database.sql`SELECT 1 FROM users`).toHaveLength(before.length)
  })

  it('moving an existing counsellor to the university is refused the same way', async () => {
    const user = await userByEmail('conseil.reims@demo.repere.test')
    const { res } = await postForm(admin, `/admin/utilisateurs/${user!.id}`, `/admin/utilisateurs/${user!.id}`, {
      fullName: 'Sarah Benali',
      role: 'counsellor',
      organisationId: t.orgIds.get('urca') as string,
      active: 'on',
    })
    expect(res.statusCode).toBe(400)
    expect(res.body).toContain('Ce rôle ne correspond pas au type de cette organisation.')
  })

  it('an admin cannot deactivate their own account', async () => {
    const me = await userByEmail('admin@demo.repere.test')
    const { res } = await postForm(admin, `/admin/utilisateurs/${me!.id}`, `/admin/utilisateurs/${me!.id}`, {
      fullName: 'Camille Administratrice',
      role: 'admin',
      organisationId: t.orgIds.get('consortium') as string,
    })
    expect(res.statusCode).toBe(400)
    expect((await userByEmail('admin@demo.repere.test'))!.active).toBe(true)
  })
})

describe('where the login leads (open-redirect guard on `suite`)', () => {
  async function loginFrom(suiteInUrl: string) {
    const page = await t.app.inject({ method: 'GET', url: `/connexion?suite=${encodeURIComponent(suiteInUrl)}` })
    const carried = /name="suite" value="([^"]*)"/.exec(page.body)?.[1]
    const csrf = /name="_csrf" value="([^"]+)"/.exec(page.body)?.[1] ?? ''
    const res = await t.app.inject({
      method: 'POST',
      url: '/connexion',
      headers: { ...FORM, cookie: cookiesOf(page) },
      payload: new URLSearchParams({
        email: 'conseil.reims@demo.repere.test',
        password: DEMO_PASSWORD,
        suite: suiteInUrl,
        _csrf: csrf,
      }).toString(),
    })
    expect(res.statusCode).toBe(303)
    return { carried, location: res.headers.location }
  }

  it('a local path is followed after login', async () => {
    expect((await loginFrom('/sites?x=1')).location).toBe('/sites?x=1')
  })

  for (const evil of [
    '//evil.example',
    '//evil.example/connexion',
    '/\\evil.example',
    'https://evil.example',
    'javascript:alert(1)',
    '/connexion',
    ' /sites',
  ]) {
    it(`suite=${JSON.stringify(evil)} leads to / instead`, async () => {
      const { carried, location } = await loginFrom(evil)
      expect(location).toBe('/')
      expect(carried).toBe('/')
    })
  }

  it('an anonymous visit to a page comes back to it after login', async () => {
    const visit = await t.app.inject({ method: 'GET', url: '/sites', headers: { accept: 'text/html' } })
    expect(visit.headers.location).toBe('/connexion?suite=%2Fsites')
    expect((await loginFrom('/sites')).location).toBe('/sites')
  })
})

describe('error answers', () => {
  it('an unknown page is a French HTML 404 for a browser, logged in or not', async () => {
    const { cookie } = await loginWithForm(t.app, 'conseil.reims@demo.repere.test')
    for (const headers of [{ accept: 'text/html' }, { accept: 'text/html', cookie }]) {
      const res = await t.app.inject({ method: 'GET', url: '/nulle-part', headers })
      expect(res.statusCode).toBe(404)
      expect(res.headers['content-type']).toMatch(/^text\/html/)
      expect(res.body).toContain('<html lang="fr">')
      expect(res.body).toContain('Page introuvable')
      expect(res.body).toContain('Référence de la requête')
    }
  })

  it('an unknown API route is a JSON 404 { statusCode, code, message, reqId }, logged in or not', async () => {
    const bearer = (
      await t.app.inject({
        method: 'POST',
        url: '/api/v1/auth/token',
        payload: { email: 'conseil.reims@demo.repere.test', password: DEMO_PASSWORD },
      })
    ).json<{ token: string }>()
    for (const headers of [{}, { accept: 'text/html' }, { authorization: `Bearer ${bearer.token}` }]) {
      const res = await t.app.inject({ method: 'GET', url: '/api/v1/nulle-part', headers })
      expect(res.statusCode).toBe(404)
      expect(res.headers['content-type']).toMatch(/^application\/json/)
      const body = res.json<Record<string, unknown>>()
      expect(Object.keys(body).sort()).toEqual(['code', 'message', 'reqId', 'statusCode'])
      expect(body).toMatchObject({ statusCode: 404, code: 'APP_NOT_FOUND', reqId: res.headers['request-id'] ?? expect.any(String) })
      expect(body.message).toMatch(/n'existe pas/)
    }
  })

  it('an invalid API body is a French 400 in the same shape', async () => {
    const res = await t.app.inject({ method: 'POST', url: '/api/v1/auth/token', payload: { email: 'x' } })
    expect(res.statusCode).toBe(400)
    expect(res.json()).toMatchObject({ statusCode: 400, code: 'FST_ERR_VALIDATION', message: expect.stringMatching(/^Requête invalide/) })
  })

  describe('a 500 never leaks a stack trace', () => {
    let app: FastifyInstance
    beforeAll(async () => {
      // A second app on the same database, with routes that fail the ways real code does.
      app = await buildApp(t.config, { database: t.database, mailer: memoryMailer(), logger: false })
      app.get('/test-boom', { config: { access: 'public' } }, async () => {
        throw new Error('secret internals at /srv/repere/server/x.ts:12')
      })
      app.get('/api/v1/test-boom', { config: { access: 'public' } }, async () => {
        throw new Error('secret internals at /srv/repere/server/x.ts:12')
      })
      app.get('/api/v1/test-sql', { config: { access: 'public' } }, async () => {
        await t.database.sql`SELECT * FROM table_that_does_not_exist_secret`
        return {}
      })
      app.get('/api/v1/test-503', { config: { access: 'public' } }, async () => {
        throw Object.assign(new Error('redis at 10.0.0.5:6379 is down secret'), { statusCode: 503 })
      })
      await app.ready()
    })
    afterAll(async () => {
      await app?.close()
    })

    const noLeak = (body: string) => {
      expect(body).not.toContain('secret')
      expect(body).not.toMatch(/\bat .+:\d+/)
      expect(body).not.toContain('stack')
      expect(body).not.toContain('.ts')
    }

    it('JSON: generic French message, same shape', async () => {
      for (const url of ['/api/v1/test-boom', '/api/v1/test-sql']) {
        const res = await app.inject({ method: 'GET', url })
        expect(res.statusCode, url).toBe(500)
        expect(res.json()).toEqual({
          statusCode: 500,
          code: 'APP_INTERNAL',
          message: expect.stringContaining('erreur inattendue'),
          reqId: expect.any(String),
        })
        noLeak(res.body)
      }
      const unavailable = await app.inject({ method: 'GET', url: '/api/v1/test-503' })
      expect(unavailable.statusCode).toBe(503)
      noLeak(unavailable.body)
    })

    it('HTML: the French error page, with the request reference only', async () => {
      const res = await app.inject({ method: 'GET', url: '/test-boom', headers: { accept: 'text/html' } })
      expect(res.statusCode).toBe(500)
      expect(res.headers['content-type']).toMatch(/^text\/html/)
      expect(res.body).toContain('Erreur du service')
      expect(res.body).toContain('erreur inattendue')
      noLeak(res.body)
    })
  })
})
