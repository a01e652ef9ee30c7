import { describe, expect, it } from 'vitest'
import { decodeCursor, encodeCursor, formatProbability } from '../../server/routes/risk/view.ts'

describe('a student’s probability as the risk pages show it', () => {
  it('never claims a certainty', () => {
    expect(formatProbability(0.9999)).toBe('> 99\u00a0%')
    expect(formatProbability(0.995)).toBe('> 99\u00a0%')
    expect(formatProbability(0.994)).toBe('99\u00a0%')
    expect(formatProbability(0.42)).toBe('42\u00a0%')
    expect(formatProbability(0.006)).toBe('1\u00a0%')
    expect(formatProbability(0.001)).toBe('< 1\u00a0%')
    expect(formatProbability(null)).toBe('—')
  })

  it('pages with a cursor that round-trips, scored or not', () => {
    expect(decodeCursor(encodeCursor({ probability: 0.123456789, studentId: 42 }))).toEqual({ probability: 0.123456789, studentId: 42 })
    expect(decodeCursor(encodeCursor({ probability: null, studentId: 7 }))).toEqual({ probability: null, studentId: 7 })
  })
})
