/**
 * The campaigns' demo (scripts/demo/campaigns.ts), seeded like `npm start` does with its mail
 * going to a real SMTP server: a finished campaign sent over several past days and a running one
 * with members waiting for capacity, their messages delivered with personal links that open the
 * landing page; the running campaign's next tick (the worker's, now) sends its due reminders; a
 * second seed creates and sends nothing.
 */
import { eq } from 'drizzle-orm'
import type { ParsedMail } from 'mailparser'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { campaigns, messages } from '../../db/schema/index.ts'
import { createSmtpMailer } from '../../server/lib/mailer.ts'
import { inSendWindow } from '../../server/services/campaign-engine.service.ts'
import {
  ALWAYS_OPEN,
  DEMO_FINISHED_CAMPAIGN,
  DEMO_RUNNING_CAMPAIGN,
  inlineEngine,
  seedDemoCampaigns,
} from '../../scripts/demo/campaigns.ts'
import { seedDemoImports } from '../../scripts/seed.ts'
import { loginWithForm, startTestApp, type TestApp } from '../helpers/app.ts'
import { startSmtpSink, type SmtpSink } from '../helpers/smtp.ts'

let t: TestApp
let smtp: SmtpSink
const received: ParsedMail[] = []

beforeAll(async () => {
  smtp = await startSmtpSink(received)
  t = await startTestApp({ SMTP_PORT: String(smtp.port) })
  await seedDemoImports(t.config, t.database, t.orgIds, { campaignMail: 'smtp' })
}, 240_000)
afterAll(async () => {
  await t?.close()
  await smtp?.close()
})

async function campaign(name: string) {
  const [c] = await t.database.db.select().from(campaigns).where(eq(campaigns.name, name))
  expect(c, name).toBeDefined()
  return c!
}

const linkIn = (mail: ParsedMail) => /https?:\/\/[^\s]+(\/r\/[A-Za-z0-9_-]{22})(?=[\s)]|$)/m.exec(mail.text ?? '')?.[1]

