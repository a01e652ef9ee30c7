/**
 * An admin corrects the commune → Mission Locale mapping through the page: a wrong file shows
 * each error and changes nothing; a right one confirms the communes.
 */
import { mkdtemp, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  axeViolations,
  LAPTOP,
  launchBrowser,
  loginThroughPage,
  startBrowserApp,
  watchProblems,
  type Browser,
  type BrowserApp,
} from '../helpers/browser.ts'
import { csvFile } from '../helpers/imports.ts'

let t: BrowserApp
let browser: Browser
let dir: string

beforeAll(async () => {
  t = await startBrowserApp()
  browser = await launchBrowser()
  dir = await mkdtemp(path.join(tmpdir(), 'repere-communes-'))
})
afterAll(async () => {
  await browser?.close()
  await t?.close()
})

describe('commune mapping page', () => {
  it('shows each wrong row, then confirms a corrected file', async () => {
    const context = await browser.newContext({ viewport: LAPTOP, locale: 'fr-FR' })
    const page = await context.newPage()
    const problems = watchProblems(page)
    await loginThroughPage(page, t.baseUrl, 'admin@demo.repere.test')
    await page.goto(`${t.baseUrl}/admin/communes`)
    expect(await axeViolations(page, 'communes')).toEqual([])

    const wrong = path.join(dir, 'faux.csv')
    await writeFile(
      wrong,
      csvFile([
        ['insee_code', 'mission_locale'],
        ['51454', 'ml-reims'],
        ['99999', 'ml-reims'],
      ]),
    )
    await page.setInputFiles('#mapping-file', wrong)
    await page.getByRole('button', { name: 'Importer la correspondance' }).click()
    await expect.poll(() => page.locator('#mapping-message').textContent()).toContain('Ligne 3')
    expect(await page.locator('#mapping-message').textContent()).toContain('rien n’a été modifié')

    const right = path.join(dir, 'juste.csv')
    await writeFile(
      right,
      csvFile([
        ['insee_code', 'mission_locale'],
        ['51454', 'ml-reims'],
        ['51108', 'ml-chalons'],
      ]),
    )
    await page.setInputFiles('#mapping-file', right)
    await page.getByRole('button', { name: 'Importer la correspondance' }).click()
    await expect.poll(() => page.locator('#mapping-message').textContent()).toContain('2 commune(s) confirmée(s)')
    // The page reloads with the new counts.
    await page.getByRole('cell', { name: 'confirmé', exact: true }).first().waitFor({ timeout: 10_000 })
    // The 422 of the wrong file is an expected answer, not a page problem.
    expect(problems.filter((p) => !p.includes('/api/v1/communes/mapping answered 422'))).toEqual([])
    await context.close()
  })
})
