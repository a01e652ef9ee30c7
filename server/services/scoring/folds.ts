/**
 * Stratified k-fold assignment: each fold gets the same share of positives (to within one), in a
 * seeded order so that a training run can be repeated exactly.
 */

/** mulberry32: a small, fast, seeded generator (32-bit state), enough to shuffle rows. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

function shuffle(items: number[], random: () => number): void {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1))
    const t = items[i]!
    items[i] = items[j]!
    items[j] = t
  }
}

/** The fold (0 … k−1) of each row, stratified on the 0/1 label. */
export function stratifiedFolds(labels: ArrayLike<number>, k: number, seed = 1): Uint8Array {
  if (!Number.isInteger(k) || k < 2 || k > 255) {
    throw new Error(`k must be an integer between 2 and 255 (got ${k})`)
  }
  const random = seededRandom(seed)
  const fold = new Uint8Array(labels.length)
  let offset = 0
  for (const cls of [1, 0]) {
    const rows: number[] = []
    for (let i = 0; i < labels.length; i++) {
      if (labels[i] === cls) {
        rows.push(i)
      }
    }
    shuffle(rows, random)
    // Continue the round-robin where the positives stopped, so fold sizes stay balanced too.
    rows.forEach((row, idx) => {
      fold[row] = (offset + idx) % k
    })
    offset = (offset + rows.length) % k
  }
  return fold
}

/** Row indices of the training and validation parts of fold `f`. */
export function foldRows(fold: Uint8Array, f: number): { train: Int32Array; test: Int32Array } {
  let nTest = 0
  for (const x of fold) {
    if (x === f) {
      nTest++
    }
  }
  const train = new Int32Array(fold.length - nTest)
  const test = new Int32Array(nTest)
  let a = 0
  let b = 0
  for (let i = 0; i < fold.length; i++) {
    if (fold[i] === f) {
      test[b++] = i
    } else {
      train[a++] = i
    }
  }
  return { train, test }
}
