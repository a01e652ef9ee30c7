/**
 * The point-in-time features in SQL (db/repositories/scoring.repository.ts) on hand-made students
 * whose answers are worked out by hand below, with data dated after the as-of day in the database
 * from the start: it must change nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createScoringRepository } from '../../db/repositories/scoring.repository.ts'
import { startTestApp, type TestApp } from '../helpers/app.ts'

let t: TestApp
let uni: string
const YEAR = '2026/2027'
/** A Sunday: the 2-week window is 9–22 November, the 4-week one 26 October – 22 November. */
const AS_OF = '2026-11-22'
const ids: Record<string, number> = {}

async function student(name: string, enrolment: Record<string, unknown>): Promise<number> {
  const [s] = await t.database.sql<{ id: number }[]>`
    INSERT INTO students (university_id, pseudo_id) VALUES (${uni}, ${`feat-${name}-xxxxxxxxxxxxxxxx`}) RETURNING id`
  const id = Number(s!.id)
  await t.database.sql`INSERT INTO enrolments ${t.database.sql({ student_id: id, academic_year: YEAR, ...enrolment })}`
  ids[name] = id
  return id
}

async function importOn(day: string): Promise<string> {
  const [row] = await t.database.sql<{ id: string }[]>`
    INSERT INTO imports (organisation_id, kind, status, file_name, stored_path, size_bytes, sha256, encoding, created_at)
    VALUES (${uni}, 'resultats', 'succeeded', 'r.csv', '/tmp/none', 1, ${`sha-${day}-${Math.random()}`}, 'utf-8', ${`${day}T10:00:00+01:00`})
    RETURNING id`
  return row!.id
}

const mondays = (from: string, count: number) =>
  Array.from({ length: count }, (_, i) => new Date(Date.parse(`${from}T00:00:00Z`) + i * 7 * 86_400_000).toISOString().slice(0, 10))

