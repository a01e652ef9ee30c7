import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loginWithForm, startTestApp, type TestApp } from '../helpers/app.ts'

let t: TestApp
beforeAll(async () => {
  t = await startTestApp()
})
afterAll(async () => {
  await t?.close()
})

describe('smoke', () => {
  it('answers /health with PostgreSQL and Redis up', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/health' })
    expect(res.statusCode).toBe(200)
    // No worker runs in this file: /health says so (tests/integration/health.test.ts) but stays 200.
    expect(res.json()).toMatchObject({ postgres: 'ok', redis: 'ok' })
  })

  it('logs the admin in through the form', async () => {
    const { res, cookie } = await loginWithForm(t.app, 'admin@demo.repere.test')
    expect(res.statusCode).toBe(303)
    const home = await t.app.inject({ method: 'GET', url: '/', headers: { cookie } })
    expect(home.statusCode).toBe(200)
    expect(home.body).toContain('Administration du consortium')
  })

  it('shows the French 404 page with the navigation to a logged-in person', async () => {
    const { cookie } = await loginWithForm(t.app, 'conseil.reims@demo.repere.test')
    const res = await t.app.inject({ method: 'GET', url: '/cette-page-n-existe-pas', headers: { cookie, accept: 'text/html' } })
    expect(res.statusCode).toBe(404)
    expect(res.body).toContain('Page introuvable')
    expect(res.body).toContain('Lieux d’accueil')
    expect(res.body).toContain('Se déconnecter')
    expect(res.body).not.toContain('Utilisateurs')
  })
})
