/**
 * The sending engine (issue #10) through a real SMTP server: who is reached, the send window
 * (injected clock), capacity pacing, reminders, objections, one message across campaigns,
 * stale claims, and the one-click unsubscribe against the real route.
 */
import type { AddressInfo } from 'node:net'
import { eq } from 'drizzle-orm'
import { simpleParser, type ParsedMail } from 'mailparser'
import { SMTPServer } from 'smtp-server'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createCampaignRepository } from '../../db/repositories/campaigns.repository.ts'
import { createConsentRepository } from '../../db/repositories/consents.repository.ts'
import { campaignMembers, links, messages } from '../../db/schema/index.ts'
import { createSmtpMailer } from '../../server/lib/mailer.ts'
import type { Principal } from '../../server/services/access.ts'
import { createCampaignEngine } from '../../server/services/campaign-engine.service.ts'
import type { CampaignInput } from '../../server/services/campaign.service.ts'
import { startTestApp, type TestApp } from '../helpers/app.ts'
import { principal, resetScoredCohort, scoredStudents } from '../helpers/campaigns.ts'
import { testConfig } from '../helpers/env.ts'
import { formTokens, openEveryDay } from '../helpers/journey.ts'

let t: TestApp
let smtp: SMTPServer
let port: number
const received: ParsedMail[] = []
let staff: Principal
let admin: Principal
let clock = new Date('2026-12-07T09:30:00Z') // Monday 10:30 in Paris
let engine: ReturnType<typeof createCampaignEngine>
let mailer: ReturnType<typeof createSmtpMailer>

beforeAll(async () => {
  resetScoredCohort()
  smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    onData(stream, _session, callback) {
      simpleParser(stream)
        .then((mail) => {
          received.push(mail)
          callback()
        })
        .catch(callback)
    },
  })
  await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', resolve))
  port = (smtp.server.address() as AddressInfo).port
  t = await startTestApp()
  staff = await principal(t, 'universite@demo.repere.test')
  admin = await principal(t, 'admin@demo.repere.test')
  mailer = createSmtpMailer(testConfig({ SMTP_PORT: String(port) }))
  const s = t.app.services
  engine = createCampaignEngine({
    ...s,
    db: t.database.db,
    config: t.config,
    mailer,
    sms: { send: () => Promise.resolve({ providerId: 'x' }) },
    now: () => clock,
  })
})
afterAll(async () => {
  await mailer?.close()
  await t?.close()
  await new Promise<void>((resolve) => smtp.close(() => resolve()))
})

const mlReims = () => t.orgIds.get('ml-reims') as string
const ctx = (actor: Principal) => ({ actor, requestId: 'test' })

/** A running campaign on `faculty`, approved and scheduled by an admin. */
async function running(faculty: string, over: Partial<CampaignInput> = {}) {
  const s = t.app.services.campaigns
  const c = await s.create(ctx(admin), {
    name: faculty,
    channel: 'email',
    territoryIds: [mlReims()],
    segment: { faculty },
    universityId: t.orgIds.get('urca') as string,
    controlShare: 0,
    // Sends are paced at 60/rate s (on the real clock): fast enough not to slow the test down.
    ratePerMinute: 6000,
    ...over,
  })
  await s.approve(ctx(admin), c.id)
  await s.schedule(ctx(admin), c.id, new Date('2026-12-01T00:00:00Z'))
  return c
}

/** What a worker does: every queued message of the campaign, sent now. */
async function sendQueued(campaignId: string) {
  const rows = await t.database.db.select().from(messages).where(eq(messages.campaignId, campaignId))
  for (const m of rows.filter((r) => r.status === 'queued')) {
    await engine.send(m.id)
  }
  return t.database.db.select().from(messages).where(eq(messages.campaignId, campaignId))
}

const to = (m: ParsedMail) => (Array.isArray(m.to) ? m.to[0] : m.to)?.value[0]?.address

