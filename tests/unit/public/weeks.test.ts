import { describe, expect, it } from 'vitest'
import { weekOfDay, weekWindow } from '../../../server/routes/r/view-models.ts'

describe('the slot list opens on the week of the next free slot', () => {
  const now = new Date('2026-12-02T10:00:00Z') // a Wednesday in Paris
  it('counts weeks from this Monday, in Paris', () => {
    expect(weekWindow(0, now)).toEqual({ fromDay: '2026-11-30', toDay: '2026-12-06' })
    expect(weekOfDay('2026-12-02', now)).toBe(0)
    expect(weekOfDay('2026-12-06', now)).toBe(0)
    expect(weekOfDay('2026-12-07', now)).toBe(1)
    expect(weekOfDay('2026-12-28', now)).toBe(4)
    expect(weekWindow(weekOfDay('2026-12-17', now), now)).toEqual({ fromDay: '2026-12-14', toDay: '2026-12-20' })
  })
  it('near midnight, the Paris day decides', () => {
    // Sunday 6 December, 23:30 in Paris is already Monday 7 in UTC+1: still week 0 of that Sunday.
    const sunday = new Date('2026-12-06T22:30:00Z')
    expect(weekWindow(0, sunday).fromDay).toBe('2026-11-30')
    expect(weekOfDay('2026-12-07', sunday)).toBe(1)
  })
})
