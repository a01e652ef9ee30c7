/**
 * The other student pages in a real browser at 360 px, without JavaScript (plain forms and
 * links only): the callback request, the commune form, moving an appointment, the objection,
 * and the pages of unknown and expired codes. axe (on a JavaScript-enabled twin of the same
 * document) finds no serious or critical violation on any of them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
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
  type Page,
} from '../helpers/browser.ts'
import { aLink, openEveryDay, VITRY } from '../helpers/journey.ts'

let t: BrowserApp
let browser: Browser
let site: { id: string; name: string }

beforeAll(async () => {
  t = await startBrowserApp({ PUBLIC_RATE_LIMIT_PER_MINUTE: '100000' })
  site = (await openEveryDay(t, 'reims')).site
  browser = await launchBrowser()
})
afterAll(async () => {
  await browser?.close()
  await t?.close()
})

const SERIOUS = new Set(['serious', 'critical'])

/** Screenshot, no sideways scroll, and no serious axe violation (checked on a JavaScript twin). */
async function check(page: Page, name: string) {
  await screenshot(page, name)
  const twin = await browser.newContext({ viewport: PHONE, locale: 'fr-FR' })
  try {
    const target = await twin.newPage()
    await target.setContent((await page.content()).replace('<head>', `<head><base href="${t.baseUrl}/">`), { waitUntil: 'load' })
    expect(await overflowsHorizontally(target), `${name} scrolls sideways`).toBe(false)
    const violations = await axeViolations(target, name)
    expect(
      violations.filter((v) => SERIOUS.has(v.impact ?? '')),
      name,
    ).toEqual([])
  } finally {
    await twin.close()
  }
}

async function go(page: Page, action: () => Promise<void>) {
  await Promise.all([page.waitForNavigation(), action()])
}

async function noJsPage() {
  const context = await browser.newContext({ viewport: PHONE, locale: 'fr-FR', javaScriptEnabled: false })
  context.setDefaultTimeout(15_000)
  const page = await context.newPage()
  return { context, page, problems: watchProblems(page) }
}

describe('the other student pages, 360 px, without JavaScript', () => {
  it('callback: the form, a mistake, then the confirmation with the date', async () => {
    const link = await aLink(t)
    const { context, page, problems } = await noJsPage()
    try {
      await page.goto(`${t.baseUrl}${link.path}`)
      await go(page, () => page.getByRole('link', { name: 'Être rappelé·e' }).click())
      await check(page, 'pages-callback-form')
      await page.getByLabel('Votre numéro de téléphone').fill('06 12 34 56 78')
      await go(page, () => page.getByRole('button', { name: 'Demander un appel' }).click())
      expect(await page.getByRole('alert').textContent()).toContain('Choisissez au moins un moment')
      await check(page, 'pages-callback-error')
      await page.getByLabel('Le matin').check()
      await page.getByLabel(/J’accepte que mon numéro/).check()
      await go(page, () => page.getByRole('button', { name: 'Demander un appel' }).click())
      expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('C’est noté, on vous rappelle')
      await check(page, 'pages-callback-done')
      expect(problems).toEqual([])
    } finally {
      await context.close()
    }
  })

  it('the commune form: a student who moved to Vitry-le-François gets its Mission Locale', async () => {
    const link = await aLink(t)
    const { context, page } = await noJsPage()
    try {
      await page.goto(`${t.baseUrl}${link.path}/rendez-vous`)
      await go(page, () => page.getByRole('link', { name: 'Vous habitez ailleurs ?' }).click())
      await page.getByLabel('Code postal ou nom de la commune').fill('Vitry-le-Fr')
      await go(page, () => page.getByRole('button', { name: 'Chercher' }).click())
      await check(page, 'pages-commune-search')
      await page.locator(`input[value="${VITRY}"]`).check()
      await go(page, () => page.getByRole('button', { name: 'Valider' }).click())
      expect(await page.getByRole('heading', { level: 2, name: /dépend d’une autre Mission Locale/ }).count()).toBe(1)
      await check(page, 'pages-commune-outside')
    } finally {
      await context.close()
    }
  })

  it('moving an appointment through the manage page', async () => {
    const link = await aLink(t)
    const { context, page } = await noJsPage()
    try {
      // Next week: the appointment can still be moved online (until 4 h before), whatever the time the test runs.
      await page.goto(`${t.baseUrl}${link.path}/rendez-vous/creneaux?lieu=${site.id}&mode=in_person&semaine=1`)
      await go(page, () => page.locator('a.pub-slot').first().click())
      await page.getByLabel('Prénom').fill('Noé')
      await page.getByLabel('Nom', { exact: true }).fill('Durand')
      await page.getByLabel(/Téléphone/).fill('0612345678')
      await page.getByLabel('Date de naissance').fill('2006-02-03')
      await page.getByLabel(/J’accepte que ces informations/).check()
      await go(page, () => page.getByRole('button', { name: 'Confirmer le rendez-vous' }).click())
      await go(page, () => page.getByRole('link', { name: 'Déplacer le rendez-vous' }).click())
      await check(page, 'pages-move-slots')
      await go(page, () => page.locator('a.pub-slot').nth(3).click())
      await check(page, 'pages-move-confirm')
      await go(page, () => page.getByRole('button', { name: 'Confirmer le déplacement' }).click())
      expect(await page.getByRole('status').first().textContent()).toContain('votre rendez-vous est déplacé')
      await check(page, 'pages-move-done')
    } finally {
      await context.close()
    }
  })

  it('the objection, then the pages of unknown and expired links', async () => {
    const link = await aLink(t)
    const expired = await aLink(t, { expiresAt: new Date(Date.now() - 1000) })
    const { context, page } = await noJsPage()
    try {
      await page.goto(`${t.baseUrl}${link.path}`)
      await go(page, () => page.getByRole('button', { name: 'Ce n’est pas pour moi' }).click())
      expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('C’est noté : vous ne recevrez plus de messages')
      await check(page, 'pages-objected')
      await page.goto(`${t.baseUrl}/r/AAAAAAAAAAAAAAAAAAAAAA`)
      await check(page, 'pages-unknown')
      await page.goto(`${t.baseUrl}${expired.path}`)
      expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Ce lien n’est plus valable')
      await check(page, 'pages-expired')
    } finally {
      await context.close()
    }
  })
})
