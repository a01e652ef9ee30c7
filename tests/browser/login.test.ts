/**
 * The login and the first pages in a real browser, on a phone and on a laptop: what a person
 * sees, what the keyboard reaches, what axe finds (WCAG 2.1 A/AA). Screenshots go to
 * /tmp/repere-shots for a human look.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  axeViolations,
  LAPTOP,
  launchBrowser,
  loginThroughPage,
  overflowsHorizontally,
  PHONE,
  screenshot,
  startBrowserApp,
  watchProblems,
  type Browser,
  type BrowserApp,
} from '../helpers/browser.ts'

let t: BrowserApp
let browser: Browser

beforeAll(async () => {
  t = await startBrowserApp({ LOGIN_MAX_ATTEMPTS: '100' })
  browser = await launchBrowser()
})
afterAll(async () => {
  await browser?.close()
  await t?.close()
})

for (const [label, viewport] of [
  ['360', PHONE],
  ['1280', LAPTOP],
] as const) {
  describe(`a counsellor of Reims at ${viewport.width}×${viewport.height}`, () => {
    it('logs in through the page, lands on their home page, and the pages pass axe', async () => {
      const context = await browser.newContext({ viewport, locale: 'fr-FR' })
      const page = await context.newPage()
      const problems = watchProblems(page)
      try {
        // An anonymous visit to the home page leads to the login page.
        await page.goto(`${t.baseUrl}/`)
        expect(new URL(page.url()).pathname).toBe('/connexion')
        await expect(page.title()).resolves.toBe('Connexion · Repère')
        expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Connexion')
        // The stylesheet applies (the page is not the browser's unstyled default).
        expect(await page.evaluate('getComputedStyle(document.documentElement).backgroundColor')).toBe('rgb(246, 247, 249)')
        expect(await overflowsHorizontally(page)).toBe(false)
        expect(await axeViolations(page, `login ${label}`)).toEqual([])
        await screenshot(page, `login-${label}`)

        // A wrong password: the message is announced and the e-mail kept.
        await loginAttempt(page, 'conseil.reims@demo.repere.test', 'pas-le-bon')
        await expect(page.getByRole('alert').textContent()).resolves.toContain('Adresse e-mail ou mot de passe incorrect.')
        expect(await page.getByLabel('Adresse e-mail professionnelle').inputValue()).toBe('conseil.reims@demo.repere.test')
        expect(await axeViolations(page, `login error ${label}`)).toEqual([])
        await screenshot(page, `login-error-${label}`)

        await loginThroughPage(page, t.baseUrl, 'conseil.reims@demo.repere.test')
        expect(new URL(page.url()).pathname).toBe('/')
        expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Bonjour Sarah Benali')
        const nav = page.getByRole('navigation', { name: 'Navigation principale' })
        await expect(nav.getByRole('link', { name: 'Lieux d’accueil' }).count()).resolves.toBe(1)
        await expect(nav.getByRole('link', { name: 'Utilisateurs', exact: true }).count()).resolves.toBe(0)
        await expect(nav.getByRole('link', { name: 'Journal d’audit' }).count()).resolves.toBe(0)
        await expect(nav.getByRole('link', { name: 'Accueil', exact: true }).getAttribute('aria-current')).resolves.toBe('page')
        // Her own Mission Locale's sites, and no one else's.
        const sites = await page.locator('main ul.list li').allTextContents()
        expect(sites.length).toBeGreaterThan(0)
        expect(sites.join('\n')).not.toMatch(/Épernay|Châlons/)
        expect(await overflowsHorizontally(page)).toBe(false)
        expect(await axeViolations(page, `home ${label}`)).toEqual([])
        await screenshot(page, `home-counsellor-${label}`)

        // Keyboard: from the top of the page, Tab reaches the skip link first, and it shows.
        await page.reload()
        await page.keyboard.press('Tab')
        // (Expressions as strings: this project's TypeScript has no DOM types.)
        const focused = await page.evaluate(`(() => {
          const el = document.activeElement
          const r = el && el.getBoundingClientRect()
          return { text: el && el.textContent.trim(), href: el && el.getAttribute('href'), visible: !!r && r.left >= 0 && r.top >= 0 && r.width > 0 }
        })()`)
        expect(focused).toEqual({ text: 'Aller au contenu', href: '#contenu', visible: true })
        await screenshot(page, `home-skip-link-${label}`)
        await page.keyboard.press('Enter')
        expect(await page.evaluate('document.activeElement && document.activeElement.id')).toBe('contenu')

        // Logging out brings the login page back.
        await Promise.all([page.waitForURL(/\/connexion/), page.getByRole('button', { name: 'Se déconnecter', exact: true }).click()])
        await page.goto(`${t.baseUrl}/sites`)
        expect(new URL(page.url()).pathname).toBe('/connexion')

        expect(problems).toEqual([])
      } finally {
        await context.close()
      }
    })
  })
}

describe('« Mon compte » and « Se déconnecter partout »', () => {
  it('ends the session of another browser of the same person too', async () => {
    const laptop = await browser.newContext({ viewport: LAPTOP, locale: 'fr-FR' })
    const phone = await browser.newContext({ viewport: PHONE, locale: 'fr-FR' })
    try {
      const other = await phone.newPage()
      await loginThroughPage(other, t.baseUrl, 'direction.reims@demo.repere.test')
      const page = await laptop.newPage()
      const problems = watchProblems(page)
      await loginThroughPage(page, t.baseUrl, 'direction.reims@demo.repere.test')

      // The person's name in the header leads to their account page.
      await Promise.all([page.waitForURL(/\/compte$/), page.getByRole('link', { name: 'Marc Lefèvre' }).click()])
      expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Mon compte')
      expect(await overflowsHorizontally(page)).toBe(false)
      expect(await axeViolations(page, 'account')).toEqual([])
      await screenshot(page, 'account-1280')

      await Promise.all([
        page.waitForURL(/\/connexion\?statut=deconnecte-partout$/),
        page.getByRole('button', { name: 'Se déconnecter partout' }).click(),
      ])
      await expect(page.getByRole('status').textContent()).resolves.toContain('Vous êtes déconnecté de toutes vos sessions')
      expect(await axeViolations(page, 'logged out everywhere')).toEqual([])
      await screenshot(page, 'logged-out-everywhere-1280')

      // The phone's session is over as well.
      await other.goto(`${t.baseUrl}/sites`)
      expect(new URL(other.url()).pathname).toBe('/connexion')
      expect(problems).toEqual([])
    } finally {
      await laptop.close()
      await phone.close()
    }
  })
})

describe('the admin', () => {
  it('creates an account through the form and sees the temporary password once', async () => {
    const context = await browser.newContext({ viewport: LAPTOP, locale: 'fr-FR' })
    const page = await context.newPage()
    const problems = watchProblems(page)
    try {
      await loginThroughPage(page, t.baseUrl, 'admin@demo.repere.test')
      await page.getByRole('navigation', { name: 'Navigation principale' }).getByRole('link', { name: 'Utilisateurs', exact: true }).click()
      await page.waitForURL(/\/admin\/utilisateurs$/)
      expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Utilisateurs')
      expect(await axeViolations(page, 'admin users')).toEqual([])
      await screenshot(page, 'admin-users-1280')

      await page.getByRole('link', { name: 'Créer un compte' }).click()
      await page.waitForURL(/\/admin\/utilisateurs\/nouveau$/)
      expect(await axeViolations(page, 'admin new user')).toEqual([])
      await page.getByLabel('Nom et prénom').fill('Paul Nouveau')
      await page.getByLabel('Adresse e-mail professionnelle').fill('paul.nouveau@demo.repere.test')
      await page.getByLabel('Rôle').selectOption({ label: 'Conseiller·ère Mission Locale' })
      await page.getByLabel('Organisation').selectOption({ label: 'Mission Locale de Reims' })
      await screenshot(page, 'admin-new-user-1280')
      await Promise.all([page.waitForURL(/\/admin\/utilisateurs$/), page.getByRole('button', { name: 'Créer le compte' }).click()])

      expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Paul Nouveau')
      const secret = (await page.locator('code.secret').textContent())?.trim() ?? ''
      expect(secret).toMatch(/^\S{12,}$/)
      expect(page.url()).not.toContain(secret)
      await expect(page.getByText('Compte créé.').count()).resolves.toBe(1)
      expect(await axeViolations(page, 'admin user created')).toEqual([])
      await screenshot(page, 'admin-user-created-1280')

      // Reloading does not show it again (the POST is not replayed silently either: a new tab).
      const again = await context.newPage()
      await again.goto(`${t.baseUrl}/admin/utilisateurs`)
      await again.getByRole('link', { name: 'Paul Nouveau' }).click()
      await again.waitForURL(/\/admin\/utilisateurs\/[0-9a-f-]{36}$/)
      expect(await again.locator('code.secret').count()).toBe(0)
      expect(await again.content()).not.toContain(secret)

      // The new account logs in with it and must choose a password first.
      const fresh = await browser.newContext({ viewport: PHONE, locale: 'fr-FR' })
      try {
        const p = await fresh.newPage()
        await loginThroughPage(p, t.baseUrl, 'paul.nouveau@demo.repere.test', secret)
        expect(new URL(p.url()).pathname).toBe('/mot-de-passe')
        // Every other page leads back here: no navigation is offered, only the way out.
        expect(await p.getByRole('navigation', { name: 'Navigation principale' }).count()).toBe(0)
        expect(await p.getByRole('button', { name: 'Se déconnecter', exact: true }).count()).toBe(1)
        expect(await axeViolations(p, 'forced password change')).toEqual([])
        await screenshot(p, 'password-change-360')
      } finally {
        await fresh.close()
      }

      // An unknown address: the French 404 page (not a 403, even though no role rule matches).
      const missing = await page.goto(`${t.baseUrl}/nulle-part`)
      expect(missing?.status()).toBe(404)
      expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Page introuvable')
      expect(await axeViolations(page, '404')).toEqual([])
      await screenshot(page, 'not-found-1280')

      expect(problems).toEqual([])
    } finally {
      await context.close()
    }
  })
})

async function loginAttempt(page: import('../helpers/browser.ts').Page, email: string, password: string) {
  await page.getByLabel('Adresse e-mail professionnelle').fill(email)
  await page.getByLabel('Mot de passe').fill(password)
  await Promise.all([
    page.waitForLoadState('load'),
    page.waitForResponse((r) => r.request().method() === 'POST'),
    page.getByRole('button', { name: 'Se connecter' }).click(),
  ])
}
