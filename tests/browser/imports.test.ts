/**
 * University staff upload an export through the real page, in a real browser, and follow the
 * real worker's progress until the page says « terminé ».
 */
import { writeFile, mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startWorkers, type Workers } from '../../workers/worker.ts'
import {
  axeViolations,
  launchBrowser,
  loginThroughPage,
  PHONE,
  screenshot,
  startBrowserApp,
  watchProblems,
  type Browser,
  type BrowserApp,
} from '../helpers/browser.ts'
import { csvFile, pseudo } from '../helpers/imports.ts'

let t: BrowserApp
let browser: Browser
let workers: Workers
let dir: string

beforeAll(async () => {
  t = await startBrowserApp()
  workers = startWorkers({ config: t.config, services: t.app.services, log: t.app.log })
  browser = await launchBrowser()
  dir = await mkdtemp(path.join(tmpdir(), 'repere-upload-'))
})
afterAll(async () => {
  await browser?.close()
  await workers?.close()
  await t?.close()
})

describe('import page', () => {
  it('uploads a Windows-1252 attendance export and shows progress until « terminé »', async () => {
    const rows: string[][] = [['Identifiant pseudonymisé', 'Code ELP', 'Type de séance', 'Date de séance', 'Statut présence']]
    for (let i = 0; i < 60_000; i++) {
      rows.push([
        pseudo(i % 3_000),
        `7DRT1${String(i % 40).padStart(2, '0')}`,
        'TD',
        `${String(1 + (i % 28)).padStart(2, '0')}/${String(9 + ((i >> 5) % 3))}/2026`,
        i % 5 ? 'P' : 'ABI',
      ])
    }
    const file = path.join(dir, 'assiduité-octobre.csv')
    await writeFile(file, csvFile(rows, { encoding: 'windows-1252' }))

    const context = await browser.newContext({ viewport: PHONE, locale: 'fr-FR' })
    const page = await context.newPage()
    const problems = watchProblems(page)
    await loginThroughPage(page, t.baseUrl, 'universite@demo.repere.test')
    await page.goto(`${t.baseUrl}/imports`)
    expect(await axeViolations(page, 'imports')).toEqual([])
    await page.getByLabel('Type de fichier').selectOption('assiduite')
    await page.setInputFiles('#file', file)
    await expect.poll(() => page.locator('#file-name').textContent()).toContain('assiduité-octobre.csv')
    await Promise.all([page.waitForURL(/\/imports\/[0-9a-f-]{36}$/), page.getByRole('button', { name: 'Envoyer le fichier' }).click()])
    // The page follows the worker, then shows the final counts.
    await page.getByText('terminé', { exact: true }).waitFor({ timeout: 60_000 })
    await expect.poll(() => page.locator('[data-count="rowsLoaded"]').textContent()).toMatch(/60\s000/)
    await screenshot(page, 'import-done-phone')
    expect(await axeViolations(page, 'import page')).toEqual([])
    expect(problems).toEqual([])
    await context.close()
  })

  it('asks for the columns of an unknown layout, loads it, and lets staff abandon a wrong file', async () => {
    const odd = path.join(dir, 'export-maison.csv')
    await writeFile(
      odd,
      csvFile([
        ['Etudiant', 'Cours', 'Quand', 'Présence'],
        [pseudo(9001), '7DRT101', '07/10/2026', 'ABI'],
        [pseudo(9002), '7DRT101', '07/10/2026', 'P'],
      ]),
    )
    const context = await browser.newContext({ viewport: PHONE, locale: 'fr-FR' })
    const page = await context.newPage()
    const problems = watchProblems(page)
    await loginThroughPage(page, t.baseUrl, 'universite@demo.repere.test')
    const uploadFile = async (file: string) => {
      await page.goto(`${t.baseUrl}/imports`)
      await page.getByLabel('Type de fichier').selectOption('assiduite')
      await page.setInputFiles('#file', file)
      await Promise.all([page.waitForURL(/\/correspondance$/), page.getByRole('button', { name: 'Envoyer le fichier' }).click()])
    }
    await uploadFile(odd)
    expect(await axeViolations(page, 'mapping')).toEqual([])
    await page.getByLabel(/Identifiant pseudonymisé/).selectOption('Etudiant')
    await page.getByLabel(/Code élément pédagogique/).selectOption('Cours')
    await page.getByLabel(/Date de la séance/).selectOption('Quand')
    await page.getByLabel(/Statut de présence/).selectOption('Présence')
    await Promise.all([page.waitForURL(/\/imports\/[0-9a-f-]{36}$/), page.getByRole('button', { name: 'Lancer l’import' }).click()])
    await page.getByText('terminé', { exact: true }).waitFor({ timeout: 30_000 })
    await expect.poll(() => page.locator('[data-count="rowsLoaded"]').textContent()).toBe('2')

    // A file with other headers again: this time, abandon it.
    const other = path.join(dir, 'autre-export.csv')
    await writeFile(
      other,
      csvFile([
        ['A', 'B', 'C', 'D'],
        ['x', 'y', '07/10/2026', 'P'],
      ]),
    )
    await uploadFile(other)
    await Promise.all([page.waitForURL(/\/imports\/[0-9a-f-]{36}$/), page.getByRole('button', { name: 'Abandonner cet import' }).click()])
    await expect.poll(() => page.locator('#status-label').textContent()).toBe('abandonné')
    await expect.poll(() => page.getByRole('alert').first().textContent()).toContain('rien n’a été chargé')
    expect(problems).toEqual([])
    await context.close()
  })
})
