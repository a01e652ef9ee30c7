/**
 * The risk pages in a real browser (issue #8): university staff filter the risk list, open a
 * student, see the chart and the reasons; an admin reads a trained model's page. axe finds no
 * violation; nothing overflows sideways at 360 px. Screenshots go to /tmp/repere-shots.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startWorkers, type Workers } from '../../workers/worker.ts'
import { apiToken } from '../helpers/app.ts'
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
import { csvFile, pseudo, upload, waitForImport } from '../helpers/imports.ts'

let t: BrowserApp
let browser: Browser
let workers: Workers
let urca: string
const YEAR = '2026/2027'

const drifting = Array.from({ length: 8 }, (_, i) => pseudo(1000 + i))
const steady = Array.from({ length: 16 }, (_, i) => pseudo(3000 + i))

const mondays = (from: string, count: number) =>
  Array.from({ length: count }, (_, i) => new Date(Date.parse(`${from}T00:00:00Z`) + i * 7 * 86_400_000).toISOString().slice(0, 10))
const fr = (iso: string) => iso.split('-').reverse().join('/')

async function until(check: () => Promise<boolean>, what: string): Promise<void> {
  const end = Date.now() + 30_000
  while (!(await check())) {
    if (Date.now() > end) {
      throw new Error(`timed out waiting for ${what}`)
    }
    await new Promise((r) => setTimeout(r, 100))
  }
}

beforeAll(async () => {
  t = await startBrowserApp({ SCORE_DEBOUNCE_MS: '300', SCORE_AS_OF: '2026-11-22', SCORE_BATCH_SIZE: '10' })
  workers = startWorkers({ config: t.config, services: t.app.services, log: t.app.log })
  browser = await launchBrowser()
  urca = t.orgIds.get('urca')!
  const token = await apiToken(t.app, 'universite@demo.repere.test')
  const everyone = [...drifting, ...steady]
  const etudiants = [
    [
      'id_pseudo',
      'annee_univ',
      'composante',
      'code_etape',
      'niveau',
      'campus',
      'boursier',
      'date_inscription',
      'statut_ip',
      'commune_insee',
    ],
    ...everyone.map((p, i) => [
      p,
      YEAR,
      i % 2 ? 'UFR Droit et Science politique' : 'UFR Sciences exactes et naturelles',
      i % 2 ? 'SLDRO1' : 'SLBIO1',
      'L1',
      i % 3 ? 'Reims Moulin de la Housse' : 'Campus Croix-Rouge',
      i % 4 ? 'N' : 'O',
      '08/09/2026',
      'O',
      i % 5 ? '51454' : '51230',
    ]),
  ]
  const sessions: string[][] = [['id_pseudo', 'code_elp', 'type_seance', 'date_seance', 'statut_presence']]
  for (const [i, p] of everyone.entries()) {
    for (const day of mondays('2026-09-07', 11)) {
      const status = drifting.includes(p) && day >= (i % 2 ? '2026-10-19' : '2026-11-02') ? 'ABI' : 'P'
      sessions.push([p, '7BIO101', 'TD', fr(day), status])
    }
  }
  for (const [kind, rows] of [
    ['etudiants', etudiants],
    ['assiduite', sessions],
  ] as const) {
    const res = await upload(t.app, token, kind, csvFile(rows))
    expect((await waitForImport(t.app, token, res.json().id)).status).toBe('succeeded')
  }
  // The imports' debounced runs may overlap on a busy machine (a later run rewrites rows an
  // earlier one is still writing): let them all end, then score once more, alone.
  const busy = async () =>
    (await t.database.sql`SELECT 1 FROM score_runs WHERE university_id = ${urca} AND status IN ('pending', 'running')`).length > 0
  await until(
    async () => (await t.database.sql`SELECT 1 FROM score_requests WHERE university_id = ${urca}`).length >= 2,
    'both imports asking for scoring',
  )
  await new Promise((r) => setTimeout(r, 300)) // between the trace and the pending run
  await until(async () => !(await busy()), 'the imports’ score runs')
  await t.app.services.scoring.requestCohortScore({ universityId: urca, academicYear: YEAR }, 'manual')
  await until(async () => !(await busy()), 'the last score run')
  // Two earlier weeks of history, so the chart has a trend to draw.
  for (const [days, factor] of [
    [14, 0.3],
    [7, 0.6],
  ] as const) {
    await t.database.sql`
      INSERT INTO risk_scores (student_id, university_id, academic_year, model_id, model_version, as_of, snapshot_id, probability, band, coverage, reasons, missing, features)
      SELECT student_id, university_id, academic_year, model_id, model_version, as_of - ${days}::int, 0, probability * ${factor},
             CASE WHEN probability * ${factor} >= 0.4 THEN 'eleve' WHEN probability * ${factor} >= 0.2 THEN 'moyen' ELSE 'faible' END::risk_band,
             coverage, reasons, missing, features
      FROM risk_scores WHERE university_id = ${urca} AND as_of = '2026-11-22'`
  }
})
afterAll(async () => {
  await browser?.close()
  await workers?.close()
  await t?.close()
})

describe('risk pages', () => {
  it('staff filter the risk list, open a student, see the chart and the reasons', async () => {
    const context = await browser.newContext({ viewport: LAPTOP, locale: 'fr-FR' })
    const page = await context.newPage()
    const problems = watchProblems(page)
    await loginThroughPage(page, t.baseUrl, 'universite@demo.repere.test')
    await page.getByRole('link', { name: 'Voir la liste de risque' }).click()
    await page.waitForURL(`${t.baseUrl}/risque`)
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Liste de risque de décrochage')
    expect(await page.locator('.risk-table tbody tr').count()).toBe(24)
    expect(await seriousViolations(page, 'risk list')).toEqual([])
    await screenshot(page, 'risk-list-1280')

    await page.getByLabel('Niveau de risque').selectOption('eleve')
    await page.getByLabel('Composante').selectOption('UFR Droit et Science politique')
    await Promise.all([page.waitForURL(/bande=eleve/), page.getByRole('button', { name: 'Filtrer' }).click()])
    const shown = await page.locator('.risk-table a.pseudo').allTextContents()
    expect(shown.length).toBe(4)
    expect(shown.every((p) => drifting.includes(p))).toBe(true)
    expect(await page.getByLabel('Niveau de risque').inputValue()).toBe('eleve')
    expect(await page.getByRole('link', { name: 'Exporter en CSV (tableur)' }).getAttribute('href')).toContain('band=eleve')
    await screenshot(page, 'risk-list-filtered-1280')

    await page.locator('.risk-table a.pseudo').first().click()
    await page.waitForURL(/\/risque\/etudiants\/\d+$/)
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toContain(shown[0]!)
    const chart = page.getByRole('img', { name: 'Évolution du score de risque' })
    expect(await chart.count()).toBe(1)
    expect(await chart.locator('circle').count()).toBe(3)
    expect(await page.locator('ol.reasons li').count()).toBe(3)
    expect(await page.locator('ol.reasons').textContent()).toContain('assiduité')
    expect(await page.getByRole('table', { name: 'Scores successifs, du plus récent au plus ancien' }).locator('tbody tr').count()).toBe(3)
    expect(await page.getByText('résultats : aucun connu à ce jour').count()).toBe(1)
    expect(await seriousViolations(page, 'student page')).toEqual([])
    await screenshot(page, 'risk-student-1280')

    // A phone: the same pages, nothing wider than the screen.
    await page.setViewportSize(PHONE)
    expect(await overflowsHorizontally(page)).toBe(false)
    await screenshot(page, 'risk-student-360')
    await page.goto(`${t.baseUrl}/risque`)
    expect(await overflowsHorizontally(page)).toBe(false)
    expect(await seriousViolations(page, 'risk list, phone')).toEqual([])
    await screenshot(page, 'risk-list-360')
    expect(problems).toEqual([])
    await context.close()
  })

  it('an admin reads a trained model’s page: metrics, calibration, groups, activation', async () => {
    // A labelled past year: 240 students with results and outcomes.
    let x = 5
    const random = () => (x = (x * 1103515245 + 12345) % 2147483648) / 2147483648
    const created = await t.database.sql<{ id: number }[]>`
      INSERT INTO students ${t.database.sql(Array.from({ length: 240 }, (_, i) => ({ university_id: urca, pseudo_id: pseudo(5000 + i) })))}
      RETURNING id`
    const enrolments = []
    const results = []
    const outcomes = []
    for (const [i, { id }] of created.entries()) {
      enrolments.push({
        student_id: id,
        academic_year: '2025/2026',
        level: 'L1',
        campus: i % 3 ? 'Reims Moulin de la Housse' : 'Campus Croix-Rouge',
        grant_holder: i % 2 === 0,
      })
      const weak = random() < 0.35
      for (const unit of ['7BIO101', '7BIO102', '7BIO201', '7BIO202']) {
        const grade = Math.round((weak ? 4 + random() * 8 : 9 + random() * 8) * 100) / 100
        const ok = grade >= 10
        results.push({
          student_id: id,
          academic_year: '2025/2026',
          course_unit: unit,
          session: 1,
          grade,
          result_raw: ok ? 'ADM' : 'AJ',
          result: ok ? 'admitted' : 'failed',
          ects: ok ? 6 : 0,
        })
      }
      outcomes.push({ student_id: id, academic_year: '2025/2026', outcome: random() < (weak ? 0.7 : 0.08) ? 'abandon' : 'reinscrit' })
    }
    await t.database.sql`INSERT INTO enrolments ${t.database.sql(enrolments)}`
    await t.database.sql`INSERT INTO results ${t.database.sql(results)}`
    await t.database.sql`INSERT INTO outcomes ${t.database.sql(outcomes)}`

    const context = await browser.newContext({ viewport: LAPTOP, locale: 'fr-FR' })
    const page = await context.newPage()
    const problems = watchProblems(page)
    await loginThroughPage(page, t.baseUrl, 'admin@demo.repere.test')
    await page.getByRole('link', { name: 'Modèles de risque' }).click()
    await page.waitForURL(/\/modeles/)
    await page.getByLabel('Année universitaire', { exact: true }).fill('2025/2026')
    await page.getByLabel('Semaine de l’année universitaire (facultatif)').fill('44')
    await Promise.all([page.waitForURL(/\/modeles\/[0-9a-f-]{36}$/), page.getByRole('button', { name: 'Lancer l’entraînement' }).click()])
    const id = page.url().split('/').at(-1)!
    await until(async () => (await t.database.sql`SELECT status FROM models WHERE id = ${id}`)[0]?.status === 'trained', 'the training')
    await page.reload()
    expect(await page.getByRole('heading', { name: 'Mesures hors échantillon' }).count()).toBe(1)
    expect(await page.getByRole('img', { name: 'Calibration : probabilité prédite et taux observé' }).count()).toBe(1)
    expect(await page.getByRole('heading', { name: 'Écarts entre groupes' }).count()).toBe(1)
    expect(await seriousViolations(page, 'model page')).toEqual([])
    await screenshot(page, 'model-1280')
    await page.setViewportSize(PHONE)
    expect(await overflowsHorizontally(page)).toBe(false)
    await screenshot(page, 'model-360')
    await page.setViewportSize(LAPTOP)

    await Promise.all([page.waitForURL(/statut=active/), page.getByRole('button', { name: 'Activer ce modèle' }).click()])
    expect(await page.getByRole('status').textContent()).toContain('Ce modèle est maintenant actif')
    await page.goto(`${t.baseUrl}/modeles`)
    expect(await seriousViolations(page, 'models list')).toEqual([])
    await screenshot(page, 'models-1280')
    await page.setViewportSize(PHONE)
    expect(await overflowsHorizontally(page)).toBe(false)
    await screenshot(page, 'models-360')
    expect(problems).toEqual([])
    await context.close()
  })
})
