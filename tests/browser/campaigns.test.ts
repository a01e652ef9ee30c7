/**
 * A campaign from end to end in a real browser (issue #10): university staff build a segment on
 * /campagnes/nouvelle and watch the live count (the page's script calls the count API) with each
 * exclusion reason, preview and check the message, create the draft; the Reims manager
 * co-approves; staff schedule it; the engine's tick (injected clock) sends, through a real SMTP
 * server started here, a message with the personal link and List-Unsubscribe. axe finds no
 * serious violation on the new page; nothing overflows sideways at 360 px; the page also works
 * without JavaScript. Screenshots go to /tmp/repere-shots.
 */
import { eq } from 'drizzle-orm'
import type { ParsedMail } from 'mailparser'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { messages } from '../../db/schema/index.ts'
import { createSmtpMailer } from '../../server/lib/mailer.ts'
import { createCampaignEngine, inSendWindow } from '../../server/services/campaign-engine.service.ts'
import { DEFAULT_SEND_WINDOW } from '../../server/services/campaign.service.ts'
import {
  LAPTOP,
  launchBrowser,
  loginThroughPage,
  overflowsHorizontally,
  PHONE,
  screenshot,
  seriousViolations,
  startBrowserApp,
  watchProblems,
  type Browser,
  type BrowserApp,
} from '../helpers/browser.ts'
import { resetScoredCohort, scoredStudents } from '../helpers/campaigns.ts'
import { testConfig } from '../helpers/env.ts'
import { startSmtpSink, type SmtpSink } from '../helpers/smtp.ts'

const FACULTY = 'UFR Navigateur'
let t: BrowserApp
let browser: Browser
let smtp: SmtpSink
let mailer: ReturnType<typeof createSmtpMailer>
let reached: number[] = []

/** The first whole hour from now inside the default send window (weekday, 9:00–19:00 Paris, no holiday). */
function nextSendingTime(): Date {
  let at = new Date(Math.ceil((Date.now() + 60_000) / 3_600_000) * 3_600_000 + 5 * 60_000)
  while (!inSendWindow(DEFAULT_SEND_WINDOW, at)) {
    at = new Date(at.getTime() + 3_600_000)
  }
  return at
}

beforeAll(async () => {
  resetScoredCohort()
  smtp = await startSmtpSink()
  mailer = createSmtpMailer(testConfig({ SMTP_PORT: String(smtp.port) }))
  t = await startBrowserApp()
  const ids = await scoredStudents(t, [
    { faculty: FACULTY },
    { faculty: FACULTY },
    { faculty: FACULTY, consentEmail: 'withdrawn' },
    { faculty: FACULTY, email: null },
    { faculty: FACULTY, commune: null },
    { faculty: 'UFR Ailleurs' },
  ])
  reached = ids.slice(0, 2)
  browser = await launchBrowser()
})
afterAll(async () => {
  await browser?.close()
  await mailer?.close()
  await t?.close()
  await smtp?.close()
})

