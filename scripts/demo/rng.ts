/**
 * A tiny seeded pseudo-random generator for the demo data: mulberry32, seeded from a hash of a seed
 * and a few keys, so every student (and every file) draws from its own stream. Changing how one file
 * is generated never shifts the numbers another file sees, and the same call gives the same bytes.
 *
 * Not for anything secret: it is a 32-bit generator chosen for speed and reproducibility.
 * @see https://gist.github.com/tommyettinger/46a874533244883189143505d203312c (mulberry32)
 */

/** FNV-1a over the UTF-16 code units, finished with murmur3's avalanche step. */
export function hash32(text: string): number {
  let h = 0x811c9dc5
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i)
    h = Math.imul(h, 0x01000193)
  }
  h ^= h >>> 16
  h = Math.imul(h, 0x85ebca6b)
  h ^= h >>> 13
  h = Math.imul(h, 0xc2b2ae35)
  h ^= h >>> 16
  return h >>> 0
}

export class Rng {
  private state: number

  /** A stream identified by the seed and the keys (`new Rng(seed, 'etudiant', 42)`). */
  constructor(seed: number, ...keys: (string | number)[]) {
    this.state = hash32(`${seed}|${keys.join('|')}`)
  }

  /** Uniform in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) | 0
    let t = Math.imul(this.state ^ (this.state >>> 15), 1 | this.state)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }

  chance(p: number): boolean {
    return this.next() < p
  }

  /** Integer in [min, max], both included. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1))
  }

  uniform(min: number, max: number): number {
    return min + this.next() * (max - min)
  }

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)]!
  }

  /** An item drawn with probability proportional to its weight. */
  weighted<T>(items: readonly T[], weight: (item: T) => number): T {
    let total = 0
    for (const item of items) {
      total += weight(item)
    }
    let x = this.next() * total
    for (const item of items) {
      x -= weight(item)
      if (x < 0) {
        return item
      }
    }
    return items[items.length - 1]!
  }

  /** Normal deviate (Box–Muller). */
  normal(mean = 0, sd = 1): number {
    const u = 1 - this.next()
    const v = this.next()
    return mean + sd * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v)
  }

  /** Poisson deviate: Knuth's product method below 30, a rounded normal above. */
  poisson(lambda: number): number {
    if (lambda <= 0) {
      return 0
    }
    if (lambda >= 30) {
      return Math.max(0, Math.round(this.normal(lambda, Math.sqrt(lambda))))
    }
    const limit = Math.exp(-lambda)
    let k = 0
    let p = this.next()
    while (p > limit) {
      k++
      p *= this.next()
    }
    return k
  }

  /** A copy of `items` in a random order (Fisher–Yates). */
  shuffle<T>(items: readonly T[]): T[] {
    const out = items.slice()
    for (let i = out.length - 1; i > 0; i--) {
      const j = Math.floor(this.next() * (i + 1))
      const t = out[i]!
      out[i] = out[j]!
      out[j] = t
    }
    return out
  }
}

/** Cumulative weights for repeated weighted draws over a long list (binary search). */
export class WeightedTable<T> {
  private readonly items: readonly T[]
  private readonly cumulative: number[]

  constructor(items: readonly T[], weight: (item: T) => number) {
    this.items = items
    this.cumulative = []
    let total = 0
    for (const item of items) {
      total += Math.max(0, weight(item))
      this.cumulative.push(total)
    }
  }

  draw(rng: Rng): T {
    const total = this.cumulative[this.cumulative.length - 1] ?? 0
    const x = rng.next() * total
    let lo = 0
    let hi = this.cumulative.length - 1
    while (lo < hi) {
      const mid = (lo + hi) >> 1
      if (this.cumulative[mid]! > x) {
        hi = mid
      } else {
        lo = mid + 1
      }
    }
    return this.items[lo]!
  }
}

export const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x))
