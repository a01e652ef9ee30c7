/**
 * CSV fuzzing (issue #6 item 3): generated malformed exports (unclosed quotes anywhere, huge fields
 * and lines, NUL and control bytes, mixed encodings, truncated files, thousands of columns, formula
 * cells) go through the real upload checks and the real import processor (reader → COPY → merge).
 * Each must end with a clear French error or a correct load, never a technical failure or a
 * wedged connection; then the real worker still loads a normal file. The seed is printed and
 * `FUZZ_SEED=<seed>` replays a run; `npm run bench -- fuzz` runs ≥ 10,000 cases.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Principal } from '../../server/services/access.ts'
import { startWorkers, type Workers } from '../../workers/worker.ts'
import { generateCase, runFuzz, type FuzzCase } from '../fixtures/imports/csv-fuzz.ts'
import { apiToken, startTestApp, type TestApp } from '../helpers/app.ts'
import { FUZZ_SEED } from '../helpers/env.ts'
import { pseudo, upload, waitForImport } from '../helpers/imports.ts'

const CASES = 120
const SEED = FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 31)

let t: TestApp
let workers: Workers | undefined
let actor: Principal

beforeAll(async () => {
  t = await startTestApp()
  const [u] = await t.database.sql<{ id: string; organisation_id: string }[]>`
    SELECT id, organisation_id FROM users WHERE email = 'universite@demo.repere.test'`
  actor = { userId: u!.id, role: 'university_staff', organisationId: u!.organisation_id }
})
afterAll(async () => {
  await workers?.close()
  await t?.close()
})

describe('CSV fuzzing through the reader and the COPY path', () => {
  const failedInProcessing: FuzzCase[] = []

  it(`${CASES} generated files each end with a clear French error or a correct load (seed printed)`, async () => {
    console.info(`csv fuzz: seed=${SEED} cases=${CASES} (replay with FUZZ_SEED=${SEED})`)
    const summary = await runFuzz(
      { services: t.app.services, sql: t.database.sql, actor, caseTimeoutMs: 15_000, poolSize: 5 },
      {
        seed: SEED,
        indexes: Array.from({ length: CASES }, (_, i) => i),
        onCase: (c, r) => {
          if (r.kind === 'ok' && r.outcome.status === 'failed' && failedInProcessing.length < 4) {
            failedInProcessing.push(c)
          }
        },
      },
    )
    const replay = `seed=${SEED}; replay one case with: npm run bench -- fuzz --seed ${SEED} --only <index>`
    expect(summary.wedged, replay).toEqual([])
    expect(summary.crashes, replay).toEqual([])
    expect(summary.cases).toBe(CASES)
    // The generator does reach the COPY with broken files, and keeps loading good ones.
    expect(
      [...summary.outcomes.keys()].some((k) => k.startsWith('failed:')),
      JSON.stringify([...summary.outcomes]),
    ).toBe(true)
    expect(summary.outcomes.get('succeeded') ?? 0).toBeGreaterThan(0)
  })

  it('the real worker then fails the same broken files on their own, and loads a normal file', async () => {
    // Started only now: the fuzz loop processed its imports itself, their jobs are skipped as done.
    workers = startWorkers({ config: t.config, services: t.app.services, log: t.app.log })
    const token = await apiToken(t.app, 'universite@demo.repere.test')
    for (const c of failedInProcessing) {
      const res = await upload(t.app, token, c.kind, c.content)
      expect(res.statusCode, res.body).toBe(202)
      const imp = await waitForImport(t.app, token, res.json<{ id: string }>().id, 20_000)
      expect(imp.status, `case ${c.index} of seed ${SEED}`).toBe('failed')
      expect(imp.errorCode).not.toBe('technical')
    }
    const rows = [
      'id_pseudo;code_elp;type_seance;date_seance;statut_presence',
      ...Array.from({ length: 10 }, (_, i) => `${pseudo(900 + i)};7LET101;TD;0${1 + (i % 9)}/10/2025;P`),
    ]
    const res = await upload(t.app, token, 'assiduite', Buffer.from(`${rows.join('\r\n')}\r\n`))
    expect(res.statusCode, res.body).toBe(202)
    const imp = await waitForImport(t.app, token, res.json<{ id: string }>().id, 20_000)
    expect(imp.status, imp.errorMessage ?? '').toBe('succeeded')
    expect(imp.rowsLoaded).toBe(10)
  })

  it('the generator is seeded: the same seed and index give the same file', () => {
    const a = generateCase(SEED, 7)
    const b = generateCase(SEED, 7)
    expect(b.content.equals(a.content)).toBe(true)
    expect(b.mutations).toEqual(a.mutations)
    expect(generateCase(SEED + 1, 7).content.equals(a.content)).toBe(false)
  })
})
