import { describe, expect, it } from 'vitest'
import { emptyFacts, type StudentFacts } from '../../../server/services/scoring/features.ts'
import { seededRandom } from '../../../server/services/scoring/folds.ts'
import { sigmoid } from '../../../server/services/scoring/logistic.ts'
import { compileModel } from '../../../server/services/scoring/model.ts'
import { ageBand, trainModel } from '../../../server/services/scoring/train.ts'

const YEAR = '2025/2026'

/** A cohort where dropout depends on recent attendance and failed units, and not on the campus. */
function cohort(n: number, seed: number) {
  const random = seededRandom(seed)
  const facts: StudentFacts[] = []
  const labels = new Uint8Array(n)
  const campus: string[] = []
  for (let i = 0; i < n; i++) {
    const expected = 10
    const attended = Math.round(random() * 10)
    const failed = Math.floor(random() * 4)
    const f: StudentFacts = {
      ...emptyFacts(i + 1),
      level: random() < 0.5 ? 'L1' : 'L2',
      birthYear: 2005 - Math.floor(random() * 4),
      attExpected: 30,
      attAttended: 20 + attended,
      att4wExpected: expected,
      att4wAttended: attended,
      att2wExpected: 5,
      att2wAttended: Math.round(attended / 2),
      attBeforeExpected: 20,
      attBeforeAttended: 20,
      unitsKnown: 5,
      unitsFailed: failed,
      unitsAdmitted: 5 - failed,
      ectsEarned: 6 * (5 - failed),
      ectsAttempted: 30,
      meanGrade: 12 - failed,
    }
    facts.push(f)
    labels[i] = random() < sigmoid(-1 - 4 * (attended / 10 - 0.5) + 0.8 * (failed - 1.5)) ? 1 : 0
    campus.push(i % 2 === 0 ? 'Reims' : 'Châlons')
  }
  return { academicYear: YEAR, facts, labels, groups: { campus } }
}

describe('training with cross-validation', () => {
  it('learns the signals, scores out of fold, and stores a model that ranks new students', () => {
    const set = cohort(1500, 3)
    const r = trainModel(set)
    expect(r.metrics.count).toBe(1500)
    expect(r.metrics.foldAuc).toHaveLength(5)
    expect(r.metrics.auc).toBeGreaterThan(0.75)
    expect(r.metrics.calibration).toHaveLength(10)
    // Campus is not a feature and is not related to the outcome: flagged in proportion.
    expect(r.metrics.maxGroupFlagRatio).toBeLessThan(1.3)
    const coef = (feature: string) => r.spec.coefficients[r.spec.columns.findIndex((c) => c.kind === 'value' && c.feature === feature)]!
    expect(coef('attendance_rate_4w')).toBeLessThan(0)
    expect(coef('units_failed')).toBeGreaterThan(0)
    expect(r.spec.requires).toEqual(['assiduite', 'resultats'])
    // The stored spec scores a fresh cohort about as well as out of fold.
    const fresh = cohort(800, 99)
    const model = compileModel(r.spec, YEAR, '2025-11-30')
    const scores = fresh.facts.map((f) => {
      const s = model.score(f)
      return s.evaluable ? s.probability : Number.NaN
    })
    expect(scores.every(Number.isFinite)).toBe(true)
    const order = scores.map((s, i) => [s, fresh.labels[i]!] as const).sort((a, b) => b[0] - a[0])
    const topRate = order.slice(0, 80).filter(([, y]) => y === 1).length / 80
    const base = fresh.labels.reduce((a, y) => a + y, 0) / 800
    expect(topRate).toBeGreaterThan(1.5 * base)
  })

  it('is reproducible with the same seed', () => {
    const set = cohort(400, 5)
    expect(Array.from(trainModel(set).oof)).toEqual(Array.from(trainModel(set).oof))
  })

  it('refuses a cohort without enough outcomes', () => {
    const set = cohort(50, 1)
    set.labels.fill(0)
    expect(() => trainModel(set)).toThrow(/too few outcomes/)
  })

  it('age bands', () => {
    expect([ageBand(18), ageBand(21), ageBand(26), ageBand(null)]).toEqual(['20 ans ou moins', '21 à 25 ans', '26 ans ou plus', null])
  })
})
