import { describe, expect, it } from 'vitest'
import {
  atTop,
  averagePrecision,
  brierScore,
  calibrationTable,
  groupRates,
  maxGroupFlagRatio,
  rocAuc,
} from '../../../server/services/scoring/metrics.ts'
import { foldRows, stratifiedFolds } from '../../../server/services/scoring/folds.ts'

describe('metrics against hand-computed values', () => {
  // Scores and labels: positives at 0.9, 0.8, 0.4; negatives at 0.7, 0.3, 0.2.
  const scores = [0.9, 0.8, 0.7, 0.4, 0.3, 0.2]
  const labels = [1, 1, 0, 1, 0, 0]

  it('ROC AUC counts the ordered positive–negative pairs', () => {
    // Pairs (P, N) = 3 × 3 = 9; pairs ordered right: 0.9 > all 3, 0.8 > all 3, 0.4 > 0.3 and 0.2 → 8/9.
    expect(rocAuc(scores, labels)).toBeCloseTo(8 / 9, 12)
  })

  it('ROC AUC counts ties as one half', () => {
    expect(rocAuc([0.5, 0.5], [1, 0])).toBe(0.5)
    expect(rocAuc([0.5, 0.5, 0.1], [1, 0, 0])).toBeCloseTo(0.75, 12)
  })

  it('average precision sums precision at each recall step', () => {
    // Ranks 1,2 are positives (P=1, 1), rank 4 is the third (P = 3/4): AP = (1 + 1 + 0.75) / 3.
    expect(averagePrecision(scores, labels)).toBeCloseTo(2.75 / 3, 12)
  })

  it('precision and recall among the top share', () => {
    expect(atTop(scores, labels, 0.5)).toEqual({ k: 3, precision: 2 / 3, recall: 2 / 3 })
    expect(atTop(scores, labels, 0.1)).toEqual({ k: 1, precision: 1, recall: 1 / 3 })
  })

  it('Brier score is the mean squared error', () => {
    // (0.1² + 0.2² + 0.7² + 0.6² + 0.3² + 0.2²) / 6
    expect(brierScore(scores, labels)).toBeCloseTo((0.01 + 0.04 + 0.49 + 0.36 + 0.09 + 0.04) / 6, 12)
  })

  it('calibration table: ten bins, predicted mean against observed rate', () => {
    const table = calibrationTable([0.05, 0.15, 0.12, 0.95, 1], [0, 1, 0, 1, 1])
    expect(table).toHaveLength(10)
    expect(table[0]).toEqual({ from: 0, to: 0.1, count: 1, meanPredicted: 0.05, observedRate: 0 })
    expect(table[1]?.count).toBe(2)
    expect(table[1]?.meanPredicted).toBeCloseTo(0.135, 12)
    expect(table[1]?.observedRate).toBe(0.5)
    expect(table[5]).toEqual({ from: 0.5, to: 0.6, count: 0, meanPredicted: null, observedRate: null })
    // 1.0 falls in the last bin.
    expect(table[9]?.count).toBe(2)
  })

  it('group flag rates against base rates', () => {
    // Group A: 40 rows, 10 positives, 10 flagged; group B: 40 rows, 10 positives, 20 flagged.
    const groups = { campus: [...Array<string>(40).fill('A'), ...Array<string>(40).fill('B')] }
    const labels80 = Array.from({ length: 80 }, (_, i) => (i % 4 === 0 ? 1 : 0))
    const flagged = Array.from({ length: 80 }, (_, i) => (i < 40 ? i < 10 : i < 60))
    const rates = groupRates(groups, flagged, labels80)
    // Overall: 30 flagged for 20 positives = 1.5; A: 10/10 = 1 → 2/3; B: 20/10 = 2 → 4/3.
    expect(rates.map((r) => [r.value, r.flagRate, r.baseRate, r.ratio])).toEqual([
      ['A', 0.25, 0.25, 1 / 1.5],
      ['B', 0.5, 0.25, 2 / 1.5],
    ])
    expect(maxGroupFlagRatio(rates)).toBeCloseTo(1.5, 12)
  })
})

describe('stratified folds', () => {
  it('gives each fold the same share of positives, deterministically', () => {
    const labels = Array.from({ length: 103 }, (_, i) => (i % 5 === 0 ? 1 : 0)) // 21 positives
    const a = stratifiedFolds(labels, 5, 42)
    expect(Array.from(stratifiedFolds(labels, 5, 42))).toEqual(Array.from(a))
    for (let f = 0; f < 5; f++) {
      const { train, test } = foldRows(a, f)
      expect(train.length + test.length).toBe(103)
      const pos = Array.from(test).filter((i) => labels[i] === 1).length
      expect(pos === 4 || pos === 5).toBe(true)
      expect(test.length === 20 || test.length === 21).toBe(true)
    }
  })
})
