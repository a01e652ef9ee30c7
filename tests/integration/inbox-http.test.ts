/**
 * The inbox over HTTP: pages (forms with CSRF, work without JavaScript) and their JSON twins.
 * Another Mission Locale's counsellor and university staff get 404 on the case page and its API;
 * every read of a case (page or API) is audited; actions through the forms land in the history.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { apiToken, loginWithForm, startTestApp, type TestApp } from '../helpers/app.ts'
import { form, formTokens } from '../helpers/journey.ts'
import { aStudent, userId } from '../fixtures/journey.ts'

let t: TestApp
const tokens: Record<string, string> = {}
const cookies: Record<string, string> = {}
const auth = (who: string) => ({ authorization: `Bearer ${tokens[who]}` })

beforeAll(async () => {
  t = await startTestApp()
  for (const who of ['conseil.reims', 'direction.reims', 'conseil.epernay', 'universite']) {
    tokens[who] = await apiToken(t.app, `${who}@demo.repere.test`)
    cookies[who] = (await loginWithForm(t.app, `${who}@demo.repere.test`)).cookie
  }
})
afterAll(async () => {
  await t.close()
})

/** A callback case of a Reims student, opened through the service as the student page does. */
async function aCallbackCase(firstName = 'Noah') {
  const student = await aStudent(t.database, t.orgIds.get('urca') as string)
  const link = await t.app.services.links.create({ studentId: student.id })
  const r = await t.app.services.callbacks.request(
    { requestId: 'student' },
    { linkId: link.linkId, phone: '06 22 33 44 55', firstName, moments: ['apres_midi'], consentToShare: true },
  )
  return r.caseId
}

async function auditCount(action: string, entityId: string, actorEmail: string) {
  const u = await userId(t.database, actorEmail)
  const [row] = await t.database.sql`
    SELECT count(*)::int AS n FROM audit_log WHERE action = ${action} AND entity_id = ${entityId} AND actor_user_id = ${u.id}`
  return row!.n as number
}

