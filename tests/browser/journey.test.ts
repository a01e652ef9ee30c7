/**
 * The student journey in a real browser, 360 px wide, with and without JavaScript: open a
 * personal link → « pourquoi » → book a slot → confirmation page → the e-mail received by a real
 * SMTP server carries an .ics that ical.js reads with the right time and zone → cancel through
 * the manage link of the e-mail → the slot is free again. axe finds no serious or critical
 * violation on any page. Screenshots go to /tmp/repere-shots for a human look.
 */
import ICAL from 'ical.js'
import { simpleParser, type ParsedMail } from 'mailparser'
import type { AddressInfo } from 'node:net'
import { SMTPServer } from 'smtp-server'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createContainer } from '../../server/container.ts'
import { createSmtpMailer } from '../../server/lib/mailer.ts'
import { connectRedis, createRedis } from '../../server/lib/redis.ts'
import { startWorkers, type Workers } from '../../workers/worker.ts'
import {
  axeViolations,
  launchBrowser,
  overflowsHorizontally,
  PHONE,
  screenshot,
  startBrowserApp,
  watchProblems,
  type Browser,
  type BrowserApp,
  type BrowserContext,
  type Page,
} from '../helpers/browser.ts'
import { aLink, openEveryDay } from '../helpers/journey.ts'

let smtp: SMTPServer
const received: ParsedMail[] = []
let t: BrowserApp
let browser: Browser
let workers: Workers
let redis: ReturnType<typeof createRedis>
let mailer: ReturnType<typeof createSmtpMailer>
let site: { id: string; name: string }

beforeAll(async () => {
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
  const smtpPort = (smtp.server.address() as AddressInfo).port
  t = await startBrowserApp({ SMTP_PORT: String(smtpPort) })
  // The workers send the confirmation with the real SMTP mailer.
  mailer = createSmtpMailer(t.config)
  redis = await connectRedis(createRedis(t.config.REDIS_URL, 'producer'))
  const services = createContainer({ config: t.config, database: t.database, redis, queues: t.app.services.queues, mailer, log: t.app.log })
  workers = startWorkers({ config: t.config, services, log: t.app.log })
  site = (await openEveryDay(t, 'reims')).site
  browser = await launchBrowser()
})
afterAll(async () => {
  await browser?.close()
  await workers?.close()
  await mailer?.close()
  redis?.disconnect()
  await t?.close()
  await new Promise<void>((resolve) => smtp.close(() => resolve()))
})

const SERIOUS = new Set(['serious', 'critical'])

/**
 * Every page of the journey: fits 360 px, and axe finds nothing serious or critical. axe runs
 * scripts in the page, so without JavaScript it checks a JavaScript-enabled twin holding the
 * very same document (its stylesheets included, through a <base>).
 */
async function check(page: Page, name: string, javaScript: boolean) {
  await screenshot(page, name)
  let target = page
  let twin: BrowserContext | undefined
  if (!javaScript) {
    twin = await browser.newContext({ viewport: PHONE, locale: 'fr-FR' })
    target = await twin.newPage()
    const html = (await page.content()).replace('<head>', `<head><base href="${t.baseUrl}/">`)
    await target.setContent(html, { waitUntil: 'load' })
  }
  try {
    expect(await overflowsHorizontally(target), `${name} scrolls sideways`).toBe(false)
    const violations = await axeViolations(target, name)
    expect(
      violations.filter((v) => SERIOUS.has(v.impact ?? '')),
      name,
    ).toEqual([])
  } finally {
    await twin?.close()
  }
}

/** Clicks and waits for the page it leads to (links and plain form submissions alike). */
async function go(page: Page, action: () => Promise<void>) {
  await Promise.all([page.waitForNavigation(), action()])
}