beforeAll(async () => {
  t = await startTestApp()
  uni = t.orgIds.get('urca')!
  const a = await student('a', {
    level: 'L1',
    campus: 'Reims Croix-Rouge',
    birth_year: 2007,
    grant_holder: true,
    registration_date: '2026-09-10',
    admin_status: 'VALIDE',
    pedagogical_status: 'N',
    study_regime: 'FI',
    oui_si: true,
    home_commune_insee: '51454',
  })
  // Thirteen Monday TD sessions, 7 September → 30 November; the last two are after the as-of day.
  const presence: Record<string, string> = {
    '2026-10-26': 'late',
    '2026-11-02': 'absent_unjustified',
    '2026-11-09': 'absent_justified',
    '2026-11-16': 'absent_unjustified',
  }
  for (const day of mondays('2026-09-07', 13)) {
    const p = presence[day] ?? 'present'
    await t.database.sql`
      INSERT INTO attendance_sessions (student_id, course_unit, session_date, session_type, presence_raw, presence)
      VALUES (${a}, '7DRT101', ${day}, 'TD', ${p}, ${p})`
  }
  await t.database.sql`
    INSERT INTO attendance_sessions (student_id, course_unit, session_date, session_type, presence_raw, presence)
    VALUES (${a}, '7DRT102', '2026-10-12', 'CM', 'ABI', 'absent_unjustified'),
           (${a}, '7DRT102', '2026-11-24', 'CM', 'ABI', 'absent_unjustified'),
           (${a}, '7DRT102', '2026-08-28', 'CM', 'ABI', 'absent_unjustified')`
  // Results: one file uploaded on 15 November, one on 1 December (after), one without a file.
  const before = await importOn('2026-11-15')
  const after = await importOn('2026-12-01')
  await t.database.sql`
    INSERT INTO results (student_id, academic_year, course_unit, session, grade, result_raw, result, ects, import_id) VALUES
      (${a}, ${YEAR}, '7DRT101', 1, 8, 'AJ', 'failed', 0, ${before}),
      (${a}, ${YEAR}, '7DRT102', 1, 14, 'ADM', 'admitted', 6, ${before}),
      (${a}, ${YEAR}, '7DRT103', 1, NULL, 'ABI', 'absent_unjustified', 0, ${before}),
      (${a}, ${YEAR}, '7DRT104', 1, 6, 'AJ', 'failed', 0, ${before}),
      (${a}, ${YEAR}, '7DRT104', 2, 11, 'ADM', 'admitted', 6, ${before}),
      (${a}, ${YEAR}, '7DRT105', 1, NULL, 'DEF', 'defaulted', 0, ${after}),
      (${a}, ${YEAR}, '7DRT201', 1, 15, 'ADM', 'admitted', 6, NULL),
      (${a}, '2025/2026', '7DRT101', 1, 2, 'AJ', 'failed', 0, ${before})`
  // ENT: active until the week of 19 October; the week of 23 November is not over on the 22nd.
  const logins: Record<string, number> = { '2026-10-05': 3, '2026-10-19': 2, '2026-11-23': 5 }
  for (const week of mondays('2026-10-05', 8)) {
    await t.database.sql`INSERT INTO lms_activity (student_id, week_start, logins) VALUES (${a}, ${week}, ${logins[week] ?? 0})`
  }
  await t.database.sql`
    INSERT INTO student_indicators (student_id, academic_year, source_kind, name, value) VALUES
      (${a}, ${YEAR}, 'etudiants', 'tutorat', 1), (${a}, '', 'assiduite', 'heures_de_soutien', 12.5),
      (${a}, '2025/2026', 'etudiants', 'ancien', 3)`

  // B: weekly attendance only; no ENT rows although the university sends some.
  const b = await student('b', { level: 'L2', grant_holder: false, pedagogical_status: 'O' })
  await t.database.sql`
    INSERT INTO attendance_weeks (student_id, week_start, sessions_expected, sessions_attended) VALUES
      (${b}, '2026-11-09', 5, 5), (${b}, '2026-11-16', 5, 0), (${b}, '2026-11-23', 5, 5)`
  // C registered after the as-of day: not in the cohort yet. D: enrolled, nothing else.
  await student('c', { registration_date: '2026-11-30' })
  await student('d', {})
})
afterAll(async () => {
  await t?.close()
})

async function factsAsOf(asOf = AS_OF) {
  const repo = createScoringRepository(t.database.db)
  const context = await repo.cohortContext(uni, YEAR, asOf)
  const all = await repo.facts({ universityId: uni, academicYear: YEAR, asOf, fromId: 1, toId: 1_000_000, context })
  return { context, byName: Object.fromEntries(Object.entries(ids).map(([n, id]) => [n, all.find((f) => f.studentId === id)])) }
}