describe('inbox pages and API', () => {
  it('another Mission Locale and university staff get 404 on the case page and its API; reads are audited', async () => {
    const caseId = await aCallbackCase('Mélissa')
    for (const who of ['conseil.epernay', 'universite']) {
      const page = await t.app.inject({ method: 'GET', url: `/dossiers/${caseId}`, headers: { cookie: cookies[who] as string } })
      expect(page.statusCode).toBe(404)
      expect(page.body).not.toContain('Mélissa')
      const api = await t.app.inject({ method: 'GET', url: `/api/v1/cases/${caseId}`, headers: auth(who) })
      expect(api.statusCode).toBe(404)
      const claim = await t.app.inject({ method: 'POST', url: `/api/v1/cases/${caseId}/claim`, headers: auth(who), payload: {} })
      expect(claim.statusCode).toBe(404)
      const inbox = await t.app.inject({ method: 'GET', url: '/dossiers', headers: { cookie: cookies[who] as string } })
      expect(inbox.body).not.toContain('Mélissa')
      if (who === 'universite') {
        expect(inbox.statusCode).toBe(404)
      }
      const list = await t.app.inject({ method: 'GET', url: '/api/v1/cases', headers: auth(who) })
      expect(JSON.stringify(list.json())).not.toContain(caseId)
    }

    const before = await auditCount('case.read', caseId, 'conseil.reims@demo.repere.test')
    const page = await t.app.inject({ method: 'GET', url: `/dossiers/${caseId}`, headers: { cookie: cookies['conseil.reims'] as string } })
    expect(page.statusCode).toBe(200)
    expect(page.body).toContain('Mélissa')
    expect(page.body).toContain('06 22 33 44 55')
    const api = await t.app.inject({ method: 'GET', url: `/api/v1/cases/${caseId}`, headers: auth('conseil.reims') })
    expect(api.statusCode).toBe(200)
    expect(api.json()).toMatchObject({ id: caseId, origin: 'callback', status: 'new', identity: { firstName: 'Mélissa' } })
    expect(await auditCount('case.read', caseId, 'conseil.reims@demo.repere.test')).toBe(before + 2)
  })

  it('the forms claim, log a call, close with « entrée CEJ »; the counters follow', async () => {
    const caseId = await aCallbackCase('Sami')
    const cookie = cookies['conseil.reims'] as string
    const inbox = await t.app.inject({ method: 'GET', url: '/dossiers', headers: { cookie } })
    expect(inbox.statusCode).toBe(200)
    expect(inbox.body).toContain(`/dossiers/${caseId}`)
    expect(inbox.body).toMatch(/<title>\(\d+\) Dossiers/)
    const counts0 = (await t.app.inject({ method: 'GET', url: '/api/v1/cases/counts', headers: auth('conseil.reims') })).json()

    let page = await t.app.inject({ method: 'GET', url: `/dossiers/${caseId}`, headers: { cookie } })
    const post = async (path: string, fields: Record<string, string>) => {
      const { token, cookie: c } = formTokens(page, cookie)
      const res = await t.app.inject({
        method: 'POST',
        url: `/dossiers/${caseId}/${path}`,
        headers: { cookie: c, 'content-type': 'application/x-www-form-urlencoded' },
        payload: form({ ...fields, _csrf: token }),
      })
      expect(res.statusCode, res.body.slice(0, 300)).toBe(303)
      page = await t.app.inject({ method: 'GET', url: res.headers.location as string, headers: { cookie } })
      return page
    }
    // Without a CSRF token the form is refused.
    const forged = await t.app.inject({
      method: 'POST',
      url: `/dossiers/${caseId}/prendre`,
      headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
      payload: '',
    })
    expect(forged.statusCode).toBe(403)

    await post('prendre', {})
    expect(page.body).toContain('Vous avez pris ce dossier.')
    await post('contact', { channel: 'phone', result: 'answered', note: 'Rappel fait, RDV à caler' })
    await post('note', { text: 'Intéressé par le CEJ' })
    await post('cloturer', { outcome: 'cej', verdict: '' })
    expect(page.body).toContain('Clos — Entrée CEJ')
    expect(page.body).toContain('Intéressé par le CEJ')
    expect(page.body).toContain('Contact par téléphone : a répondu')

    const counts1 = (await t.app.inject({ method: 'GET', url: '/api/v1/cases/counts', headers: auth('conseil.reims') })).json()
    expect(counts1.counts.clos).toBe(counts0.counts.clos + 1)
    expect(counts1.toDo).toBe(counts0.toDo - 1)

    const api = (await t.app.inject({ method: 'GET', url: `/api/v1/cases/${caseId}`, headers: auth('conseil.reims') })).json()
    expect(api.history.map((h: { kind: string }) => h.kind)).toEqual(['opened', 'claim', 'contact_attempt', 'note', 'outcome'])
  })

  it('the JSON twins act on a case; managers bulk-reassign; universities get outcome counts only', async () => {
    const caseId = await aCallbackCase('Lou')
    const manager = await userId(t.database, 'direction.reims@demo.repere.test')
    const call = (url: string, payload: object, who = 'conseil.reims') =>
      t.app.inject({ method: 'POST', url: `/api/v1/cases/${caseId}/${url}`, headers: auth(who), payload })
    expect((await call('claim', {})).json()).toMatchObject({ status: 'in_progress' })
    expect((await call('contact-attempts', { channel: 'sms', result: 'no_answer' })).json()).toMatchObject({
      status: 'contacted_no_reply',
    })
    expect((await call('status', { status: 'unreachable' })).json()).toMatchObject({ status: 'unreachable' })
    const list = await t.app.inject({ method: 'GET', url: '/api/v1/cases?list=injoignable', headers: auth('conseil.reims') })
    expect(list.json().rows.map((r: { id: string }) => r.id)).toContain(caseId)
    expect((await call('notes', { text: 'x'.repeat(2001) })).statusCode).toBe(400)
    expect((await call('reminders', { paused: true })).json()).toMatchObject({ remindersPaused: true })

    const bulk = await t.app.inject({
      method: 'POST',
      url: '/api/v1/cases/bulk-assign',
      headers: auth('conseil.reims'),
      payload: { caseIds: [caseId], assigneeId: manager.id },
    })
    expect(bulk.statusCode).toBe(403)
    const bulkOk = await t.app.inject({
      method: 'POST',
      url: '/api/v1/cases/bulk-assign',
      headers: auth('direction.reims'),
      payload: { caseIds: [caseId], assigneeId: manager.id },
    })
    expect(bulkOk.json()).toEqual({ reassigned: 1 })
    const load = await t.app.inject({ method: 'GET', url: '/api/v1/cases/load', headers: auth('direction.reims') })
    expect(load.json().counsellors.find((c: { id: string }) => c.id === manager.id).open).toBeGreaterThanOrEqual(1)
    const loadPage = await t.app.inject({
      method: 'GET',
      url: '/dossiers/charge',
      headers: { cookie: cookies['direction.reims'] as string },
    })
    expect(loadPage.statusCode).toBe(200)

    expect((await call('close', { outcome: 'pacea', verdict: 'already_reoriented' })).json()).toMatchObject({
      status: 'closed',
      outcome: 'pacea',
    })
    const outcomes = await t.app.inject({ method: 'GET', url: '/api/v1/case-outcomes', headers: auth('universite') })
    expect(outcomes.statusCode).toBe(200)
    expect(outcomes.json().find((r: { outcome: string }) => r.outcome === 'pacea').count).toBeGreaterThanOrEqual(1)
    expect(JSON.stringify(outcomes.json())).not.toContain(caseId)
    expect((await t.app.inject({ method: 'GET', url: '/api/v1/case-outcomes', headers: auth('conseil.reims') })).statusCode).toBe(403)
    // The university's home page shows the same totals, never a case.
    const home = await t.app.inject({ method: 'GET', url: '/', headers: { cookie: cookies.universite as string } })
    expect(home.statusCode).toBe(200)
    const card = home.body.slice(home.body.indexOf('Suites données par les Missions Locales'))
    const pacea = outcomes.json().find((r: { outcome: string }) => r.outcome === 'pacea').count as number
    expect(card).toContain(`<dt>Entrée PACEA</dt><dd>${pacea}</dd>`)
    expect(home.body).not.toContain(caseId)

    const handoff = await t.app.inject({
      method: 'GET',
      url: `/dossiers/${caseId}/synthese`,
      headers: { cookie: cookies['conseil.reims'] as string },
    })
    expect(handoff.statusCode).toBe(200)
    expect(handoff.body).toContain('Prénom : Lou')
  })
})