for (const javaScript of [true, false]) {
  const label = javaScript ? 'js' : 'nojs'
  describe(`a student on a phone (360 px, JavaScript ${javaScript ? 'on' : 'off'})`, () => {
    it('opens the link, reads « pourquoi », books, gets the e-mail with the .ics, cancels, and the slot is free again', async () => {
      const link = await aLink(t)
      const context = await browser.newContext({ viewport: PHONE, locale: 'fr-FR', javaScriptEnabled: javaScript })
      // A step that cannot happen fails within seconds, naming the step, instead of the whole test timing out.
      context.setDefaultTimeout(10_000)
      const page = await context.newPage()
      const problems = watchProblems(page)
      try {
        await page.goto(`${t.baseUrl}${link.path}`)
        expect(await page.getByRole('heading', { level: 1 }).textContent()).toContain('on vous propose d’en parler')
        await check(page, `journey-${label}-1-landing`, javaScript)

        await go(page, () => page.getByRole('link', { name: 'Pourquoi je reçois ce message ?' }).click())
        expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Pourquoi je reçois ce message ?')
        await check(page, `journey-${label}-2-pourquoi`, javaScript)

        await go(page, () => page.getByRole('link', { name: 'Prendre rendez-vous' }).click())
        await check(page, `journey-${label}-3-choose`, javaScript)

        await go(page, () => page.getByRole('link', { name: new RegExp(site.name) }).click())
        await check(page, `journey-${label}-4-slots`, javaScript)

        // Next week's slots: an appointment can be cancelled online until 4 h before, whatever the time the test runs.
        await go(page, () => page.getByRole('link', { name: 'Semaine suivante →' }).click())
        const firstSlot = page.locator('a.pub-slot').first()
        const slotLabel = (await firstSlot.getAttribute('aria-label')) ?? ''
        await go(page, () => firstSlot.click())
        expect(await page.locator('.pub-summary__when').textContent()).toBe(slotLabel.replace(/, .*$/, ''))
        await check(page, `journey-${label}-5-form`, javaScript)

        // A mistake first: the form comes back filled in, the error next to its field.
        await page.getByLabel('Prénom').fill('Léa')
        await page.getByLabel('Nom', { exact: true }).fill('Martin')
        await page.getByLabel(/E-mail/).fill(`lea.${label}@example.fr`)
        await page.getByLabel('Date de naissance').fill('2005-06-01')
        await go(page, () => page.getByRole('button', { name: 'Confirmer le rendez-vous' }).click())
        expect(await page.getByRole('alert').first().textContent()).toContain('Cochez la case')
        expect(await page.getByLabel('Prénom').inputValue()).toBe('Léa')
        await check(page, `journey-${label}-6-form-error`, javaScript)

        await page.getByLabel(/J’accepte que ces informations/).check()
        await go(page, () => page.getByRole('button', { name: 'Confirmer le rendez-vous' }).click())
        expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('C’est réservé !')
        expect(new URL(page.url()).pathname).toMatch(/^\/r\/gerer\//)
        await check(page, `journey-${label}-7-confirmed`, javaScript)

        // The confirmation e-mail, through the real SMTP server, with an invitation ical.js reads.
        const to = `lea.${label}@example.fr`
        await expect
          .poll(() => received.filter((m) => (m.to as { text: string } | undefined)?.text === to).length, { timeout: 20_000 })
          .toBe(1)
        const mail = received.find((m) => (m.to as { text: string }).text === to) as ParsedMail
        expect(mail.html).toContain('lang="fr"')
        const ics = mail.attachments.find((a) => a.contentType.startsWith('text/calendar') || (a.filename ?? '').endsWith('.ics'))
        expect(ics, 'an .ics attachment').toBeDefined()
        const calendar = new ICAL.Component(ICAL.parse(ics!.content.toString('utf8')))
        const event = new ICAL.Event(calendar.getFirstSubcomponent('vevent')!)
        expect(event.uid).toBeTruthy()
        const dtstart = calendar.getFirstSubcomponent('vevent')!.getFirstProperty('dtstart')!
        expect(dtstart.getParameter('tzid')).toBe('Europe/Paris')
        // The wall-clock time in the invitation is the one the page showed.
        const shown = /à (\d+) h(?: (\d+))?/.exec(slotLabel)
        expect(event.startDate.hour).toBe(Number(shown?.[1]))
        expect(event.startDate.minute).toBe(Number(shown?.[2] ?? 0))
        const manageUrl = /https?:\/\/[^\s"<>]+\/r\/gerer\/[A-Za-z0-9_-]{22}/.exec(mail.text ?? '')?.[0]
        expect(manageUrl, 'a manage link in the e-mail').toBeDefined()

        // Cancel through the manage link of the e-mail.
        const manage = new URL(manageUrl!)
        await page.goto(`${t.baseUrl}${manage.pathname}`)
        await check(page, `journey-${label}-8-manage`, javaScript)
        await go(page, () => page.getByRole('button', { name: 'Annuler le rendez-vous' }).click())
        expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Rendez-vous annulé')
        await check(page, `journey-${label}-9-cancelled`, javaScript)

        // The slot is offered again at once.
        await page.goto(`${t.baseUrl}${link.path}/rendez-vous/creneaux?lieu=${site.id}&mode=in_person&semaine=1`)
        expect(await page.locator(`a.pub-slot[aria-label="${slotLabel}"]`).count()).toBe(1)
        expect(problems).toEqual([])
      } finally {
        await context.close()
      }
    })
  })
}
