import { describe, expect, it } from 'vitest'
import { dueAfterWorkingDays, easterSunday, frenchPublicHolidays, parisDay, parisToUtc, parisTime } from '../../server/lib/paris-time.ts'
import { ageOn, cleanIdentity } from '../../server/services/booking.service.ts'
import { decodeSlotKey, encodeSlotKey, ruleStarts } from '../../server/services/availability.service.ts'

describe('Europe/Paris wall-clock time', () => {
  it('converts across both daylight-saving changes', () => {
    expect(parisToUtc('2027-03-27', '09:00').toISOString()).toBe('2027-03-27T08:00:00.000Z')
    expect(parisToUtc('2027-03-28', '09:00').toISOString()).toBe('2027-03-28T07:00:00.000Z')
    expect(parisToUtc('2027-10-31', '09:00').toISOString()).toBe('2027-10-31T08:00:00.000Z')
    // 02:30 does not exist on 28 March 2027: it moves to 03:30 summer time.
    expect(parisTime(parisToUtc('2027-03-28', '02:30'))).toBe('03:30')
  })

  it('cuts a rule into slots of its length, and skips the hour that does not exist', () => {
    const slots = ruleStarts({ startTime: '01:00:00', endTime: '04:00:00', slotMinutes: 60 }, '2027-03-28')
    expect(slots.map((x) => parisTime(x.startsAt))).toEqual(['01:00', '03:00'])
  })

  it('gives, for every day of two years, the slots of a slot-by-slot conversion (the shortcut is only a shortcut)', () => {
    const hhmm = (n: number) => `${String(Math.floor(n / 60)).padStart(2, '0')}:${String(n % 60).padStart(2, '0')}`
    /** The reference: each start converted on its own, the missing hour skipped. */
    function exact(rule: { startTime: string; endTime: string; slotMinutes: number }, day: string) {
      const [sh, sm] = rule.startTime.split(':').map(Number) as [number, number]
      const [eh, em] = rule.endTime.split(':').map(Number) as [number, number]
      const out: { startsAt: string; endsAt: string; time: string }[] = []
      for (let t = sh * 60 + sm; t + rule.slotMinutes <= eh * 60 + em; t += rule.slotMinutes) {
        const startsAt = parisToUtc(day, hhmm(t))
        if (parisTime(startsAt) === hhmm(t)) {
          out.push({ startsAt: startsAt.toISOString(), endsAt: parisToUtc(day, hhmm(t + rule.slotMinutes)).toISOString(), time: hhmm(t) })
        }
      }
      return out
    }
    const rules = [
      { startTime: '09:00:00', endTime: '12:30:00', slotMinutes: 45 },
      { startTime: '00:00:00', endTime: '06:00:00', slotMinutes: 30 },
      { startTime: '01:30:00', endTime: '03:30:00', slotMinutes: 20 },
      { startTime: '14:00:00', endTime: '24:00:00', slotMinutes: 60 },
    ]
    let compared = 0
    for (let d = Date.UTC(2026, 0, 1); d < Date.UTC(2028, 0, 1); d += 86_400_000) {
      const day = new Date(d).toISOString().slice(0, 10)
      for (const rule of rules) {
        const got = ruleStarts(rule, day).map((x) => ({ startsAt: x.startsAt.toISOString(), endsAt: x.endsAt.toISOString(), time: x.time }))
        expect(got, `${day} ${rule.startTime}-${rule.endTime}`).toEqual(exact(rule, day))
        compared += got.length
      }
    }
    expect(compared).toBeGreaterThan(20_000)
  })
})

describe('French public holidays and working days', () => {
  it('computes Easter and the holidays that follow it', () => {
    expect(easterSunday(2026)).toBe('2026-04-05')
    expect(easterSunday(2027)).toBe('2027-03-28')
    const h = frenchPublicHolidays(2026)
    expect(h.get('2026-04-06')).toBe('Lundi de Pâques')
    expect(h.get('2026-05-14')).toBe('Ascension')
    expect(h.get('2026-05-25')).toBe('Lundi de Pentecôte')
    expect(h.size).toBe(11)
  })

  it('a callback is due at 18:00 on the 2nd working day after the request day', () => {
    // Friday → Tuesday.
    expect(dueAfterWorkingDays(new Date('2026-01-09T10:00:00Z'), 2).toISOString()).toBe('2026-01-13T17:00:00.000Z')
    // Wednesday 13 May 2026, Ascension on Thursday 14: Friday 15, then Monday 18.
    expect(dueAfterWorkingDays(new Date('2026-05-13T10:00:00Z'), 2).toISOString()).toBe('2026-05-18T16:00:00.000Z')
    // Thursday 24 Dec 2026: Christmas Friday, so Monday 28 and Tuesday 29.
    expect(dueAfterWorkingDays(new Date('2026-12-24T09:00:00Z'), 2).toISOString()).toBe('2026-12-29T17:00:00.000Z')
  })
})

describe('booking input', () => {
  it('computes ages in whole years', () => {
    expect(ageOn('2010-06-15', '2026-06-14')).toBe(15)
    expect(ageOn('2010-06-15', '2026-06-15')).toBe(16)
  })

  it('requires the agreement and a way to be reached', () => {
    const base = { firstName: 'A', lastName: 'B', birthDate: '2005-01-01', consentToShare: true }
    expect(() => cleanIdentity({ ...base, consentToShare: false, email: 'a@b.fr' }, '2026-01-01')).toThrow(/cochez la case/)
    expect(() => cleanIdentity(base, '2026-01-01')).toThrow(/e-mail ou un numéro/)
    expect(cleanIdentity({ ...base, email: ' A@B.FR ' }, '2026-01-01').email).toBe('a@b.fr')
  })

  it('round-trips slot keys and refuses garbage', () => {
    const at = new Date('2027-01-06T08:30:00Z')
    const id = '0b7f0a36-8e8a-4a53-9a53-6d2f0c1b2a11'
    expect(decodeSlotKey(encodeSlotKey(id, at))).toEqual({ ruleId: id, startsAt: at })
    expect(decodeSlotKey('nonsense')).toBeNull()
  })
})

describe('the cached offsets agree with Intl', () => {
  it('every 15 minutes over two years, across four daylight-saving changes', () => {
    const intl = new Intl.DateTimeFormat('en-CA', {
      timeZone: 'Europe/Paris',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    })
    const start = Date.parse('2026-01-01T00:00:00Z')
    let checked = 0
    for (let t = start; t < start + 2 * 365 * 86_400_000; t += 15 * 60_000) {
      const at = new Date(t)
      const p = Object.fromEntries(intl.formatToParts(at).map((x) => [x.type, x.value]))
      expect(`${parisDay(at)} ${parisTime(at)}`).toBe(`${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}`)
      checked++
    }
    expect(checked).toBe(2 * 365 * 96)
  })
})