describe('a campaign, from the new page to the inbox', () => {
  it('staff build the segment with a live count, the manager co-approves, staff schedule, the message arrives', async () => {
    const staffContext = await browser.newContext({ viewport: LAPTOP, locale: 'fr-FR' })
    const page = await staffContext.newPage()
    const problems = watchProblems(page)
    await loginThroughPage(page, t.baseUrl, 'universite@demo.repere.test')
    await page.goto(`${t.baseUrl}/campagnes`)
    await Promise.all([page.waitForURL('**/campagnes/nouvelle'), page.getByRole('link', { name: 'Nouvelle campagne' }).click()])
    await expect(page.locator('#decompte-resultat').textContent()).resolves.toContain('Choisissez au moins une Mission Locale')

    // The segment builder: the count follows each change, through the count API.
    await page.getByLabel('Nom de la campagne').fill('Rentrée navigateur')
    await page.getByLabel('ML Reims').check()
    await page.getByLabel('Composante').selectOption(FACULTY)
    await page.getByLabel('Groupe témoin (%)').fill('0')
    const result = page.locator('#decompte-resultat')
    await result.getByText('5 étudiants dans le segment').waitFor()
    const text = (await result.textContent()) ?? ''
    expect(text).toMatch(/5 étudiants dans le segment ; 2 recevraient le message, 0 dans le groupe témoin\./)
    expect(text).toContain('Pas d’adresse pour ce canal : 1')
    expect(text).toContain('Pas de consentement pour ce canal : 1')
    expect(text).toContain('Hors des territoires visés : 1')
    // Narrower: the band « faible » holds none of them.
    await page.getByLabel('Bande de risque').selectOption('faible')
    await result.getByText('0 étudiant dans le segment ; 0 recevrait').waitFor()
    await page.getByLabel('Bande de risque').selectOption('eleve')
    await result.getByText('5 étudiants dans le segment').waitFor()

    // Only the chosen channel's message fields are shown; the variables are listed.
    await expect(page.getByLabel('Texte du SMS').isVisible()).resolves.toBe(false)
    await page.getByLabel('SMS', { exact: true }).check()
    await expect(page.getByLabel('Objet').isVisible()).resolves.toBe(false)
    await page.getByLabel('E-mail', { exact: true }).check()
    await expect(page.getByLabel('Objet').isVisible()).resolves.toBe(true)
    await expect(page.locator('#variables').textContent()).resolves.toContain('{{mission_locale}}')

    // Preview and pre-launch check, on the form's values.
    await Promise.all([page.waitForLoadState('load'), page.getByRole('button', { name: 'Vérifier le message' }).click()])
    await page.locator('#verification').getByText('Le message passe la vérification.').waitFor()
    await expect(page.locator('#verification').textContent()).resolves.toContain('Objet : Inès, un coup de main pour la suite ?')
    await expect(page.locator('#decompte-resultat').textContent()).resolves.toContain('2 recevraient le message')
    await expect(page.getByLabel('Nom de la campagne').inputValue()).resolves.toBe('Rentrée navigateur')

    expect(await seriousViolations(page, 'new campaign (laptop)')).toEqual([])
    await screenshot(page, 'campaign-new-laptop')
    await page.setViewportSize(PHONE)
    expect(await overflowsHorizontally(page)).toBe(false)
    await screenshot(page, 'campaign-new-phone')
    expect(await seriousViolations(page, 'new campaign (phone)')).toEqual([])
    await page.setViewportSize(LAPTOP)

    await Promise.all([page.waitForURL(/\/campagnes\/[0-9a-f-]{36}$/), page.getByRole('button', { name: 'Créer le brouillon' }).click()])
    const campaignUrl = page.url()
    const campaignId = campaignUrl.split('/').at(-1) as string
    await page.getByText('Le message passe la vérification.').waitFor()
    await expect(page.locator('.lead').textContent()).resolves.toContain('Brouillon')

    // The Reims manager co-approves.
    const managerContext = await browser.newContext({ viewport: LAPTOP, locale: 'fr-FR' })
    const manager = await managerContext.newPage()
    await loginThroughPage(manager, t.baseUrl, 'direction.reims@demo.repere.test')
    await manager.goto(campaignUrl)
    await Promise.all([manager.waitForLoadState('load'), manager.getByRole('button', { name: 'Valider pour ma Mission Locale' }).click()])
    await manager
      .getByText(/ML Reims|Mission Locale de Reims/)
      .filter({ hasText: 'validée le' })
      .waitFor()
    await managerContext.close()

    // Staff schedule it.
    await page.goto(campaignUrl)
    await Promise.all([page.waitForLoadState('load'), page.getByRole('button', { name: 'Programmer' }).click()])
    await expect(page.locator('.lead').textContent()).resolves.toContain('Programmée')

    // The engine's tick at the next sending time, as a worker would run it, through the real SMTP server.
    const clock = nextSendingTime()
    const engine = createCampaignEngine({
      ...t.app.services,
      db: t.database.db,
      config: t.config,
      mailer,
      sms: { send: () => Promise.reject(new Error('no SMS here')) },
      now: () => clock,
    })
    await engine.tick()
    const queued = await t.database.db.select().from(messages).where(eq(messages.campaignId, campaignId))
    expect(queued.map((m) => m.studentId).sort()).toEqual([...reached].sort())
    for (const m of queued) {
      expect(await engine.send(m.id)).toBe('done')
    }
    expect(smtp.received.map((m) => (Array.isArray(m.to) ? m.to[0] : m.to)?.value[0]?.address).sort()).toEqual(
      reached.map((id) => `etu${id}@etudiant.univ-reims.test`).sort(),
    )
    const mail = smtp.received[0] as ParsedMail
    const header = (name: string) => mail.headerLines.find((h) => h.key === name)?.line ?? ''
    expect(mail.subject).toMatch(/^Prénom\d+, un coup de main pour la suite \?$/)
    expect(mail.text).toMatch(new RegExp(`${t.config.PUBLIC_URL.replace(/\/$/, '')}/r/[A-Za-z0-9_-]{22}`))
    expect(String(mail.html)).toMatch(/href="[^"]+\/r\/[A-Za-z0-9_-]{22}"/)
    expect(header('list-unsubscribe')).toMatch(/<https?:\/\/[^>]+\/api\/v1\/unsubscribe\/[A-Za-z0-9_-]{22}>/)
    expect(header('list-unsubscribe-post')).toBe('List-Unsubscribe-Post: List-Unsubscribe=One-Click')

    // The campaign's page counts them.
    await page.goto(campaignUrl)
    await expect(page.locator('.lead').textContent()).resolves.toContain('En cours')
    await expect(page.locator('dt:has-text("Envoyés") + dd').textContent()).resolves.toBe('2')
    expect(await seriousViolations(page, 'running campaign')).toEqual([])
    await screenshot(page, 'campaign-running-laptop')
    expect(problems).toEqual([])
    await staffContext.close()
  })

  it('works without JavaScript: the count button posts the form and the page shows the count', async () => {
    const context = await browser.newContext({ viewport: PHONE, locale: 'fr-FR', javaScriptEnabled: false })
    const page = await context.newPage()
    await loginThroughPage(page, t.baseUrl, 'universite@demo.repere.test')
    await page.goto(`${t.baseUrl}/campagnes/nouvelle`)
    // Both message forms are there without the script.
    await expect(page.getByLabel('Texte du SMS').isVisible()).resolves.toBe(true)
    await page.getByLabel('ML Reims').check()
    await page.getByLabel('Composante').selectOption('UFR Ailleurs')
    await Promise.all([page.waitForLoadState('load'), page.getByRole('button', { name: 'Mettre à jour le décompte' }).click()])
    await expect(page.locator('#decompte-resultat').textContent()).resolves.toMatch(/1 étudiant dans le segment ; 1 recevrait le message/)
    await Promise.all([page.waitForLoadState('load'), page.getByRole('button', { name: 'Créer le brouillon' }).click()])
    // No name: the form comes back with the summary and the message by the field.
    await page.getByRole('alert').getByRole('link', { name: 'Donnez un nom à la campagne.' }).waitFor()
    await expect(page.getByLabel('Composante').inputValue()).resolves.toBe('UFR Ailleurs')
    expect(await overflowsHorizontally(page)).toBe(false)
    await screenshot(page, 'campaign-new-errors-phone')
    // The list, with the campaign of the first test, fits the phone too.
    await page.goto(`${t.baseUrl}/campagnes`)
    await page.getByRole('link', { name: 'Rentrée navigateur' }).waitFor()
    expect(await overflowsHorizontally(page)).toBe(false)
    await context.close()
  })
})
