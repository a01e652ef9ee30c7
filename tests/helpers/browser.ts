/**
 * Real-browser tests: Debian's chromium driven by playwright-core, axe-core for accessibility.
 * `startBrowserApp()` serves the real app on a random local port; `launchBrowser()` starts a
 * headless chromium with the flags that work in containers and CI.
 */
import { mkdir } from 'node:fs/promises'
import path from 'node:path'
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core'
import { AxeBuilder } from '@axe-core/playwright'
import { CHROMIUM_PATH } from '../../scripts/lib/prerequisites.ts'
import { DEMO_PASSWORD, startTestApp, type TestApp } from './app.ts'

export { CHROMIUM_PATH }
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
]
export const SHOTS_DIR = '/tmp/repere-shots'
export const WCAG_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']

/** Common viewports: a small phone and a laptop. */
export const PHONE = { width: 360, height: 740 }
export const LAPTOP = { width: 1280, height: 800 }

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS })
}

export type BrowserApp = TestApp & { baseUrl: string }

/** The real app (test database, seeded) listening on 127.0.0.1 at a random port. */
export async function startBrowserApp(overrides: Record<string, string> = {}): Promise<BrowserApp> {
  const t = await startTestApp(overrides)
  await t.app.listen({ port: 0, host: '127.0.0.1' })
  const address = t.app.server.address()
  if (!address || typeof address === 'string') {
    throw new Error('the app is not listening on a TCP port')
  }
  return { ...t, baseUrl: `http://127.0.0.1:${address.port}` }
}

/**
 * Collects what should never happen on a page: failed requests (a missing stylesheet, a
 * refused asset), HTTP errors on sub-resources, console errors (CSP violations, scripts).
 */
export function watchProblems(page: Page): string[] {
  const problems: string[] = []
  page.on('console', (msg) => {
    // "Failed to load resource" repeats an HTTP status: sub-resources are checked below, and a
    // document may rightly answer 401 (wrong password) or 404.
    if (msg.type() === 'error' && !msg.text().startsWith('Failed to load resource')) {
      problems.push(`console: ${msg.text()}`)
    }
  })
  page.on('pageerror', (err) => problems.push(`page error: ${err.message}`))
  page.on('requestfailed', (req) => {
    // ERR_ABORTED: the page navigated away while a request (often the favicon) was in flight.
    const error = req.failure()?.errorText ?? ''
    if (error !== 'net::ERR_ABORTED') {
      problems.push(`request failed: ${req.url()} ${error}`)
    }
  })
  page.on('response', (res) => {
    const type = res.request().resourceType()
    if (type !== 'document' && res.status() >= 400) {
      problems.push(`${type} ${res.url()} answered ${res.status()}`)
    }
  })
  return problems
}

/** Runs axe with the WCAG 2.1 A/AA rules; prints the violations so a failure says what to fix. */
export async function axeViolations(page: Page, label: string) {
  const result = await new AxeBuilder({ page }).withTags(WCAG_TAGS).analyze()
  if (result.violations.length) {
    const lines = result.violations.map(
      (v) =>
        `- [${v.impact}] ${v.id}: ${v.help}\n${v.nodes.map((n) => `    ${n.target.join(' ')} — ${n.failureSummary?.replace(/\n/g, ' ')}`).join('\n')}`,
    )
    console.log(`axe on ${label} (${page.url()}):\n${lines.join('\n')}`)
  }
  return result.violations.map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.map((n) => n.target.join(' ')) }))
}

/** Seriously wrong things only: axe's serious and critical violations. */
export async function seriousViolations(page: Page, label: string) {
  return (await axeViolations(page, label)).filter((v) => v.impact === 'serious' || v.impact === 'critical')
}

export async function screenshot(page: Page, name: string): Promise<string> {
  await mkdir(SHOTS_DIR, { recursive: true })
  const file = path.join(SHOTS_DIR, `${name}.png`)
  await page.screenshot({ path: file, fullPage: true })
  return file
}

/** Logs in through the real login page, as a person would. */
export async function loginThroughPage(page: Page, baseUrl: string, email: string, password = DEMO_PASSWORD): Promise<void> {
  if (!page.url().startsWith(`${baseUrl}/connexion`)) {
    await page.goto(`${baseUrl}/connexion`)
  }
  await page.getByLabel('Adresse e-mail professionnelle').fill(email)
  await page.getByLabel('Mot de passe').fill(password)
  await Promise.all([
    page.waitForURL((url) => !url.pathname.startsWith('/connexion')),
    page.getByRole('button', { name: 'Se connecter' }).click(),
  ])
}

/** True when the page scrolls sideways: content wider than the viewport (WCAG 1.4.10 reflow). */
export function overflowsHorizontally(page: Page): Promise<boolean> {
  // A string expression: this project's TypeScript has no DOM types.
  return page.evaluate<boolean>('document.documentElement.scrollWidth > window.innerWidth + 1')
}

export type { Browser, BrowserContext, Page }
