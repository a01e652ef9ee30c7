/**
 * The journey's staff API: links (admin only, code returned once and never stored), availability
 * of a Mission Locale (its counsellors read, its managers write, another Mission Locale's staff
 * get 404), and the appointments of a day.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { apiToken, csrfFor, loginWithForm, startTestApp, type TestApp } from '../helpers/app.ts'
import { aStudent, identity, userId } from '../fixtures/journey.ts'

let t: TestApp
let reimsId: string
const tokens: Record<string, string> = {}
const auth = (who: string) => ({ authorization: `Bearer ${tokens[who]}` })

beforeAll(async () => {
  t = await startTestApp()
  reimsId = t.orgIds.get('ml-reims') as string
  for (const who of ['admin', 'conseil.reims', 'direction.reims', 'conseil.epernay', 'direction.epernay']) {
    tokens[who] = await apiToken(t.app, `${who}@demo.repere.test`)
  }
})
afterAll(async () => {
  await t.close()
})

describe('POST /api/v1/links', () => {
  it('an admin creates a link by pseudonym; the code is returned once and only its hash is stored', async () => {
    const student = await aStudent(t.database, t.orgIds.get('urca') as string)
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/links',
      headers: auth('admin'),
      payload: { universityId: t.orgIds.get('urca'), pseudoId: student.pseudoId },
    })
    expect(res.statusCode).toBe(201)
    const body = res.json()
    expect(body.code).toMatch(/^[A-Za-z0-9_-]{22}$/)
    expect(body.url).toBe(`${t.config.PUBLIC_URL}/r/${body.code}`)
    expect(body.missionLocaleId).toBe(reimsId)
    const stored = await t.database.sql`SELECT * FROM links WHERE id = ${body.linkId}`
    expect(JSON.stringify(stored)).not.toContain(body.code)
    const audit = await t.database.sql`SELECT * FROM audit_log WHERE action = 'link.create'`
    expect(JSON.stringify(audit)).not.toContain(body.code)
    expect((await t.app.services.links.resolve(body.code)).status).toBe('ok')
  })

  it('is refused to anyone but an admin', async () => {
    const res = await t.app.inject({ method: 'POST', url: '/api/v1/links', headers: auth('direction.reims'), payload: { studentId: 1 } })
    expect(res.statusCode).toBe(403)
  })
})

describe('availability API', () => {
  it('a manager adds rules and closures; counsellors of that Mission Locale read; another Mission Locale gets 404', async () => {
    const counsellor = await userId(t.database, 'conseil.reims@demo.repere.test')
    const base = `/api/v1/missions-locales/${reimsId}/availability`
    const rule = { counsellorId: counsellor.id, modality: 'phone', weekday: 2, startTime: '09:00', endTime: '12:00', slotMinutes: 30 }
    expect((await t.app.inject({ method: 'POST', url: `${base}/rules`, headers: auth('conseil.reims'), payload: rule })).statusCode).toBe(
      403,
    )
    expect(
      (await t.app.inject({ method: 'POST', url: `${base}/rules`, headers: auth('direction.epernay'), payload: rule })).statusCode,
    ).toBe(404)
    const created = await t.app.inject({ method: 'POST', url: `${base}/rules`, headers: auth('direction.reims'), payload: rule })
    expect(created.statusCode).toBe(201)
    const bad = await t.app.inject({
      method: 'POST',
      url: `${base}/rules`,
      headers: auth('direction.reims'),
      payload: { ...rule, modality: 'in_person' },
    })
    expect(bad.statusCode).toBe(400)
    expect(bad.json().message).toMatch(/lieu/)
    const closure = await t.app.inject({
      method: 'POST',
      url: `${base}/exceptions`,
      headers: auth('direction.reims'),
      payload: { startsAt: '2027-07-01T00:00:00Z', endsAt: '2027-07-02T00:00:00Z', reason: 'Séminaire d’équipe' },
    })
    expect(closure.statusCode).toBe(201)
    const settings = await t.app.inject({
      method: 'PATCH',
      url: `${base}/settings`,
      headers: auth('direction.reims'),
      payload: { minNoticeMinutes: 240, horizonDays: 21, publicPhone: '01 99 00 00 10' },
    })
    expect(settings.statusCode).toBe(204)

    const read = await t.app.inject({ method: 'GET', url: base, headers: auth('conseil.reims') })
    expect(read.statusCode).toBe(200)
    expect(read.json().settings).toMatchObject({ minNoticeMinutes: 240, horizonDays: 21, publicPhone: '01 99 00 00 10' })
    expect(read.json().rules.map((r: { id: string }) => r.id)).toContain(created.json().id)
    expect(read.json().exceptions[0].reason).toBe('Séminaire d’équipe')
    expect((await t.app.inject({ method: 'GET', url: base, headers: auth('conseil.epernay') })).statusCode).toBe(404)

    const del = await t.app.inject({ method: 'DELETE', url: `${base}/rules/${created.json().id}`, headers: auth('direction.reims') })
    expect(del.statusCode).toBe(204)
  })
})

describe('appointments API', () => {
  it('lists a day’s appointments of the Mission Locale; the identity is 404 for another Mission Locale', async () => {
    const s = t.app.services
    const counsellor = await userId(t.database, 'conseil.reims@demo.repere.test')
    const admin = await userId(t.database, 'admin@demo.repere.test')
    const actor = { userId: admin.id, organisationId: admin.organisationId, role: 'admin' as const }
    await s.availability.addRule({ actor }, reimsId, {
      counsellorId: counsellor.id,
      modality: 'video',
      weekday: 3,
      startTime: '14:00',
      endTime: '15:00',
      slotMinutes: 60,
      validFrom: '2027-01-01',
    })
    const now = new Date('2027-01-04T08:00:00Z')
    const [day] = await s.availability.freeSlots({
      missionLocaleId: reimsId,
      modality: 'video',
      from: new Date('2027-01-06T00:00:00Z'),
      to: new Date('2027-01-07T00:00:00Z'),
      now,
    })
    const student = await aStudent(t.database, t.orgIds.get('urca') as string)
    const link = await s.links.create({ studentId: student.id, expiresAt: new Date('2030-01-01T00:00:00Z') })
    const booked = await s.bookings.book(
      {},
      { linkId: link.linkId, slotKey: day!.slots[0]!.slotKey, identity: identity(), idempotencyKey: 'api-test-1' },
      now,
    )

    const list = await t.app.inject({ method: 'GET', url: '/api/v1/appointments?day=2027-01-06', headers: auth('conseil.reims') })
    expect(list.statusCode).toBe(200)
    expect(list.json().map((a: { id: string }) => a.id)).toContain(booked.appointment.id)
    expect(JSON.stringify(list.json())).not.toContain('Martin')
    const other = await t.app.inject({ method: 'GET', url: '/api/v1/appointments?day=2027-01-06', headers: auth('conseil.epernay') })
    expect(other.json()).toEqual([])

    const id = booked.appointment.id
    expect(
      (await t.app.inject({ method: 'GET', url: `/api/v1/appointments/${id}/identity`, headers: auth('conseil.epernay') })).statusCode,
    ).toBe(404)
    const who = await t.app.inject({ method: 'GET', url: `/api/v1/appointments/${id}/identity`, headers: auth('conseil.reims') })
    expect(who.statusCode).toBe(200)
    expect(who.json()).toMatchObject({ firstName: 'Lina', lastName: 'Martin' })
  })
})

describe('staff pages', () => {
  it('a manager adds an opening through the page; a counsellor reads it; the day page lists appointments per place', async () => {
    const counsellor = await userId(t.database, 'conseil.reims@demo.repere.test')
    const manager = await loginWithForm(t.app, 'direction.reims@demo.repere.test')
    const page = await t.app.inject({ method: 'GET', url: '/disponibilites', headers: { cookie: manager.cookie } })
    expect(page.statusCode).toBe(200)
    expect(page.body).toContain('Ajouter une ouverture')
    const { token, cookie } = await csrfFor(t.app, manager.cookie, '/disponibilites')
    const form = (fields: Record<string, string>) => ({
      method: 'POST' as const,
      url: '/disponibilites/regles',
      headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({ _csrf: token, ...fields }).toString(),
    })
    const base = { counsellorId: counsellor.id, weekday: '5', startTime: '13:00', endTime: '15:00', slotMinutes: '30' }
    const bad = await t.app.inject(form({ ...base, modality: 'in_person', siteId: '' }))
    expect(bad.statusCode).toBe(400)
    expect(bad.body).toContain('Un rendez-vous sur place a besoin d’un lieu.')
    const ok = await t.app.inject(form({ ...base, modality: 'phone', siteId: '' }))
    expect(ok.statusCode).toBe(303)

    const reader = await loginWithForm(t.app, 'conseil.reims@demo.repere.test')
    const read = await t.app.inject({ method: 'GET', url: '/disponibilites', headers: { cookie: reader.cookie } })
    expect(read.body).toContain('13:00–15:00')
    expect(read.body).not.toContain('Ajouter une ouverture')
    const day = await t.app.inject({ method: 'GET', url: '/rendez-vous?jour=2027-01-06', headers: { cookie: reader.cookie } })
    expect(day.statusCode).toBe(200)
    expect(day.body).toContain('À distance (en visio)')

    const epernay = await loginWithForm(t.app, 'conseil.epernay@demo.repere.test')
    const theirs = await t.app.inject({ method: 'GET', url: '/disponibilites', headers: { cookie: epernay.cookie } })
    expect(theirs.body).not.toContain('13:00–15:00')
    const denied = await t.app.inject({ method: 'GET', url: '/rendez-vous?jour=2027-01-06', headers: { cookie: epernay.cookie } })
    expect(denied.body).toContain('Aucun rendez-vous ce jour-là.')
  })
})