describe('campaigns demo', () => {
  it('has a finished campaign sent over several past days, with responses of every kind', async () => {
    const c = await campaign(DEMO_FINISHED_CAMPAIGN)
    expect(c.status).toBe('finished')
    expect(c.startedAt!.getTime()).toBeLessThan(Date.now() - 10 * 86_400_000)
    expect(c.endedAt!.getTime()).toBeLessThan(Date.now())
    const tr = await t.app.services.campaignEngine.tracking(c.id)
    expect(tr.members).toBeGreaterThan(40)
    expect(tr.control).toBeGreaterThan(0)
    expect(tr.waitingForCapacity).toBe(0)
    expect(tr.queued + tr.sending).toBe(0)
    expect(tr.sent).toBeGreaterThanOrEqual(tr.members - tr.control)
    expect(tr.reminders).toBeGreaterThan(0)
    expect(tr.perDay.length).toBeGreaterThanOrEqual(4)
    expect(tr.opened).toBeGreaterThan(5)
    expect(tr.booked).toBeGreaterThan(0)
    expect(tr.calledBack).toBeGreaterThan(0)
    expect(tr.objected).toBeGreaterThan(0)
    // Every sent message has its personal link, tied to the campaign and to the message.
    const rows = await t.database.sql<{ n: number; linked: number }[]>`
      SELECT count(*)::int AS n, count(l.id)::int AS linked FROM messages m
      LEFT JOIN links l ON l.id = m.link_id AND l.campaign_id = m.campaign_id AND l.message_id = m.id
      WHERE m.campaign_id = ${c.id} AND m.status = 'sent'`
    expect(rows[0]!.n).toBe(tr.sent)
    expect(rows[0]!.linked).toBe(tr.sent)

    // Its page: the figures and one bar per day, each day in short French (« mer. 2 déc. »).
    const { cookie } = await loginWithForm(t.app, 'universite@demo.repere.test')
    const page = await t.app.inject({ method: 'GET', url: `/campagnes/${c.id}`, headers: { cookie } })
    expect(page.statusCode).toBe(200)
    // Finished: no action left to offer, and the figures come before the message.
    expect(page.body).not.toContain('id="actions-title"')
    expect(page.body.indexOf('id="tracking-title"')).toBeGreaterThan(0)
    expect(page.body.indexOf('id="tracking-title"')).toBeLessThan(page.body.indexOf('id="check-title"'))
    const labels = [...page.body.matchAll(/class="bar-chart__label">([^<]*)</g)].map((m) => m[1])
    expect(labels).toHaveLength(tr.perDay.length)
    for (const label of labels) {
      expect(label).toMatch(/^(lun|mar|mer|jeu|ven|sam|dim)\. \d{1,2} \S+$/)
    }
  })

  it('has a running campaign with members waiting for capacity and a reminder still ahead', async () => {
    const c = await campaign(DEMO_RUNNING_CAMPAIGN)
    expect(c.status).toBe('running')
    expect(c.sendWindow).toEqual(ALWAYS_OPEN)
    // Open whenever the demo is started: a Saturday night, a Sunday at midnight, a Monday evening.
    for (const at of ['2026-12-05T22:59:00Z', '2026-12-05T23:00:00Z', '2026-12-07T19:30:00Z']) {
      expect(inSendWindow(ALWAYS_OPEN, new Date(at)), at).toBe(true)
    }
    const tr = await t.app.services.campaignEngine.tracking(c.id)
    expect(tr.sent).toBeGreaterThan(0)
    expect(tr.waitingForCapacity).toBeGreaterThan(0)
    expect(tr.reminders).toBe(0)
  })

  it('delivered the messages by SMTP, and their links open the landing page', async () => {
    const sent = await t.database.sql<{ n: number }[]>`SELECT count(*)::int AS n FROM messages WHERE status = 'sent'`
    const campaignMail = received.filter((m) => linkIn(m))
    expect(campaignMail.length).toBe(sent[0]!.n)
    for (const mail of [campaignMail[0]!, campaignMail.at(-1)!]) {
      const res = await t.app.inject({ url: linkIn(mail)! })
      expect(res.statusCode, res.body).toBe(200)
      expect(res.body).toContain('Mission Locale')
      expect(res.body).toMatch(/rendez-vous/i)
    }
  })

  it('the running campaign’s next tick sends its due reminders, with links to the landing page', async () => {
    const c = await campaign(DEMO_RUNNING_CAMPAIGN)
    const mailer = createSmtpMailer(t.config)
    // The worker's engine, now (its jobs run here, in order).
    const { engine, takeJobs } = inlineEngine(t.database, t.app.services, mailer)
    try {
      const before = received.length
      const r = await engine.tick(new Date(Date.now() + 60 * 60_000))
      expect(r.queued).toBeGreaterThan(0)
      const ids = takeJobs()
      for (const id of ids) {
        expect(await engine.send(id)).toBe('done')
      }
      const reminders = await t.database.db.select().from(messages).where(eq(messages.campaignId, c.id))
      expect(reminders.filter((m) => m.step === 1 && m.status === 'sent').length).toBeGreaterThan(0)
      await expect.poll(() => received.length - before).toBe(ids.length)
      // A reminder says so in its subject.
      const subjects = received.slice(before).map((m) => m.subject ?? '')
      expect(subjects.filter((x) => x.startsWith('Petit rappel : '))).toHaveLength(
        reminders.filter((m) => m.step > 0 && m.status === 'sent' && ids.includes(m.id)).length,
      )
      const res = await t.app.inject({ url: linkIn(received.at(-1)!)! })
      expect(res.statusCode, res.body).toBe(200)
      expect(res.body).toMatch(/rendez-vous/i)
    } finally {
      await mailer.close()
    }
  }, 120_000) // paced in real time: 60/rate seconds between two sends

  it('is idempotent: a second seed creates no campaign and sends nothing', async () => {
    const count = async () =>
      (
        await t.database.sql<
          { c: number; m: number }[]
        >`SELECT (SELECT count(*) FROM campaigns)::int AS c, (SELECT count(*) FROM messages)::int AS m`
      )[0]!
    const before = await count()
    const mails = received.length
    const again = await seedDemoCampaigns(t.database, t.app.services, t.orgIds, createSmtpMailer(t.config))
    expect(again.finishedId).toBe((await campaign(DEMO_FINISHED_CAMPAIGN)).id)
    expect(again.runningId).toBe((await campaign(DEMO_RUNNING_CAMPAIGN)).id)
    expect(await count()).toEqual(before)
    expect(received.length).toBe(mails)
  })
})
