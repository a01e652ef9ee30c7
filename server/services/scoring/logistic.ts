/**
 * L2-regularised logistic regression fitted by Newton's method (IRLS) on plain Float64Arrays.
 *
 * Minimises  −Σ [y log p + (1 − y) log(1 − p)] + (λ / 2) ‖β‖²  (the intercept is not penalised).
 * Each step solves (XᵀWX + λI) δ = gradient with a Cholesky factorisation of the (p+1)² Hessian, so
 * one iteration costs n·p²/2 multiply-adds in one tight loop and allocates nothing per row; with the
 * few dozen columns of this model it converges in under ten iterations. A step that does not lower
 * the objective is halved (a safeguard; the penalised objective is strictly convex).
 */

export type LogisticOptions = {
  /** λ, on standardised columns. */
  l2?: number
  maxIterations?: number
  /** Stop when the largest coefficient change is below this. */
  tolerance?: number
}

export type LogisticFit = {
  intercept: number
  coefficients: Float64Array
  iterations: number
  converged: boolean
  /** The penalised objective at the solution. */
  objective: number
}

export function sigmoid(z: number): number {
  if (z >= 0) {
    return 1 / (1 + Math.exp(-z))
  }
  const e = Math.exp(z)
  return e / (1 + e)
}

/** log(1 + e^z) without overflow. */
function softplus(z: number): number {
  return z > 0 ? z + Math.log1p(Math.exp(-z)) : Math.log1p(Math.exp(z))
}

/**
 * Fits on rows `X` (n × p, row-major) with labels `y` (0/1). `rows` optionally restricts the fit
 * to a subset of row indices (cross-validation folds) without copying the matrix.
 */
export function fitLogistic(
  X: Float64Array,
  y: ArrayLike<number>,
  p: number,
  opts: LogisticOptions & { rows?: ArrayLike<number> } = {},
): LogisticFit {
  const l2 = opts.l2 ?? 1
  const maxIterations = opts.maxIterations ?? 50
  const tolerance = opts.tolerance ?? 1e-8
  const n = opts.rows ? opts.rows.length : y.length
  const rowAt = opts.rows ? (k: number) => opts.rows![k]! : (k: number) => k
  const q = p + 1 // intercept first
  const beta = new Float64Array(q)
  // Start from the base rate: fewer iterations, and exact when no column helps.
  let positives = 0
  for (let k = 0; k < n; k++) {
    positives += y[rowAt(k)]!
  }
  const base = Math.min(Math.max(positives / n, 1e-6), 1 - 1e-6)
  beta[0] = Math.log(base / (1 - base))

  const H = new Float64Array(q * q)
  const g = new Float64Array(q)
  const step = new Float64Array(q)
  const trial = new Float64Array(q)
  const L = new Float64Array(q * q)

  const objectiveAt = (b: Float64Array): number => {
    let loss = 0
    for (let k = 0; k < n; k++) {
      const i = rowAt(k)
      const off = i * p
      let z = b[0]!
      for (let j = 0; j < p; j++) {
        z += b[j + 1]! * X[off + j]!
      }
      loss += softplus(z) - y[i]! * z
    }
    let pen = 0
    for (let j = 1; j < q; j++) {
      pen += b[j]! * b[j]!
    }
    return loss + 0.5 * l2 * pen
  }

  let objective = objectiveAt(beta)
  let iterations = 0
  let converged = false
  while (iterations < maxIterations) {
    iterations++
    H.fill(0)
    g.fill(0)
    for (let k = 0; k < n; k++) {
      const i = rowAt(k)
      const off = i * p
      let z = beta[0]
      for (let j = 0; j < p; j++) {
        z += beta[j + 1]! * X[off + j]!
      }
      const mu = sigmoid(z)
      const w = Math.max(mu * (1 - mu), 1e-12)
      const r = mu - y[i]!
      g[0] = g[0]! + r
      H[0] = H[0]! + w
      for (let a = 0; a < p; a++) {
        const xa = X[off + a]!
        if (xa === 0) {
          continue
        }
        g[a + 1] = g[a + 1]! + r * xa
        const wxa = w * xa
        const rowA = (a + 1) * q
        H[rowA] = H[rowA]! + wxa
        for (let b = 0; b <= a; b++) {
          H[rowA + b + 1] = H[rowA + b + 1]! + wxa * X[off + b]!
        }
      }
    }
    for (let a = 1; a < q; a++) {
      g[a] = g[a]! + l2 * beta[a]!
      H[a * q + a] = H[a * q + a]! + l2
    }
    choleskySolve(H, g, q, L, step)
    // Newton step with halving.
    let t = 1
    let next = objective
    for (let halvings = 0; halvings < 30; halvings++) {
      for (let j = 0; j < q; j++) {
        trial[j] = beta[j]! - t * step[j]!
      }
      next = objectiveAt(trial)
      if (next <= objective + 1e-12 * Math.abs(objective)) {
        break
      }
      t /= 2
    }
    let maxChange = 0
    for (let j = 0; j < q; j++) {
      maxChange = Math.max(maxChange, Math.abs(trial[j]! - beta[j]!))
      beta[j] = trial[j]!
    }
    objective = next
    if (maxChange < tolerance) {
      converged = true
      break
    }
  }
  return { intercept: beta[0], coefficients: beta.slice(1), iterations, converged, objective }
}

/**
 * Solves A x = b for a symmetric positive definite A of which only the lower triangle (row-major,
 * `A[i*q + j]` with j ≤ i) is filled. `L` is scratch space of the same size.
 */
export function choleskySolve(A: Float64Array, b: Float64Array, q: number, L: Float64Array, x: Float64Array): void {
  L.fill(0)
  for (let i = 0; i < q; i++) {
    for (let j = 0; j <= i; j++) {
      let s = A[i * q + j]!
      for (let k = 0; k < j; k++) {
        s -= L[i * q + k]! * L[j * q + k]!
      }
      if (i === j) {
        // A tiny floor keeps a nearly singular system (a constant column) solvable.
        L[i * q + i] = Math.sqrt(Math.max(s, 1e-12))
      } else {
        L[i * q + j] = s / L[j * q + j]!
      }
    }
  }
  // L z = b, then Lᵀ x = z.
  for (let i = 0; i < q; i++) {
    let s = b[i]!
    for (let k = 0; k < i; k++) {
      s -= L[i * q + k]! * x[k]!
    }
    x[i] = s / L[i * q + i]!
  }
  for (let i = q - 1; i >= 0; i--) {
    let s = x[i]!
    for (let k = i + 1; k < q; k++) {
      s -= L[k * q + i]! * x[k]!
    }
    x[i] = s / L[i * q + i]!
  }
}

/** Linear predictor → probability for every row of X. */
export function predictLogistic(X: Float64Array, p: number, intercept: number, coefficients: ArrayLike<number>): Float64Array {
  const n = X.length / p
  const out = new Float64Array(n)
  for (let i = 0; i < n; i++) {
    let z = intercept
    const off = i * p
    for (let j = 0; j < p; j++) {
      z += coefficients[j]! * X[off + j]!
    }
    out[i] = sigmoid(z)
  }
  return out
}
