/**
 * Campaigns (issue #10): segment and exclusions with a live count, co-approval, control group,
 * state machine, test send.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { campaignMembers, cases, suppressions } from '../../db/schema/index.ts'
import { eq } from 'drizzle-orm'
import { isControl } from '../../server/services/campaign.service.ts'
import type { Principal } from '../../server/services/access.ts'
import { loginWithForm, startTestApp, type TestApp } from '../helpers/app.ts'
import { formTokens } from '../helpers/journey.ts'
import { principal, resetScoredCohort, scoredStudents } from '../helpers/campaigns.ts'

let t: TestApp
let staff: Principal
let reims: Principal
let epernay: Principal
let counsellor: Principal
let admin: Principal
const ctx = (actor: Principal) => ({ actor, requestId: 'test' })

beforeAll(async () => {
  resetScoredCohort()
  t = await startTestApp()
  staff = await principal(t, 'universite@demo.repere.test')
  reims = await principal(t, 'direction.reims@demo.repere.test')
  epernay = await principal(t, 'direction.epernay@demo.repere.test')
  counsellor = await principal(t, 'conseil.reims@demo.repere.test')
  admin = await principal(t, 'admin@demo.repere.test')
})
afterAll(async () => {
  await t?.close()
})

const s = () => t.app.services.campaigns
const mlReims = () => t.orgIds.get('ml-reims') as string

describe('segment and exclusions', () => {
  it('counts who is reached and each reason the others are not, one reason per student', async () => {
    const faculty = 'UFR Exclusions'
    const [, , , suppressedOne, busy, other] = await scoredStudents(t, [
      { faculty }, // reached
      { faculty, email: null }, // no_contact
      { faculty, consentEmail: 'withdrawn' }, // no_consent
      { faculty, email: 'deja.oppose@etudiant.univ-reims.test' }, // suppressed (by e-mail hash)
      { faculty }, // in_case_or_booked
      { faculty }, // recently_contacted (member of another running campaign)
      { faculty, commune: null }, // out_of_territory
    ])
    const [hash] = t.app.services.suppressions.keysOf({ email: 'Deja.Oppose@etudiant.univ-reims.test' })
    await t.database.db.insert(suppressions).values({ ...hash!, source: 'objection' })
    void suppressedOne
    await t.database.db.insert(cases).values({ missionLocaleId: mlReims(), origin: 'callback', studentId: busy as number })
    const first = await s().create(ctx(staff), {
      name: 'Avant',
      channel: 'email',
      territoryIds: [mlReims()],
      segment: { faculty: 'UFR Sciences' },
    })
    await t.database.db
      .insert(campaignMembers)
      .values({ campaignId: first.id, studentId: other as number, arm: 'treated', missionLocaleId: mlReims() })
    await t.database.sql`UPDATE campaigns SET status = 'running' WHERE id = ${first.id}`

    const count = await s().countDraft(staff, { channel: 'email', segment: { faculty }, territoryIds: [mlReims()], controlShare: 0 })
    expect(count).toEqual({
      total: 7,
      members: 1,
      treated: 1,
      control: 0,
      excluded: { no_contact: 1, no_consent: 1, suppressed: 1, in_case_or_booked: 1, recently_contacted: 1, out_of_territory: 1 },
    })
    // SMS: nobody has a phone.
    const sms = await s().countDraft(staff, { channel: 'sms', segment: { faculty }, territoryIds: [mlReims()] })
    expect(sms.excluded.no_contact).toBe(7)
    // Top N takes the highest probabilities first.
    const top = await s().countDraft(staff, { channel: 'email', segment: { faculty, topN: 2 }, territoryIds: [mlReims()] })
    expect(top.total).toBe(2)
  })
})

describe('approval, control group and states', () => {
  it('staff prepare, the targeted manager co-approves, scheduling fixes members and arms', async () => {
    const faculty = 'UFR Témoin'
    const ids = await scoredStudents(
      t,
      Array.from({ length: 40 }, () => ({ faculty })),
    )
    const c = await s().create(ctx(staff), {
      name: 'Rentrée',
      channel: 'email',
      territoryIds: [mlReims()],
      segment: { faculty },
      controlShare: 0.3,
    })
    expect(c.status).toBe('draft')
    await expect(s().create(ctx(reims), { name: 'x', channel: 'email', territoryIds: [mlReims()], segment: {} })).rejects.toMatchObject({
      statusCode: 403,
    })
    // Not targeted: the campaign does not exist for Épernay.
    await expect(s().get(epernay, c.id)).rejects.toMatchObject({ statusCode: 404 })
    await expect(s().approve(ctx(epernay), c.id)).rejects.toMatchObject({ statusCode: 404 })
    await expect(s().approve(ctx(counsellor), c.id)).rejects.toMatchObject({ statusCode: 403 })
    await expect(s().schedule(ctx(staff), c.id)).rejects.toMatchObject({ statusCode: 409 })

    await s().approve(ctx(reims), c.id)
    // A change withdraws the approval.
    await s().update(ctx(staff), c.id, { name: 'Rentrée 2026' })
    await expect(s().schedule(ctx(staff), c.id)).rejects.toMatchObject({ statusCode: 409 })
    await s().approve(ctx(reims), c.id)

    const scheduled = await s().schedule(ctx(staff), c.id)
    expect(scheduled.status).toBe('scheduled')
    const members = await t.database.db.select().from(campaignMembers).where(eq(campaignMembers.campaignId, c.id))
    expect(members).toHaveLength(40)
    expect(new Set(members.map((m) => m.studentId))).toEqual(new Set(ids))
    // The arm of each member replays from the recorded seed.
    for (const m of members) {
      expect(m.arm).toBe(isControl(c.controlSeed, m.studentId, 0.3) ? 'control' : 'treated')
    }
    const control = members.filter((m) => m.arm === 'control').length
    expect(control).toBeGreaterThan(3)
    expect(control).toBeLessThan(25)
    await expect(s().update(ctx(staff), c.id, { name: 'trop tard' })).rejects.toMatchObject({ statusCode: 409 })

    // States.
    await expect(s().resume(ctx(staff), c.id)).rejects.toMatchObject({ statusCode: 409 })
    expect((await s().startDue()).map((x) => x.id)).toContain(c.id)
    expect((await s().pause(ctx(reims), c.id)).status).toBe('paused')
    expect((await s().resume(ctx(staff), c.id)).status).toBe('running')
    expect(await s().autoPause(c.id, '25 % d’échecs sur les 40 derniers envois')).toBe(true)
    expect((await s().get(staff, c.id)).pauseReason).toMatch(/échecs/)
    expect((await s().cancel(ctx(admin), c.id)).status).toBe('cancelled')
    await expect(s().resume(ctx(staff), c.id)).rejects.toMatchObject({ statusCode: 409 })
  })

  it('refuses to approve a message that fails the pre-launch check', async () => {
    await scoredStudents(t, [{ faculty: 'UFR Check' }])
    const c = await s().create(ctx(staff), {
      name: 'Sans lien',
      channel: 'email',
      territoryIds: [mlReims()],
      segment: { faculty: 'UFR Check' },
      templates: { text: 'Bonjour {{prenom}}, {{expediteur}} {{desinscription}}' },
    })
    expect(s().check(c).blocking).toEqual(['Le lien personnel {{lien}} manque dans le texte.'])
    await expect(s().approve(ctx(admin), c.id)).rejects.toMatchObject({ statusCode: 409 })
  })

  it('a test send goes to the staff member only, marked as a test', async () => {
    const c = await s().create(ctx(staff), { name: 'Essai', channel: 'email', territoryIds: [mlReims()], segment: {} })
    const before = t.mailer.sent.length
    await s().testSend(ctx(staff), c.id, 'universite@demo.repere.test')
    const sent = t.mailer.sent.slice(before)
    expect(sent).toHaveLength(1)
    expect(sent[0]?.to).toBe('universite@demo.repere.test')
    expect(sent[0]?.subject).toMatch(/^\[ESSAI\] Inès/)
    expect(sent[0]?.text).toContain('https://repere.example.fr/r/')
  })
})

describe('pages', () => {
  it('staff see the list and the page with count and check; the manager approves with the form; Épernay gets 404', async () => {
    await scoredStudents(t, [{ faculty: 'UFR Pages' }])
    const c = await s().create(ctx(staff), {
      name: 'Page test',
      channel: 'email',
      territoryIds: [mlReims()],
      segment: { faculty: 'UFR Pages' },
    })
    const { cookie } = await loginWithForm(t.app, 'universite@demo.repere.test')
    const list = await t.app.inject({ method: 'GET', url: '/campagnes', headers: { cookie } })
    expect(list.statusCode, list.body).toBe(200)
    expect(list.body).toContain('Page test')
    const page = await t.app.inject({ method: 'GET', url: `/campagnes/${c.id}`, headers: { cookie } })
    expect(page.statusCode, page.body).toBe(200)
    expect(page.body).toContain('Le message passe la vérification.')
    expect(page.body).toContain('Qui serait contacté')

    const manager = await loginWithForm(t.app, 'direction.reims@demo.repere.test')
    const mpage = await t.app.inject({ method: 'GET', url: `/campagnes/${c.id}`, headers: { cookie: manager.cookie } })
    const { token, cookie: mcookie } = formTokens(mpage, manager.cookie)
    const post = await t.app.inject({
      method: 'POST',
      url: `/campagnes/${c.id}/approve`,
      headers: { cookie: mcookie, 'content-type': 'application/x-www-form-urlencoded' },
      payload: `_csrf=${encodeURIComponent(token)}`,
    })
    expect(post.statusCode, post.body).toBe(303)
    expect((await s().approvals(staff, c.id))[0]?.approval).not.toBeNull()

    const other = await loginWithForm(t.app, 'direction.epernay@demo.repere.test')
    expect((await t.app.inject({ method: 'GET', url: `/campagnes/${c.id}`, headers: { cookie: other.cookie } })).statusCode).toBe(404)
  })
})
