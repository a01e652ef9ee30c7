/**
 * The risk pages and their JSON twins (issue #8), on the real app, worker, PostgreSQL and Redis:
 * real imports → score.cohort → the risk list (page, API, CSV) in the expected order, filters and
 * keyset pages, the student page with its chart, the audit log, the model pages and API; a
 * university's staff never see another university's scores; counsellors and managers get 404 on
 * every scoring route.
 */
import type { RouteOptions } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startWorkers, type Workers } from '../../workers/worker.ts'
import { apiToken, loginWithForm, startTestApp, type TestApp } from '../helpers/app.ts'
import { csvFile, pseudo, upload, waitForImport } from '../helpers/imports.ts'

let t: TestApp
let workers: Workers
const tokens: Record<string, string> = {}
let urca: string
let staffCookie: string
const routes: RouteOptions[] = []
const YEAR = '2026/2027'

// Three groups of ten: drifting (absent from late October), mild (one justified absence), steady.
const drifting = Array.from({ length: 10 }, (_, i) => pseudo(1000 + i))
const mild = Array.from({ length: 10 }, (_, i) => pseudo(2000 + i))
const steady = Array.from({ length: 10 }, (_, i) => pseudo(3000 + i))

const mondays = (from: string, count: number) =>
  Array.from({ length: count }, (_, i) => new Date(Date.parse(`${from}T00:00:00Z`) + i * 7 * 86_400_000).toISOString().slice(0, 10))
const fr = (iso: string) => iso.split('-').reverse().join('/')
const bearer = (role: string) => ({ authorization: `Bearer ${tokens[role]}` })

type ListJson = {
  universityId: string
  run: { id: number; asOf: string; model: { version: string } | null } | null
  counts: Record<string, number>
  items: {
    studentId: number
    pseudoId: string
    band: string
    rank: number | null
    reasons: { text: string }[]
    faculty: string | null
    links: { page: string }
  }[]
  nextCursor: string | null
}

async function list(query = '', role = 'university_staff') {
  const res = await t.app.inject({ url: `/api/v1/risk-scores${query}`, headers: bearer(role) })
  expect(res.statusCode, res.body).toBe(200)
  return res.json<ListJson>()
}

/** Polls until `check` is true (expect.poll works only inside a test). */
async function waitUntil(check: () => Promise<boolean>, what: string, ms = 30_000): Promise<void> {
  const end = Date.now() + ms
  while (!(await check())) {
    if (Date.now() > end) {
      throw new Error(`timed out waiting for ${what}`)
    }
    await new Promise((r) => setTimeout(r, 100))
  }
}

beforeAll(async () => {
  t = await startTestApp(
    { SCORE_DEBOUNCE_MS: '500', SCORE_AS_OF: '2026-11-22', SCORE_BATCH_SIZE: '10' },
    { onRoute: (r) => routes.push(r) },
  )
  workers = startWorkers({ config: t.config, services: t.app.services, log: t.app.log })
  const accounts = {
    university_staff: 'universite@demo.repere.test',
    admin: 'admin@demo.repere.test',
    counsellor: 'conseil.reims@demo.repere.test',
    ml_manager: 'direction.reims@demo.repere.test',
  }
  for (const [role, email] of Object.entries(accounts)) {
    tokens[role] = await apiToken(t.app, email)
  }
  urca = t.orgIds.get('urca')!
  staffCookie = (await loginWithForm(t.app, accounts.university_staff)).cookie

  const everyone = [...drifting, ...mild, ...steady]
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
      // One faculty name a spreadsheet would run as a formula: the export must defuse it.
      i % 2 === 0 ? 'UFR Sciences' : '=HYPERLINK("http://x")',
      i % 2 === 0 ? 'SLBIO1' : 'SLDRO1',
      'L1',
      i % 3 === 0 ? 'Campus Croix-Rouge' : 'Reims Moulin de la Housse',
      'N',
      '08/09/2026',
      'O',
      '51454',
    ]),
  ]
  const sessions: string[][] = [['id_pseudo', 'code_elp', 'type_seance', 'date_seance', 'statut_presence']]
  for (const p of everyone) {
    for (const day of mondays('2026-09-07', 11)) {
      let status = 'P'
      if (drifting.includes(p) && day >= '2026-10-26') {
        status = 'ABI'
      } else if (mild.includes(p) && day === '2026-11-09') {
        status = 'ABJ'
      }
      sessions.push([p, '7BIO101', 'TD', fr(day), status])
    }
  }
  const token = tokens.university_staff!
  const a = await upload(t.app, token, 'etudiants', csvFile(etudiants))
  expect((await waitForImport(t.app, token, a.json().id)).status).toBe('succeeded')
  const b = await upload(t.app, token, 'assiduite', csvFile(sessions))
  expect((await waitForImport(t.app, token, b.json().id)).status).toBe('succeeded')
  // The imports' debounced runs may overlap on a busy machine (a later run rewrites rows an
  // earlier one is still writing): let them all end, then score once more, alone.
  const busy = async () =>
    (await t.database.sql`SELECT 1 FROM score_runs WHERE university_id = ${urca} AND status IN ('pending', 'running')`).length > 0
  await waitUntil(
    async () => (await t.database.sql`SELECT 1 FROM score_requests WHERE university_id = ${urca}`).length >= 2,
    'both imports asking for scoring',
  )
  await new Promise((r) => setTimeout(r, 300)) // between the trace and the pending run
  await waitUntil(async () => !(await busy()), 'the imports’ score runs')
  await t.app.services.scoring.requestCohortScore({ universityId: urca, academicYear: YEAR }, 'manual')
  await waitUntil(async () => !(await busy()), 'the last score run')
})
afterAll(async () => {
  await workers?.close()
  await t?.close()
})

