import { describe, expect, it } from 'vitest'
import { choleskySolve, fitLogistic, predictLogistic, sigmoid } from '../../../server/services/scoring/logistic.ts'
import { seededRandom } from '../../../server/services/scoring/folds.ts'

const logit = (p: number) => Math.log(p / (1 - p))

describe('logistic regression (IRLS)', () => {
  it('finds the closed-form solution of one binary feature without penalty', () => {
    // x = 0: 3 positives of 10; x = 1: 8 of 10. MLE: intercept = logit(0.3), slope = logit(0.8) − logit(0.3).
    const X = new Float64Array(20)
    const y = new Uint8Array(20)
    for (let i = 0; i < 10; i++) {
      X[i] = 0
      y[i] = i < 3 ? 1 : 0
      X[10 + i] = 1
      y[10 + i] = i < 8 ? 1 : 0
    }
    const fit = fitLogistic(X, y, 1, { l2: 0 })
    expect(fit.converged).toBe(true)
    expect(fit.intercept).toBeCloseTo(logit(0.3), 8)
    expect(fit.coefficients[0]).toBeCloseTo(logit(0.8) - logit(0.3), 8)
  })

  it('meets the penalised optimality condition Xᵀ(y − p) = λβ on random data', () => {
    const random = seededRandom(7)
    const n = 400
    const p = 4
    const X = new Float64Array(n * p)
    const y = new Uint8Array(n)
    const truth = [1.5, -1, 0.5, 0]
    for (let i = 0; i < n; i++) {
      let z = -0.3
      for (let j = 0; j < p; j++) {
        const x = random() * 2 - 1
        X[i * p + j] = x
        z += truth[j]! * x
      }
      y[i] = random() < sigmoid(z) ? 1 : 0
    }
    const l2 = 3
    const fit = fitLogistic(X, y, p, { l2 })
    const probs = predictLogistic(X, p, fit.intercept, fit.coefficients)
    let g0 = 0
    const g = new Array<number>(p).fill(0)
    for (let i = 0; i < n; i++) {
      const r = y[i]! - probs[i]!
      g0 += r
      for (let j = 0; j < p; j++) {
        g[j]! += r * X[i * p + j]!
      }
    }
    expect(Math.abs(g0)).toBeLessThan(1e-8) // the intercept is not penalised
    for (let j = 0; j < p; j++) {
      expect(g[j]).toBeCloseTo(l2 * fit.coefficients[j]!, 7)
    }
    // The penalty shrinks: a larger λ gives smaller coefficients.
    const strong = fitLogistic(X, y, p, { l2: 100 })
    expect(Math.abs(strong.coefficients[0]!)).toBeLessThan(Math.abs(fit.coefficients[0]!))
  })

  it('fits a subset of rows without copying the matrix', () => {
    const X = Float64Array.from([0, 0, 1, 1, 5, 5])
    const y = Uint8Array.from([0, 1, 1, 1, 0, 0])
    const sub = fitLogistic(X, y, 1, { l2: 0.5, rows: Int32Array.from([0, 1, 2, 3]) })
    const copy = fitLogistic(Float64Array.from([0, 0, 1, 1]), Uint8Array.from([0, 1, 1, 1]), 1, { l2: 0.5 })
    expect(sub.intercept).toBeCloseTo(copy.intercept, 10)
    expect(sub.coefficients[0]).toBeCloseTo(copy.coefficients[0]!, 10)
  })

  it('solves a symmetric positive definite system with Cholesky', () => {
    // A = [[4,2],[2,3]] (lower triangle given), b = [2, 1] → x = [0.5, 0].
    const A = Float64Array.from([4, 0, 2, 3])
    const x = new Float64Array(2)
    choleskySolve(A, Float64Array.from([2, 1]), 2, new Float64Array(4), x)
    expect(x[0]).toBeCloseTo(0.5, 12)
    expect(x[1]).toBeCloseTo(0, 12)
  })
})
