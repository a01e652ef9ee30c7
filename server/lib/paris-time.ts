/**
 * Wall-clock time in Europe/Paris and the French public holidays, without a date library:
 * Intl knows the zone's offsets (tzdata shipped with Node), which is all the slot computation
 * needs to stay right across the daylight-saving changes (last Sunday of March and of October).
 * The facts: docs/domain.md#appointments-and-the-student-pages.
 */
export const TIME_ZONE = 'Europe/Paris'

/** A calendar day, `YYYY-MM-DD`. */
export type Day = string

const offsetFormat = new Intl.DateTimeFormat('en-US', { timeZone: TIME_ZONE, timeZoneName: 'longOffset' })

/** Paris's offset at an instant, as Intl says it (about 10 µs a call: cached by hour below). */
function intlOffsetMinutes(at: Date): number {
  const name = offsetFormat.formatToParts(at).find((p) => p.type === 'timeZoneName')?.value ?? 'GMT'
  const m = /GMT([+-])(\d{2}):(\d{2})/.exec(name)
  return m ? (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3])) : 0
}

const HOUR_MS = 3_600_000
/**
 * Offsets by UTC hour. Paris changes its offset only on a whole UTC hour (01:00 UTC, last Sunday of
 * March and of October), so one hour has one offset; a slot list of four weeks asks for a few
 * hundred hours instead of thousands of Intl calls. Bounded: cleared past 50,000 hours (6 years).
 */
const offsetByHour = new Map<number, number>()

/** Minutes to add to UTC to get Paris time at that instant (60 in winter, 120 in summer). */
export function parisOffsetMinutes(at: Date): number {
  const hour = Math.floor(at.getTime() / HOUR_MS)
  let offset = offsetByHour.get(hour)
  if (offset === undefined) {
    offset = intlOffsetMinutes(new Date(hour * HOUR_MS))
    if (offsetByHour.size >= 50_000) {
      offsetByHour.clear()
    }
    offsetByHour.set(hour, offset)
  }
  return offset
}

/**
 * The instant of a Paris wall-clock time. The hour that does not exist (spring forward, 02:00 to
 * 03:00) moves one hour later; the hour that happens twice (fall back) reads as winter time.
 */
export function parisToUtc(day: Day, time: string): Date {
  const [y, mo, d] = day.split('-').map(Number) as [number, number, number]
  const [h, mi] = time.split(':').map(Number) as [number, number]
  const asUtc = Date.UTC(y, mo - 1, d, h, mi)
  const first = asUtc - parisOffsetMinutes(new Date(asUtc)) * 60_000
  const offset = parisOffsetMinutes(new Date(first))
  return new Date(offset === parisOffsetMinutes(new Date(asUtc)) ? first : asUtc - offset * 60_000)
}

const pad = (n: number) => String(n).padStart(2, '0')

/** The Paris wall clock of an instant: the instant shifted by Paris's offset, read in UTC. */
function parts(at: Date): { year: string; month: string; day: string; hour: string; minute: string } {
  const local = new Date(at.getTime() + parisOffsetMinutes(at) * 60_000)
  return {
    year: String(local.getUTCFullYear()),
    month: pad(local.getUTCMonth() + 1),
    day: pad(local.getUTCDate()),
    hour: pad(local.getUTCHours()),
    minute: pad(local.getUTCMinutes()),
  }
}

/** The Paris calendar day of an instant. */
export function parisDay(at: Date): Day {
  const p = parts(at)
  return `${p.year}-${p.month}-${p.day}`
}

/** The Paris wall-clock time of an instant, `HH:MM`. */
export function parisTime(at: Date): string {
  const p = parts(at)
  return `${p.hour}:${p.minute}`
}

export function addDays(day: Day, n: number): Day {
  const [y, m, d] = day.split('-').map(Number) as [number, number, number]
  return new Date(Date.UTC(y, m - 1, d + n)).toISOString().slice(0, 10)
}

/** ISO weekday: 1 = Monday … 7 = Sunday. */
export function isoWeekday(day: Day): number {
  const [y, m, d] = day.split('-').map(Number) as [number, number, number]
  const w = new Date(Date.UTC(y, m - 1, d)).getUTCDay()
  return w === 0 ? 7 : w
}

/** Easter Sunday of a Gregorian year (anonymous Gregorian algorithm, Meeus/Jones/Butcher). */
export function easterSunday(year: number): Day {
  const a = year % 19
  const b = Math.floor(year / 100)
  const c = year % 100
  const d = Math.floor(b / 4)
  const e = b % 4
  const f = Math.floor((b + 8) / 25)
  const g = Math.floor((b - f + 1) / 3)
  const h = (19 * a + b - d - g + 15) % 30
  const i = Math.floor(c / 4)
  const k = c % 4
  const l = (32 + 2 * e + 2 * i - h - k) % 7
  const m = Math.floor((a + 11 * h + 22 * l) / 451)
  const month = Math.floor((h + l - 7 * m + 114) / 31)
  const day = ((h + l - 7 * m + 114) % 31) + 1
  return `${year}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`
}

/**
 * The eleven French public holidays (code du travail, art. L3133-1) of a year, day → name.
 * The Marne has none of the Alsace-Moselle extras. Lundi de Pentecôte is listed (the
 * Mission Locale's setting closes every holiday or none): docs/domain.md#appointments-and-the-student-pages.
 */
export function frenchPublicHolidays(year: number): Map<Day, string> {
  const easter = easterSunday(year)
  return new Map<Day, string>([
    [`${year}-01-01`, 'Jour de l’an'],
    [addDays(easter, 1), 'Lundi de Pâques'],
    [`${year}-05-01`, 'Fête du Travail'],
    [`${year}-05-08`, 'Victoire 1945'],
    [addDays(easter, 39), 'Ascension'],
    [addDays(easter, 50), 'Lundi de Pentecôte'],
    [`${year}-07-14`, 'Fête nationale'],
    [`${year}-08-15`, 'Assomption'],
    [`${year}-11-01`, 'Toussaint'],
    [`${year}-11-11`, 'Armistice 1918'],
    [`${year}-12-25`, 'Noël'],
  ])
}

/** The holidays of the years asked for so far (a slot list asks once per day it shows). */
const holidaysByYear = new Map<number, Map<Day, string>>()

export function publicHolidayName(day: Day): string | undefined {
  const year = Number(day.slice(0, 4))
  let holidays = holidaysByYear.get(year)
  if (!holidays) {
    holidays = frenchPublicHolidays(year)
    if (holidaysByYear.size >= 200) {
      holidaysByYear.clear()
    }
    holidaysByYear.set(year, holidays)
  }
  return holidays.get(day)
}

/** Monday to Friday, and not a public holiday. */
export function isWorkingDay(day: Day): boolean {
  return isoWeekday(day) <= 5 && !publicHolidayName(day)
}

/**
 * The due date of a callback: 18:00 Paris time on the `n`th working day after the day of the
 * request (the request day itself never counts, whatever the hour). A Friday request is due on
 * Tuesday 18:00; a request on the Wednesday before Ascension, on the Monday after.
 */
export function dueAfterWorkingDays(from: Date, n: number): Date {
  let day = parisDay(from)
  let left = n
  while (left > 0) {
    day = addDays(day, 1)
    if (isWorkingDay(day)) {
      left--
    }
  }
  return parisToUtc(day, '18:00')
}