describe('point-in-time features (SQL)', () => {
  it('attendance: windows, change, unjustified absences by type, weeks without attendance', async () => {
    const { byName } = await factsAsOf()
    const a = byName.a!
    // 11 TD Mondays up to 16 November + 1 CM on 12 October; 8 attended (7 present + 1 late).
    expect([a.attExpected, a.attAttended]).toEqual([12, 8])
    expect([a.att2wExpected, a.att2wAttended]).toEqual([2, 0]) // 9 Nov (ABJ), 16 Nov (ABI)
    expect([a.att4wExpected, a.att4wAttended]).toEqual([4, 1]) // + 26 Oct (late), 2 Nov (ABI)
    expect([a.attBeforeExpected, a.attBeforeAttended]).toEqual([8, 7])
    expect(a.abiCount).toBe(3) // the August one is last year's, the 24 November one is after the day
    expect(a.abiByType).toEqual({ TD: 2, CM: 1 })
    expect(a.weeksWithoutAttendance).toBe(3) // weeks of 2, 9 and 16 November
    expect(a.attFirstDate).toBe('2026-09-07')
    const b = byName.b!
    // A week counts once it is over: 9–15 and 16–22 November, not 23–29.
    expect([b.attExpected, b.attAttended, b.att2wExpected, b.att2wAttended, b.weeksWithoutAttendance]).toEqual([10, 5, 10, 5, 1])
  })

  it('results: latest known session per unit, known-from dates, ECTS earned against attempted', async () => {
    const { byName, context } = await factsAsOf()
    const a = byName.a!
    // 101 AJ, 102 ADM, 103 ABI, 104 ADM at the resit (its file came on 15 November). 105 came on
    // 1 December; 201 (semester 2, no file date) is known from 15 June.
    expect([a.unitsKnown, a.unitsAdmitted, a.unitsFailed, a.unitsMissing, a.defDemCount]).toEqual([4, 2, 1, 1, 0])
    expect(a.ectsEarned).toBe(12)
    // 101 and 103 were earned by nobody yet: 6 ECTS each (DEFAULT_UNIT_ECTS).
    expect(a.ectsAttempted).toBe(24)
    expect(a.meanGrade).toBeCloseTo((8 + 14 + 11) / 3, 10)
    expect(context.unitEcts).toEqual({ '7DRT102': 6, '7DRT104': 6 })
  })

  it('enrolment, territory, ENT weeks and indicators', async () => {
    const { byName, context } = await factsAsOf()
    const a = byName.a!
    const [ml] = await t.database.sql<{ mission_locale_id: string }[]>`SELECT mission_locale_id FROM communes WHERE insee_code = '51454'`
    expect(a).toMatchObject({
      level: 'L1',
      grantHolder: true,
      pedagogicalStatus: 'N',
      ouiSi: true,
      registrationDate: '2026-09-10',
      birthYear: 2007,
    })
    expect(a.territoryId).toBe(ml!.mission_locale_id)
    expect(context.lmsFirstWeek).toBe('2026-10-05')
    // Last login the week of 19 October; last complete week: 16 November → 4 weeks.
    expect(a.weeksWithoutLms).toBe(4)
    // B never logged in: counted from the university's first ENT week (5 October) → 7 weeks.
    expect(byName.b!.weeksWithoutLms).toBe(7)
    expect(a.indicators).toEqual({ tutorat: 1, heures_de_soutien: 12.5 })
    expect(byName.c).toBeUndefined() // registered on 30 November
    expect(byName.d).toMatchObject({ attExpected: 0, unitsKnown: 0, weeksWithoutAttendance: null })
  })

  it('data dated after the as-of day changes nothing', async () => {
    const first = await factsAsOf()
    const a = ids.a!
    const later = await importOn('2026-11-30')
    await t.database.sql`
      INSERT INTO attendance_sessions (student_id, course_unit, session_date, session_type, presence_raw, presence)
      VALUES (${a}, '7DRT101', '2026-11-25', 'TD', 'ABI', 'absent_unjustified')`
    await t.database
      .sql`INSERT INTO attendance_weeks (student_id, week_start, sessions_expected, sessions_attended) VALUES (${ids.b!}, '2026-11-30', 4, 0)`
    await t.database.sql`INSERT INTO lms_activity (student_id, week_start, logins) VALUES (${ids.b!}, '2026-11-30', 9)`
    await t.database.sql`
      INSERT INTO results (student_id, academic_year, course_unit, session, grade, result_raw, result, ects, import_id)
      VALUES (${a}, ${YEAR}, '7DRT106', 1, 3, 'AJ', 'failed', 0, ${later})`
    await t.database.sql`INSERT INTO outcomes (student_id, academic_year, outcome) VALUES (${a}, ${YEAR}, 'abandon')`
    const again = await factsAsOf()
    expect(again).toEqual(first)
    // …and the same data does count one week later.
    const next = await factsAsOf('2026-12-06')
    expect(next.byName.a!.abiCount).toBeGreaterThan(first.byName.a!.abiCount)
  })
})
