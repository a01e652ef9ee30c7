/**
 * How the student pages write dates, times, places and phone numbers: French, Europe/Paris
 * (whatever the server's zone), short enough for a 360 px screen. Pure functions.
 */
export const ZONE = 'Europe/Paris'

const dayFormat = new Intl.DateTimeFormat('fr-FR', { weekday: 'long', day: 'numeric', month: 'long', timeZone: ZONE })
const dateFormat = new Intl.DateTimeFormat('fr-FR', { weekday: 'long', day: 'numeric', month: 'long', year: 'numeric', timeZone: ZONE })
const partsFormat = new Intl.DateTimeFormat('en-CA', {
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  hourCycle: 'h23',
  timeZone: ZONE,
})

/** The Paris wall clock of an instant: `{ date: '2026-03-30', hour: 9, minute: 30 }`. */
export function parisParts(at: Date): { date: string; hour: number; minute: number } {
  const p = Object.fromEntries(partsFormat.formatToParts(at).map((x) => [x.type, x.value]))
  return { date: `${p.year}-${p.month}-${p.day}`, hour: Number(p.hour), minute: Number(p.minute) }
}

/** « 9 h 30 », « 14 h » (the French way, not 09:30). */
export function timeLabel(at: Date): string {
  const { hour, minute } = parisParts(at)
  return minute === 0 ? `${hour} h` : `${hour} h ${String(minute).padStart(2, '0')}`
}

/** « lundi 30 mars » */
export function dayLabel(at: Date): string {
  return dayFormat.format(at)
}

/** « lundi 30 mars 2026 » */
export function dateLabel(at: Date): string {
  return dateFormat.format(at)
}

/** « lundi 30 mars à 9 h 30 » */
export function whenLabel(at: Date): string {
  return `${dayLabel(at)} à ${timeLabel(at)}`
}

/** A French number as a `tel:` target: « 03 26 00 00 00 » → `+33326000000`. */
export function phoneHref(phone: string): string {
  const digits = phone.replace(/[^\d+]/g, '')
  return /^0\d{9}$/.test(digits) ? `+33${digits.slice(1)}` : digits
}

/** « https://www.unml.info/… » → « unml.info » for a link's text. */
export function websiteLabel(url: string): string {
  try {
    return new URL(url).hostname.replace(/^www\./, '')
  } catch {
    return url
  }
}

/** Today's date in Paris, `YYYY-MM-DD` (the `max` of the birth date field). */
export function parisToday(now = new Date()): string {
  return parisParts(now).date
}
