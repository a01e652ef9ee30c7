/**
 * The demo (issue #8, item 5): after the seed, the demo cohort is loaded, a model trained on its
 * past year is active, and once the worker has run, the risk list puts the drifting minority first.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startWorkers, type Workers } from '../../workers/worker.ts'
import { seedDemoImports } from '../../scripts/seed.ts'
import { driftingPseudoIds } from '../../scripts/demo/cohort.ts'
import { apiToken, startTestApp, type TestApp } from '../helpers/app.ts'

let t: TestApp
let workers: Workers | undefined

beforeAll(async () => {
  t = await startTestApp({ SCORE_AS_OF: '2026-11-28' })
})
afterAll(async () => {
  await workers?.close()
  await t?.close()
})

describe('the demo seed', () => {
  it('loads the cohort, trains and activates a model on 2025/2026, and the risk list shows the drifting students first', async () => {
    const seeded = await seedDemoImports(t.config, t.database)
    expect(seeded.imports.map((i) => i.outcome)).toEqual(Array(7).fill('queued'))
    const statuses = await t.database.sql<{ status: string }[]>`SELECT status FROM imports`
    expect(statuses.map((s) => s.status)).toEqual(Array(7).fill('succeeded'))
    expect(seeded.model?.outcome).toBe('trained')
    expect(seeded.model?.auc).toBeGreaterThan(0.75)
    const urca = t.orgIds.get('urca')!
    const active = await t.app.services.scoring.currentModel(urca)
    expect(active.kind).toBe('logistic')
    expect(active.trainingYear).toBe('2025/2026')

    workers = startWorkers({ config: t.config, services: t.app.services, log: t.app.log })
    await expect
      .poll(async () => (await t.database.sql`SELECT 1 FROM score_runs WHERE university_id = ${urca} AND status = 'succeeded'`).length, {
        timeout: 60_000,
        interval: 250,
      })
      .toBeGreaterThan(0)
    const token = await apiToken(t.app, 'universite@demo.repere.test')
    const res = await t.app.inject({ url: '/api/v1/risk-scores?limit=100', headers: { authorization: `Bearer ${token}` } })
    const body = res.json<{
      run: { model: { version: string } }
      counts: Record<string, number>
      items: { pseudoId: string; reasons: unknown[] }[]
    }>()
    expect(body.run.model.version).toBe(active.version)
    const drifting = driftingPseudoIds()
    const share = body.items.filter((r) => drifting.has(r.pseudoId)).length / body.items.length
    expect(share).toBeGreaterThan(0.8) // about 15 % of the cohort drifts
    expect(body.items.every((r) => r.reasons.length > 0)).toBe(true)
    expect(body.counts.eleve).toBeGreaterThan(0)
    expect(body.counts.eleve).toBeLessThan(300)

    // A second seed changes nothing: files already imported, the model kept.
    const again = await seedDemoImports(t.config, t.database)
    expect(again.imports.every((i) => i.outcome === 'duplicate')).toBe(true)
    expect(again.model?.outcome).toBe('kept')
    expect((await t.database.sql`SELECT count(*)::int AS n FROM models WHERE kind = 'logistic'`)[0]!.n).toBe(1)
  }, 120_000)
})
