/**
 * The academic calendar the features are computed against, and French date wording for reasons.
 * Dates are ISO `YYYY-MM-DD` strings (the `date` columns of db/client.ts), computed in UTC so a
 * day never shifts with the machine's time zone.
 */

const DAY_MS = 86_400_000

/** `2026/2027` → 2026 (the academic year starts on 1 September of that year). */
export function academicYearStart(academicYear: string): number {
  const m = /^(\d{4})\/(\d{4})$/.exec(academicYear)
  if (!m || Number(m[2]) !== Number(m[1]) + 1) {
    throw new Error(`not an academic year: ${academicYear}`)
  }
  return Number(m[1])
}

/** The academic year a day belongs to: 1 September to 31 August (docs/imports.md). */
export function academicYearOf(isoDate: string): string {
  const [y, m] = isoDate.split('-').map(Number) as [number, number]
  const start = m >= 9 ? y : y - 1
  return `${start}/${start + 1}`
}

export function firstDayOfYear(academicYear: string): string {
  return `${academicYearStart(academicYear)}-09-01`
}

export function addDays(isoDate: string, days: number): string {
  return new Date(Date.parse(`${isoDate}T00:00:00Z`) + days * DAY_MS).toISOString().slice(0, 10)
}

export function daysBetween(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / DAY_MS)
}

/**
 * Week `n` of an academic year ends on day `7n` counted from 1 September (week 1 = 1–7 September).
 * A model trained "as of week 12" of last year saw last year's students as they were on that day.
 */
export function asOfDateOfWeek(academicYear: string, week: number): string {
  return addDays(firstDayOfYear(academicYear), 7 * week - 1)
}

/** The week of the academic year a day falls in (1 for 1–7 September). */
export function weekOfYear(academicYear: string, isoDate: string): number {
  return Math.floor(daysBetween(firstDayOfYear(academicYear), isoDate) / 7) + 1
}

/** Today in Europe/Paris, where the universities are: a run at 00:30 belongs to the new day. */
export function todayInParis(now = new Date()): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Paris', year: 'numeric', month: '2-digit', day: '2-digit' }).format(now)
}

const MONTHS = ['janvier', 'février', 'mars', 'avril', 'mai', 'juin', 'juillet', 'août', 'septembre', 'octobre', 'novembre', 'décembre']

/** `2026-10-01` → `1er octobre`; with the year when `withYear`. */
export function frenchDate(isoDate: string, withYear = false): string {
  const [y, m, d] = isoDate.split('-').map(Number) as [number, number, number]
  return `${d === 1 ? '1er' : d} ${MONTHS[m - 1]}${withYear ? ` ${y}` : ''}`
}

/**
 * When a result is known. The `resultats` file gives no date, so a result counts from the usual
 * jury date of its session (docs/domain.md#result-and-absence-codes: Apogée sessions), or from the
 * day its file was uploaded when that is earlier — never later than either:
 *
 * - semester read from an Apogée course-unit code (`7DRT101`: letters, then the semester digit,
 *   then the unit number): odd semester (autumn) session 1 → 1 February; even semester session 1 →
 *   15 June of the second calendar year;
 * - session 1 without a readable semester → 15 June; session 2 (resits) → 15 July.
 *
 * The SQL in db/repositories/scoring.repository.ts applies the same rule; this function is its
 * reference and is what the unit tests pin down.
 */
export function resultKnownFrom(academicYear: string, courseUnit: string, session: number, uploadedOn: string | null): string {
  const y = academicYearStart(academicYear) + 1
  let calendar: string
  if (session >= 2) {
    calendar = `${y}-07-15`
  } else {
    const semester = semesterOf(courseUnit)
    calendar = semester !== null && semester % 2 === 1 ? `${y}-02-01` : `${y}-06-15`
  }
  return uploadedOn !== null && uploadedOn < calendar ? uploadedOn : calendar
}

/** The semester digit of an Apogée course-unit code (`7DRT101` → 1), or null. */
export function semesterOf(courseUnit: string): number | null {
  const m = SEMESTER_RE.exec(courseUnit)
  return m ? Number(m[1]) : null
}
/** Shared with the SQL (scoring.repository.ts) as a POSIX regular expression. */
export const SEMESTER_PATTERN = '^[0-9]?[A-Z]+([1-9])[0-9]{2}$'
const SEMESTER_RE = new RegExp(SEMESTER_PATTERN)

/**
 * Complete weeks without a login on the learning platform, counted back from the last complete
 * week (the one ending on or before the as-of date) to the last week with a login, or to the first
 * week the university sent when the student never logged in. Null when the university sends no
 * ENT data for the year (`lmsFirstWeek` null) or no week is complete yet.
 */
export function weeksWithoutLms(lastActiveWeek: string | null, lmsFirstWeek: string | null, asOf: string): number | null {
  if (lmsFirstWeek === null) {
    return null
  }
  const dow = (new Date(`${asOf}T00:00:00Z`).getUTCDay() + 6) % 7 // Monday = 0
  const lastComplete = addDays(asOf, dow === 6 ? -6 : -dow - 7)
  if (lmsFirstWeek > lastComplete) {
    return null
  }
  const ref = lastActiveWeek ?? addDays(lmsFirstWeek, -7)
  return Math.max(0, Math.round(daysBetween(ref, lastComplete) / 7))
}