describe('campaign engine', () => {
  it('reaches exactly the consented, unsuppressed, non-control members, once, with a personal link and one-click unsubscribe', async () => {
    await openEveryDay(t, 'reims')
    const ids = await scoredStudents(t, [
      ...Array.from({ length: 12 }, () => ({ faculty: 'F1' })),
      { faculty: 'F1', consentEmail: 'withdrawn' },
    ])
    const c = await running('F1', { controlShare: 0.3 })
    const members = await t.database.db.select().from(campaignMembers).where(eq(campaignMembers.campaignId, c.id))
    const treated = members.filter((m) => m.arm === 'treated').map((m) => m.studentId)
    // One treated member objects after the segment was fixed: re-checked at send time.
    const late = treated[0] as number
    await createConsentRepository(t.database.db).record({
      studentId: late,
      channel: 'email',
      status: 'objected',
      source: 'test',
      at: clock,
    })

    const before = received.length
    await engine.tick()
    await engine.tick() // a second tick queues nothing twice
    const rows = await sendQueued(c.id)
    await Promise.all(rows.map((r) => engine.send(r.id))) // replays: the claim makes them no-ops
    const got = received.slice(before)
    const expected = treated.filter((id) => id !== late).map((id) => `etu${id}@etudiant.univ-reims.test`)
    expect(got.map(to).sort()).toEqual(expected.sort())
    expect(ids).toContain(late)
    expect(rows.find((r) => r.studentId === late)?.status).toBe('skipped')
    expect(rows.filter((r) => r.status === 'sent')).toHaveLength(expected.length)
    // One Message-ID per message row: a re-send after a crash carries the same one.
    expect(got.map((m) => m.messageId).sort()).toEqual(
      rows
        .filter((r) => r.status === 'sent')
        .map((r) => `<campagne-${r.id}@repere.localhost>`)
        .sort(),
    )

    // The links name their campaign and message, by keys that let a purge delete both and keep the link.
    const keys = await t.database.sql<{ conname: string; confdeltype: string }[]>`
      SELECT conname, confdeltype FROM pg_constraint WHERE conrelid = 'links'::regclass AND contype = 'f'
        AND conname IN ('links_campaign_id_campaigns_id_fk', 'links_message_id_messages_id_fk') ORDER BY conname`
    expect(keys.map((k) => `${k.conname}:${k.confdeltype}`)).toEqual([
      'links_campaign_id_campaigns_id_fk:n',
      'links_message_id_messages_id_fk:n',
    ])
    const sentLinks = await t.database.db.select().from(links).where(eq(links.campaignId, c.id))
    expect(sentLinks.map((l) => l.messageId).sort()).toEqual(
      rows
        .filter((r) => r.status === 'sent')
        .map((r) => r.id)
        .sort(),
    )

    const mail = got[0] as ParsedMail
    const header = (name: string) => mail.headerLines.find((h) => h.key === name)?.line ?? ''
    const unsubscribe = /<([^>]+)>/.exec(header('list-unsubscribe'))?.[1] as string
    expect(header('list-unsubscribe-post')).toBe('List-Unsubscribe-Post: List-Unsubscribe=One-Click')
    expect(mail.text).toMatch(/https?:\/\/[^\s]+\/r\/[A-Za-z0-9_-]{22}/)
    // The one-click POST, as a mail client sends it, against the real route.
    const res = await t.app.inject({
      method: 'POST',
      url: new URL(unsubscribe).pathname,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'List-Unsubscribe=One-Click',
    })
    expect(res.statusCode, res.body).toBe(200)
    expect(res.json()).toEqual({ unsubscribed: true })
    const student = rows.find((r) => `etu${r.studentId}@etudiant.univ-reims.test` === to(mail))?.studentId as number
    expect((await createConsentRepository(t.database.db).currentFor(student, 'email'))?.status).toBe('withdrawn')

    // The link in the body: a page with one button (CSRF-protected form), for another recipient.
    const other = got[1] as ParsedMail
    const page = /https?:\/\/[^\s]+(\/r\/[A-Za-z0-9_-]{22}\/desinscription)/.exec(other.text ?? '')?.[1] as string
    const get = await t.app.inject({ method: 'GET', url: page })
    expect(get.statusCode, get.body).toBe(200)
    const { token, cookie } = formTokens(get)
    const post = await t.app.inject({
      method: 'POST',
      url: page,
      headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
      payload: `_csrf=${encodeURIComponent(token)}`,
    })
    expect(post.statusCode, post.body).toBe(200)
    expect(post.body).toContain('plus d’e-mails')
    const otherStudent = rows.find((r) => `etu${r.studentId}@etudiant.univ-reims.test` === to(other))?.studentId as number
    expect((await createConsentRepository(t.database.db).currentFor(otherStudent, 'email'))?.status).toBe('withdrawn')
  })

  it('sends nothing outside the window: weekends, nights, public holidays', async () => {
    await scoredStudents(t, [{ faculty: 'F2' }])
    const c = await running('F2')
    for (const at of [
      '2026-12-05T10:00:00Z' /* Saturday */,
      '2026-12-07T18:30:00Z' /* Monday 19:30 */,
      '2026-12-25T10:00:00Z' /* Christmas */,
    ]) {
      clock = new Date(at)
      await engine.tick()
      expect(await t.database.db.select().from(messages).where(eq(messages.campaignId, c.id))).toHaveLength(0)
    }
    clock = new Date('2026-12-08T08:00:00Z') // Tuesday 9:00
    await engine.tick()
    expect(await t.database.db.select().from(messages).where(eq(messages.campaignId, c.id))).toHaveLength(1)
    await t.app.services.campaigns.cancel(ctx(admin), c.id)
  })

  it('capacity pacing holds invitations back and releases them as capacity frees', async () => {
    clock = new Date('2026-12-08T09:00:00Z')
    await scoredStudents(
      t,
      Array.from({ length: 6 }, () => ({ faculty: 'F3', commune: '51230' /* Épernay: no opening hours */ })),
    )
    const c = await running('F3', { territoryIds: [t.orgIds.get('ml-epernay') as string], capacityDays: 1, capacityFactor: 1 })
    // Épernay has no free slot: only callbacks count, 2 per working day over 1 day.
    await engine.tick()
    expect((await engine.tracking(c.id)).waitingForCapacity).toBe(4)
    await engine.tick()
    const t2 = await engine.tracking(c.id)
    expect(
      t2.queued,
      JSON.stringify(
        await t.database
          .sql`SELECT m.status, m.queued_at, cm.mission_locale_id FROM messages m JOIN campaign_members cm USING (campaign_id, student_id) WHERE m.campaign_id = ${c.id}`,
      ),
    ).toBe(2)
    // The pending ones act (a case each): capacity frees, two more go.
    const rows = await sendQueued(c.id)
    for (const r of rows) {
      await t.database
        .sql`INSERT INTO cases (mission_locale_id, origin, student_id, created_at) VALUES (${t.orgIds.get('ml-epernay') as string}, 'callback', ${r.studentId}, ${clock.toISOString()})`
    }
    await engine.tick()
    const after = await engine.tracking(c.id)
    expect(after.waitingForCapacity).toBe(2)
    expect(after.queued).toBe(2)
  })

  it('reminders go only to non-responders; an objection mid-campaign stops later steps', async () => {
    clock = new Date('2026-12-08T09:00:00Z')
    const [opener, objector, silent] = await scoredStudents(t, [{ faculty: 'F4' }, { faculty: 'F4' }, { faculty: 'F4' }])
    const c = await running('F4', { reminderDays: [3] })
    await engine.tick()
    await sendQueued(c.id)
    await t.database.db
      .update(links)
      .set({ openedAt: clock })
      .where(eq(links.studentId, opener as number))
    await t.app.services.consents.object(objector as number, 'test')
    clock = new Date('2026-12-11T10:00:00Z') // Friday, 3 days later
    await engine.tick()
    const rows = await sendQueued(c.id)
    expect(rows.filter((r) => r.step === 1).map((r) => r.studentId)).toEqual([silent])
    expect(rows.find((r) => r.step === 1)?.status).toBe('sent')
  })

  it('a student in two campaigns gets one message; a stale claim is taken back and sent once', async () => {
    clock = new Date('2026-12-14T09:00:00Z')
    const [shared] = await scoredStudents(t, [{ faculty: 'F5' }])
    // Both campaigns are built before either sends (the segment check cannot see the other yet).
    const a = await t.app.services.campaigns.create(ctx(admin), {
      name: 'A',
      channel: 'email',
      territoryIds: [mlReims()],
      segment: { faculty: 'F5' },
      universityId: t.orgIds.get('urca') as string,
      controlShare: 0,
    })
    const b = await t.app.services.campaigns.create(ctx(admin), {
      name: 'B',
      channel: 'email',
      territoryIds: [mlReims()],
      segment: { faculty: 'F5' },
      universityId: t.orgIds.get('urca') as string,
      controlShare: 0,
    })
    for (const c of [a, b]) {
      await t.app.services.campaigns.approve(ctx(admin), c.id)
    }
    await t.app.services.campaigns.schedule(ctx(admin), a.id, clock)
    await expect(t.app.services.campaigns.schedule(ctx(admin), b.id, clock)).rejects.toMatchObject({ statusCode: 409 }) // nobody left
    await t.database.db
      .insert(campaignMembers)
      .values({ campaignId: b.id, studentId: shared as number, arm: 'treated', missionLocaleId: mlReims() })
    await t.database.sql`UPDATE campaigns SET status = 'running' WHERE id = ${b.id}`
    await engine.tick()
    const all = await t.database.db
      .select()
      .from(messages)
      .where(eq(messages.studentId, shared as number))
    expect(all.filter((m) => m.status === 'queued')).toHaveLength(1)
    const queued = all.find((m) => m.status === 'queued')!
    // A worker claimed it and died before sending.
    await t.database
      .sql`UPDATE messages SET status = 'sending', claimed_at = ${new Date(clock.getTime() - 10 * 60_000).toISOString()} WHERE id = ${queued.id}`
    const before = received.length
    await engine.tick()
    await engine.send(queued.id)
    await engine.send(queued.id)
    expect(received.slice(before).map(to)).toEqual([`etu${shared}@etudiant.univ-reims.test`])
    const final = await t.database.db
      .select()
      .from(messages)
      .where(eq(messages.studentId, shared as number))
    expect(final.filter((m) => m.status === 'sent')).toHaveLength(1)
    void staff
  })

  it('paces sends: slots of one campaign are spaced on the database clock, across concurrent callers', async () => {
    clock = new Date('2026-12-15T09:00:00Z')
    await scoredStudents(t, [{ faculty: 'F6' }])
    const c = await running('F6')
    const repo = createCampaignRepository(t.database.db)
    const waits = await Promise.all(Array.from({ length: 5 }, () => repo.reserveSendSlot(c.id, 200, 2_000)))
    const sorted = (waits as number[]).sort((a, b) => a - b)
    expect(sorted[0]).toBeLessThan(100)
    for (let i = 1; i < sorted.length; i++) {
      // Each slot one spacing after the previous (a few ms of clock between the statements).
      expect((sorted[i] as number) - (sorted[i - 1] as number)).toBeGreaterThan(150)
    }
    // The next slot is about a second away: further than a caller may wait, so it is refused.
    expect(await repo.reserveSendSlot(c.id, 200, 500)).toBeNull()
  })

  it('a slow rate: concurrent sends wait for their turn instead of being given back', async () => {
    clock = new Date('2026-12-15T10:00:00Z')
    await scoredStudents(
      t,
      Array.from({ length: 4 }, () => ({ faculty: 'F7' })),
    )
    const c = await running('F7', { ratePerMinute: 60 })
    await engine.tick()
    const queued = (await t.database.db.select().from(messages).where(eq(messages.campaignId, c.id))).filter((m) => m.status === 'queued')
    expect(queued).toHaveLength(4)
    const before = received.length
    const started = Date.now()
    // Four workers at once, one send a second allowed: turns at about 0, 1, 2 and 3 s. A turn more
    // than two seconds away used to give the message back for two minutes.
    const outcomes = await Promise.all(queued.map((m) => engine.send(m.id)))
    expect(outcomes).toEqual(['done', 'done', 'done', 'done'])
    expect(Date.now() - started).toBeGreaterThan(2_900)
    await expect.poll(() => received.length - before).toBe(4)
  }, 30_000)
})
