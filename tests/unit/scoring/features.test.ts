import { describe, expect, it } from 'vitest'
import {
  asOfDateOfWeek,
  academicYearOf,
  frenchDate,
  resultKnownFrom,
  semesterOf,
  weekOfYear,
} from '../../../server/services/scoring/calendar.ts'
import { deriveFeatures, emptyFacts, sourcesPresent, type StudentFacts } from '../../../server/services/scoring/features.ts'

const YEAR = '2026/2027'
const facts = (patch: Partial<StudentFacts>): StudentFacts => ({ ...emptyFacts(1), ...patch })

describe('features from a student’s facts', () => {
  it('attendance rates over 2 and 4 weeks and the change against the earlier rate', () => {
    const v = deriveFeatures(
      facts({
        attExpected: 40,
        attAttended: 28,
        att2wExpected: 5,
        att2wAttended: 1,
        att4wExpected: 10,
        att4wAttended: 4,
        attBeforeExpected: 30,
        attBeforeAttended: 27,
      }),
      YEAR,
    )
    expect(v.attendance_rate_2w).toBeCloseTo(0.2, 12)
    expect(v.attendance_rate_4w).toBeCloseTo(0.4, 12)
    expect(v.attendance_change_4w).toBeCloseTo(0.4 - 0.9, 12)
  })

  it('no session in a window leaves its rate unknown, not zero', () => {
    const v = deriveFeatures(facts({ attExpected: 10, attAttended: 9, attBeforeExpected: 10, attBeforeAttended: 9 }), YEAR)
    expect(v.attendance_rate_2w).toBeNull()
    expect(v.attendance_rate_4w).toBeNull()
    expect(v.attendance_change_4w).toBeNull()
    expect(v.unjustified_absences).toBe(0)
    expect(v.weeks_without_attendance).toBe(0)
  })

  it('a student without attendance data has no attendance feature at all', () => {
    const v = deriveFeatures(facts({}), YEAR)
    expect([v.attendance_rate_4w, v.unjustified_absences, v.weeks_without_attendance, v.grant_at_stake]).toEqual([null, null, null, null])
    expect(sourcesPresent(facts({})).assiduite).toBe(false)
  })

  it('results: failed and missing units, DEF/DEM, ECTS earned against attempted, mean grade', () => {
    const v = deriveFeatures(
      facts({
        unitsKnown: 5,
        unitsAdmitted: 2,
        unitsFailed: 1,
        unitsMissing: 2,
        defDemCount: 1,
        ectsEarned: 12,
        ectsAttempted: 30,
        meanGrade: 8.5,
      }),
      YEAR,
    )
    expect([v.units_failed, v.units_missing, v.def_dem, v.ects_ratio, v.mean_grade]).toEqual([1, 2, 1, 0.4, 8.5])
    expect(deriveFeatures(facts({}), YEAR).ects_ratio).toBeNull()
  })

  it('IA without IP, grant at stake, registration delay, age, regime, oui si, indicators', () => {
    const v = deriveFeatures(
      facts({
        adminStatus: 'VALIDE',
        pedagogicalStatus: 'N',
        grantHolder: true,
        attExpected: 20,
        attAttended: 18,
        att4wExpected: 10,
        att4wAttended: 9,
        abiCount: 3,
        registrationDate: '2026-10-02',
        birthYear: 2000,
        studyRegime: 'FC',
        ouiSi: true,
        level: 'L1',
        indicators: { tutorat: 1, heures_de_soutien: null },
      }),
      YEAR,
    )
    expect(v.ia_without_ip).toBe(1)
    expect(v.grant_at_stake).toBe(1) // 3 unjustified absences, even at 90 % attendance
    expect(v.registration_delay).toBe(31)
    expect(v.age).toBe(26)
    expect(v.regime).toBe('FC')
    expect(v.oui_si).toBe(1)
    expect(v.level).toBe('L1')
    expect(v.indicateur_tutorat).toBe(1)
    expect(v.indicateur_heures_de_soutien).toBeNull()
    // An IP done, a grant holder who attends: no flag; an early registration counts 0 days.
    const ok = deriveFeatures(
      facts({
        pedagogicalStatus: 'O',
        grantHolder: true,
        attExpected: 10,
        attAttended: 10,
        att4wExpected: 10,
        att4wAttended: 10,
        registrationDate: '2026-07-10',
      }),
      YEAR,
    )
    expect([ok.ia_without_ip, ok.grant_at_stake, ok.registration_delay]).toEqual([0, 0, 0])
    // Not a grant holder: never "grant at stake"; unknown grant: unknown.
    expect(deriveFeatures(facts({ grantHolder: false, attExpected: 10, abiCount: 9 }), YEAR).grant_at_stake).toBe(0)
    expect(deriveFeatures(facts({ attExpected: 10, abiCount: 9 }), YEAR).grant_at_stake).toBeNull()
  })
})

describe('academic calendar', () => {
  it('weeks of the academic year and their as-of date', () => {
    expect(asOfDateOfWeek(YEAR, 1)).toBe('2026-09-07')
    expect(asOfDateOfWeek(YEAR, 12)).toBe('2026-11-23')
    expect(weekOfYear(YEAR, '2026-11-23')).toBe(12)
    expect(weekOfYear(YEAR, '2026-11-24')).toBe(13)
    expect(academicYearOf('2027-08-31')).toBe(YEAR)
    expect(academicYearOf('2026-09-01')).toBe(YEAR)
  })

  it('a result is known from its session’s jury date, or its upload when earlier', () => {
    expect(semesterOf('7DRT101')).toBe(1)
    expect(semesterOf('7DRT205')).toBe(2)
    expect(semesterOf('UE-LIBRE')).toBeNull()
    expect(resultKnownFrom(YEAR, '7DRT101', 1, null)).toBe('2027-02-01')
    expect(resultKnownFrom(YEAR, '7DRT301', 1, null)).toBe('2027-02-01')
    expect(resultKnownFrom(YEAR, '7DRT201', 1, null)).toBe('2027-06-15')
    expect(resultKnownFrom(YEAR, 'UE-LIBRE', 1, null)).toBe('2027-06-15')
    expect(resultKnownFrom(YEAR, '7DRT101', 2, null)).toBe('2027-07-15')
    // Uploaded on 20 January: known then. Uploaded long after (a backfill): the jury date stands.
    expect(resultKnownFrom(YEAR, '7DRT101', 1, '2027-01-20')).toBe('2027-01-20')
    expect(resultKnownFrom(YEAR, '7DRT101', 1, '2028-03-01')).toBe('2027-02-01')
  })

  it('French dates', () => {
    expect(frenchDate('2026-10-01')).toBe('1er octobre')
    expect(frenchDate('2026-09-07', true)).toBe('7 septembre 2026')
  })
})