describe('the risk list, API and page', () => {
  it('lists the cohort in the expected order: drifting, then mild, then steady', async () => {
    const body = await list('?limit=100')
    expect(body.universityId).toBe(urca)
    expect(body.run?.asOf).toBe('2026-11-22')
    expect(body.run?.model?.version).toBe('expert-1')
    expect(body.items).toHaveLength(30)
    expect(new Set(body.items.slice(0, 10).map((r) => r.pseudoId))).toEqual(new Set(drifting))
    expect(new Set(body.items.slice(10, 20).map((r) => r.pseudoId))).toEqual(new Set(mild))
    expect(new Set(body.items.slice(20).map((r) => r.pseudoId))).toEqual(new Set(steady))
    expect(body.items[0]!.band).toBe('eleve')
    expect(body.items[0]!.reasons).toHaveLength(3)
    expect(body.counts.eleve).toBeGreaterThanOrEqual(10)
    expect(body.nextCursor).toBeNull()

    const page = await t.app.inject({ url: '/risque', headers: { cookie: staffCookie } })
    expect(page.statusCode).toBe(200)
    const order = [...page.body.matchAll(/class="pseudo">([^<]+)</g)].map((m) => m[1])
    expect(order).toEqual(body.items.map((r) => r.pseudoId))
    expect(page.body).toContain('assiduité de 0\u00a0% sur les 4 dernières semaines')
  })

  it('filters (band, faculty, campus, territory) and sorts; keyset pages return every row once', async () => {
    const high = await list('?band=eleve&limit=100')
    expect(high.items.length).toBeGreaterThan(0)
    expect(high.items.every((r) => r.band === 'eleve')).toBe(true)
    const sciences = await list(`?faculty=${encodeURIComponent('UFR Sciences')}&limit=100`)
    expect(sciences.items).toHaveLength(15)
    expect(sciences.items.every((r) => r.faculty === 'UFR Sciences')).toBe(true)
    const campus = await list(`?campus=${encodeURIComponent('Campus Croix-Rouge')}&limit=100`)
    expect(campus.items).toHaveLength(10)
    const reims = await list(`?territoryId=${t.orgIds.get('ml-reims')}&limit=100`)
    expect(reims.items).toHaveLength(30)
    const epernay = await list(`?territoryId=${t.orgIds.get('ml-epernay')}&limit=100`)
    expect(epernay.items).toHaveLength(0)
    const none = await list('?band=non_evaluable')
    expect(none.items).toHaveLength(0)

    const all = (await list('?limit=100')).items.map((r) => r.pseudoId)
    const ascending = (await list('?limit=100&sort=risk_asc')).items.map((r) => r.pseudoId)
    expect(new Set(ascending.slice(0, 10))).toEqual(new Set(steady))
    expect(new Set(ascending.slice(20))).toEqual(new Set(drifting))

    const seen: string[] = []
    let cursor: string | null = null
    do {
      const res: ListJson = await list(`?limit=7${cursor ? `&after=${cursor}` : ''}`)
      seen.push(...res.items.map((r) => r.pseudoId))
      cursor = res.nextCursor
    } while (cursor)
    expect(seen).toEqual(all)

    // The page keeps the filters in its "next" link.
    const page = await t.app.inject({ url: '/risque?bande=eleve&composante=UFR+Sciences', headers: { cookie: staffCookie } })
    expect(page.statusCode).toBe(200)
    const shown = [...page.body.matchAll(/class="pseudo">([^<]+)</g)].map((m) => m[1])
    expect(shown.length).toBeGreaterThan(0)
    expect(shown.every((p) => drifting.includes(p!))).toBe(true)
    // Handlebars escapes `=` in attributes; the browser reads it back.
    expect(page.body).toContain('href="/api/v1/risk-scores.csv?band&#x3D;eleve&amp;faculty&#x3D;UFR+Sciences"')
  })

  it('exports CSV: UTF-8 with a BOM, `;`, formula cells defused, in the list’s order', async () => {
    const res = await t.app.inject({ url: '/api/v1/risk-scores.csv', headers: { cookie: staffCookie } })
    expect(res.statusCode).toBe(200)
    expect(res.headers['content-type']).toBe('text/csv; charset=utf-8')
    expect(res.headers['content-disposition']).toMatch(/^attachment; filename="liste-risque-2026-2027-/)
    expect(res.rawPayload.subarray(0, 3)).toEqual(Buffer.from([0xef, 0xbb, 0xbf]))
    const lines = res.body
      .replace(/^\uFEFF/, '')
      .trimEnd()
      .split('\r\n')
    expect(lines[0]).toMatch(/^Rang;Identifiant pseudonymisé;Probabilité \(%\);Niveau de risque;Raison 1;/)
    expect(lines).toHaveLength(31)
    const ids = lines.slice(1).map((l) => l.split(';')[1])
    expect(ids).toEqual((await list('?limit=100')).items.map((r) => r.pseudoId))
    expect(res.body).toContain(`"'=HYPERLINK(""http://x"")"`)
    expect(res.body).not.toMatch(/;=HYPERLINK|;"=HYPERLINK/)
    expect(lines[1]).toMatch(/;élevé;/)
  })

  it('the student page: chart with title and description, reasons, data used; API twin; both audited', async () => {
    const top = (await list('?limit=1')).items[0]!
    const before = Number((await t.database.sql`SELECT count(*)::int AS n FROM audit_log WHERE action = 'risk_scores.read'`)[0]!.n)
    const page = await t.app.inject({ url: top.links.page, headers: { cookie: staffCookie } })
    expect(page.statusCode).toBe(200)
    expect(page.body).toContain(top.pseudoId)
    expect(page.body).toMatch(/<svg class="chart"[^>]*role="img"[^>]*aria-labelledby="historique-titre historique-desc"/)
    expect(page.body).toContain('<title id="historique-titre">Évolution du score de risque</title>')
    expect(page.body).toMatch(
      /<desc id="historique-desc">Probabilité de décrochage estimée à chaque calcul : 22 nov\. : (?:&#6[02]; )?\d+\u00a0%/,
    )
    expect(page.body).toContain('<caption>Scores successifs, du plus récent au plus ancien</caption>')
    for (const r of top.reasons) {
      expect(page.body).toContain(r.text)
    }
    expect(page.body).toContain('Assiduité sur 4 semaines')
    expect(page.body).toContain('résultats : aucun connu à ce jour')

    const api = await t.app.inject({ url: `/api/v1/students/${top.studentId}/risk-scores`, headers: bearer('university_staff') })
    expect(api.statusCode).toBe(200)
    const json = api.json<{ student: { pseudoId: string }; scores: { band: string; features: Record<string, unknown> }[] }>()
    expect(json.student.pseudoId).toBe(top.pseudoId)
    expect(json.scores).toHaveLength(1)
    expect(json.scores[0]!.band).toBe('eleve')
    expect(json.scores[0]!.features.attendance_rate_4w).toBe(0)

    const audited = await t.database.sql<{ entity_id: string; actor_user_id: string | null }[]>`
      SELECT entity_id, actor_user_id FROM audit_log WHERE action = 'risk_scores.read' ORDER BY id`
    expect(audited.length).toBe(before + 2)
    expect(audited.at(-1)!.entity_id).toBe(String(top.studentId))
    expect(audited.at(-1)!.actor_user_id).not.toBeNull()
    const lists = await t.database.sql`SELECT details FROM audit_log WHERE action = 'risk_scores.list'`
    expect(lists.length).toBeGreaterThan(0)
    const exports = await t.database.sql<{ details: { rows: number } }[]>`SELECT details FROM audit_log WHERE action = 'risk_scores.export'`
    expect(exports.at(-1)!.details.rows).toBe(30)
    // No pseudonym in the audit details: ids and codes only.
    const details = JSON.stringify(
      (await t.database.sql`SELECT details FROM audit_log WHERE action LIKE 'risk_scores.%'`).map((r) => r.details),
    )
    expect(details).not.toContain(top.pseudoId)
  })

  it('the university home page and the navigation lead to the risk list', async () => {
    const home = await t.app.inject({ url: '/', headers: { cookie: staffCookie } })
    expect(home.body).toContain('href="/risque"')
    expect(home.body).toMatch(/<p class="figure">\d+<\/p>\s*<p>étudiants? à risque élevé au 22/)
  })
})

describe('scoping and roles', () => {
  let otherStudent: number
  let otherUniversity: string
  let otherToken: string

  beforeAll(async () => {
    const [org] = await t.database.sql<{ id: string }[]>`
      INSERT INTO organisations (kind, slug, name, short_name) VALUES ('university', 'autre-univ', 'Autre université', 'AU') RETURNING id`
    otherUniversity = org!.id
    await t.database.sql`
      INSERT INTO users (email, full_name, role, organisation_id, password_hash)
      SELECT 'staff@autre-univ.test', 'Personnel Autre', 'university_staff', ${otherUniversity}, password_hash
      FROM users WHERE email = 'universite@demo.repere.test'`
    otherToken = await apiToken(t.app, 'staff@autre-univ.test')
    const [s] = await t.database.sql<{ id: number }[]>`
      INSERT INTO students (university_id, pseudo_id) VALUES (${otherUniversity}, ${pseudo(9000)}) RETURNING id`
    otherStudent = Number(s!.id)
    await t.database.sql`INSERT INTO enrolments (student_id, academic_year, level) VALUES (${otherStudent}, ${YEAR}, 'L1')`
    await t.app.services.scoring.requestCohortScore({ universityId: otherUniversity, academicYear: YEAR }, 'manual')
    await waitUntil(
      async () =>
        (await t.database.sql`SELECT 1 FROM score_runs WHERE university_id = ${otherUniversity} AND status = 'succeeded'`).length > 0,
      'the other university’s run',
    )
  })

  it('a university’s staff never see another university’s scores', async () => {
    const mine = (await list('?limit=1')).items[0]!
    // Their own list holds only their student, whatever they ask.
    const theirs = await t.app.inject({ url: '/api/v1/risk-scores?limit=100', headers: { authorization: `Bearer ${otherToken}` } })
    expect(theirs.json<ListJson>().items.map((r) => r.pseudoId)).toEqual([pseudo(9000)])
    const urls = [
      `/api/v1/risk-scores?universityId=${urca}`,
      `/api/v1/risk-scores.csv?universityId=${urca}`,
      `/api/v1/students/${mine.studentId}/risk-scores`,
    ]
    for (const url of urls) {
      const res = await t.app.inject({ url, headers: { authorization: `Bearer ${otherToken}` } })
      expect(res.statusCode, url).toBe(404)
    }
    const res = await t.app.inject({ url: `/api/v1/students/${otherStudent}/risk-scores`, headers: bearer('university_staff') })
    expect(res.statusCode).toBe(404)
    const page = await t.app.inject({ url: `/risque/etudiants/${otherStudent}`, headers: { cookie: staffCookie } })
    expect(page.statusCode).toBe(404)
    expect(page.body).toContain('Page introuvable')
    // An admin sees both, and the other one's student is "non évaluable", never "faible".
    const adminView = await list(`?universityId=${otherUniversity}`, 'admin')
    expect(adminView.items.map((r) => r.band)).toEqual(['non_evaluable'])
  })

  it('counsellors and managers get 404 on every scoring route; staff get 404 on the model routes', async () => {
    const scoring = routes.filter(
      (r) => r.method !== 'HEAD' && /^\/(risque|modeles)|^\/api\/v1\/(risk-scores|students\/:studentId\/risk-scores|models)/.test(r.url),
    )
    expect(scoring.length).toBeGreaterThanOrEqual(12)
    const fill = (url: string) => url.replace(':studentId', '1').replace(':id', '00000000-0000-4000-8000-000000000000')
    const checked: string[] = []
    for (const r of scoring) {
      for (const method of (Array.isArray(r.method) ? r.method : [r.method]).filter((m) => m !== 'HEAD')) {
        const roles =
          r.url.includes('model') || r.url.startsWith('/modeles')
            ? ['counsellor', 'ml_manager', 'university_staff']
            : ['counsellor', 'ml_manager']
        for (const role of roles) {
          const res = await t.app.inject({ method: method as 'GET', url: fill(r.url), headers: bearer(role) })
          expect(res.statusCode, `${method} ${r.url} as ${role}`).toBe(404)
          checked.push(`${method} ${r.url}`)
        }
      }
    }
    expect(new Set(checked).size).toBe(scoring.length)
    // The navigation does not offer them either.
    const counsellor = await loginWithForm(t.app, 'conseil.reims@demo.repere.test')
    const home = await t.app.inject({ url: '/', headers: { cookie: counsellor.cookie } })
    expect(home.body).not.toContain('/risque')
  })
})

describe('models: API and pages', () => {
  it('lists, trains on a past year, never activates by itself; an admin compares and activates', async () => {
    // 2025/2026: 200 students with results and outcomes (failing students drop out more).
    let x = 11
    const random = () => (x = (x * 1103515245 + 12345) % 2147483648) / 2147483648
    const created = await t.database.sql<{ id: number }[]>`
      INSERT INTO students ${t.database.sql(Array.from({ length: 200 }, (_, i) => ({ university_id: urca, pseudo_id: pseudo(5000 + i) })))}
      RETURNING id`
    const enrolments = []
    const results = []
    const outcomes = []
    for (const [i, { id }] of created.entries()) {
      enrolments.push({
        student_id: id,
        academic_year: '2025/2026',
        level: 'L1',
        campus: i % 2 ? 'Reims Moulin de la Housse' : 'Campus Croix-Rouge',
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

    const models = await t.app.inject({ url: `/api/v1/models?universityId=${urca}`, headers: bearer('admin') })
    expect(models.statusCode).toBe(200)
    const expert = models.json<{ version: string; active: boolean }[]>()
    expect(expert.map((m) => [m.version, m.active])).toEqual([['expert-1', true]])

    const train = await t.app.inject({
      method: 'POST',
      url: '/api/v1/models',
      headers: bearer('admin'),
      payload: { universityId: urca, academicYear: '2025/2026', asOfWeek: 44 },
    })
    expect(train.statusCode, train.body).toBe(202)
    const requested = train.json<{ id: string; status: string; links: { page: string } }>()
    expect(requested.status).toBe('training')
    await expect
      .poll(async () => (await t.database.sql`SELECT status FROM models WHERE id = ${requested.id}`)[0]?.status, { timeout: 30_000 })
      .toBe('trained')
    const one = (await t.app.inject({ url: `/api/v1/models/${requested.id}`, headers: bearer('admin') })).json<{
      active: boolean
      metrics: { auc: number; brier: number }
      calibration: unknown[]
      groupRates: { group: string; warning: boolean }[]
    }>()
    expect(one.active).toBe(false)
    expect(one.metrics.auc).toBeGreaterThan(0.7)
    expect(one.calibration).toHaveLength(10)
    expect(one.groupRates.some((g) => g.group === 'campus')).toBe(true)

    const admin = await loginWithForm(t.app, 'admin@demo.repere.test')
    const page = await t.app.inject({ url: requested.links.page, headers: { cookie: admin.cookie } })
    expect(page.statusCode).toBe(200)
    expect(page.body).toContain('Mesures hors échantillon')
    expect(page.body).toContain('<title id="calibration-titre">Calibration : probabilité prédite et taux observé</title>')
    expect(page.body).toContain('Écarts entre groupes')
    expect(page.body).toContain('Activer ce modèle')
    const list = await t.app.inject({ url: `/modeles?universite=${urca}`, headers: { cookie: admin.cookie } })
    expect(list.body).toContain(requested.id)

    const activate = await t.app.inject({ method: 'POST', url: `/api/v1/models/${requested.id}/activate`, headers: bearer('admin') })
    expect(activate.statusCode).toBe(200)
    expect(activate.json<{ active: boolean }>().active).toBe(true)
    const after = (await t.app.inject({ url: `/api/v1/models?universityId=${urca}`, headers: bearer('admin') })).json<
      { id: string; active: boolean }[]
    >()
    expect(after.filter((m) => m.active).map((m) => m.id)).toEqual([requested.id])
    const audited = await t.database.sql`SELECT action FROM audit_log WHERE action IN ('model.train_requested', 'model.activated')`
    expect(audited.map((r) => r.action).sort()).toEqual(['model.activated', 'model.train_requested'])

    const back = await t.app.inject({
      method: 'POST',
      url: '/api/v1/models/deactivate',
      headers: bearer('admin'),
      payload: { universityId: urca },
    })
    expect(back.statusCode).toBe(204)
    expect((await t.app.services.scoring.currentModel(urca)).version).toBe('expert-1')
  })
})
