/**
 * The inbox in a real browser (Chromium): a counsellor logs in and opens « Dossiers »; a student
 * asks to be called back meanwhile and the case appears without reloading (the page polls the
 * counters), with the count in the tab title; the counsellor claims it, logs a call, closes it
 * with « entrée CEJ »; the counters change accordingly. axe finds no serious or critical
 * violation on the inbox, the case page and the hand-off summary. On a phone, the case page and
 * the day's appointments fit 360 px: each appointment is a small card with its buttons.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  axeViolations,
  launchBrowser,
  LAPTOP,
  loginThroughPage,
  overflowsHorizontally,
  PHONE,
  screenshot,
  startBrowserApp,
  watchProblems,
  type Browser,
  type BrowserApp,
} from '../helpers/browser.ts'
import { aStudent, identity } from '../fixtures/journey.ts'
import { openEveryDay } from '../helpers/journey.ts'

let t: BrowserApp
let browser: Browser

beforeAll(async () => {
  t = await startBrowserApp()
  browser = await launchBrowser()
})
afterAll(async () => {
  await browser?.close()
  await t?.close()
})

const SERIOUS = new Set(['serious', 'critical'])
const serious = (v: { impact?: string | null }[]) => v.filter((x) => SERIOUS.has(x.impact ?? ''))

async function aCallback(firstName: string) {
  const student = await aStudent(t.database, t.orgIds.get('urca') as string)
  const link = await t.app.services.links.create({ studentId: student.id })
  return t.app.services.callbacks.request(
    { requestId: 'student' },
    { linkId: link.linkId, phone: '06 12 12 12 12', firstName, moments: ['matin'], consentToShare: true },
  )
}

describe('inbox in Chromium', () => {
  it('a new case appears while the page is open; claim, call, close with « entrée CEJ »; the counters follow', async () => {
    const context = await browser.newContext({ viewport: LAPTOP, locale: 'fr-FR' })
    const page = await context.newPage()
    const problems = watchProblems(page)
    await loginThroughPage(page, t.baseUrl, 'conseil.reims@demo.repere.test')
    await page.getByRole('link', { name: 'Dossiers', exact: true }).click()
    await page.waitForURL(/\/dossiers$/)
    const count = async (list: string) => Number(await page.locator(`[data-count="${list}"]`).first().textContent())
    const before = { aTraiter: await count('a_traiter'), clos: await count('clos') }
    expect(await page.title()).not.toMatch(/^\(\d+\)/)
    expect(serious(await axeViolations(page, 'inbox'))).toEqual([])

    await aCallback('Zoé')
    const row = page.locator('#case-list').getByRole('link', { name: 'Zoé' })
    await expect.poll(() => row.count(), { timeout: 30_000, interval: 1000 }).toBe(1)
    expect(await count('a_traiter')).toBe(before.aTraiter + 1)
    expect(await page.title()).toMatch(new RegExp(`^\\(${before.aTraiter + 1}\\) Dossiers`))
    await screenshot(page, 'inbox-new-case')

    await row.click()
    await page.waitForURL(/\/dossiers\/[0-9a-f-]{36}$/)
    expect(serious(await axeViolations(page, 'case page'))).toEqual([])
    await page.getByRole('button', { name: 'Je prends ce dossier' }).click()
    await expect.poll(() => page.getByText('Vous avez pris ce dossier.').count()).toBe(1)

    await page.getByLabel('Canal').selectOption({ label: 'Téléphone' })
    await page.getByLabel('Résultat').selectOption({ label: 'A répondu' })
    await page.getByLabel('Commentaire (facultatif)').fill('Rappelée, intéressée par le CEJ')
    await page.getByRole('button', { name: 'Enregistrer le contact' }).click()
    await expect.poll(() => page.getByText('Tentative de contact enregistrée.').count()).toBe(1)
    expect(await page.getByText('Contact par téléphone : a répondu').count()).toBe(1)

    await page.getByLabel('Issue').selectOption({ label: 'Entrée CEJ' })
    await page.getByRole('button', { name: 'Clore le dossier' }).click()
    await expect.poll(() => page.getByText('Dossier clos.').count()).toBe(1)
    expect(await page.getByText('Clos — Entrée CEJ').count()).toBe(1)
    await screenshot(page, 'inbox-case-closed')

    await page.getByRole('link', { name: 'Synthèse à reporter dans votre système d’information' }).click()
    expect(await page.locator('#handoff-text').textContent()).toContain('Prénom : Zoé')
    expect(serious(await axeViolations(page, 'hand-off'))).toEqual([])

    await page.goto(`${t.baseUrl}/dossiers`)
    expect(await count('a_traiter')).toBe(before.aTraiter)
    expect(await count('clos')).toBe(before.clos + 1)
    expect(problems).toEqual([])
    await context.close()
  })
})

describe('a counsellor on a phone (360 px)', () => {
  it('the case page and the day’s appointments fit the screen, attendance buttons included', async () => {
    const { missionLocaleId } = await openEveryDay(t)
    const student = await aStudent(t.database, t.orgIds.get('urca') as string)
    const link = await t.app.services.links.create({ studentId: student.id })
    const now = new Date()
    const days = await t.app.services.availability.freeSlots({
      missionLocaleId,
      from: now,
      to: new Date(now.getTime() + 86_400_000 * 7),
      now,
    })
    const slot = days.flatMap((d) => d.slots)[0]!
    const booked = await t.app.services.bookings.book(
      { requestId: 'student' },
      {
        linkId: link.linkId,
        slotKey: slot.slotKey,
        identity: identity({ firstName: 'Maëlys', lastName: 'Lefèvre-Dumontier' }),
        idempotencyKey: `k-${link.linkId}`,
      },
      now,
    )
    const [row] = await t.database.sql<
      { caseId: string }[]
    >`SELECT case_id AS "caseId" FROM appointments WHERE id = ${booked.appointment.id}`

    const context = await browser.newContext({ viewport: PHONE, locale: 'fr-FR' })
    const page = await context.newPage()
    const problems = watchProblems(page)
    await loginThroughPage(page, t.baseUrl, 'conseil.reims@demo.repere.test')
    await page.goto(`${t.baseUrl}/dossiers/${row!.caseId}`)
    await expect.poll(() => page.getByRole('heading', { name: 'Rendez-vous' }).count()).toBe(1)
    expect(await page.locator('td[data-label="Date"]').count()).toBe(1)
    expect(await overflowsHorizontally(page), 'the case page scrolls sideways').toBe(false)
    await screenshot(page, 'inbox-case-phone')

    const day = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Paris' }).format(booked.appointment.startsAt)
    await page.goto(`${t.baseUrl}/rendez-vous?jour=${day}`)
    await expect.poll(() => page.getByRole('link', { name: 'Maëlys Lefèvre-Dumontier' }).count()).toBe(1)
    expect(await overflowsHorizontally(page), 'the day’s appointments scroll sideways').toBe(false)
    await screenshot(page, 'inbox-day-phone')
    expect(problems).toEqual([])
    await context.close()
  })
})
