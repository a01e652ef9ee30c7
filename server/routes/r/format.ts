/**
 * How the student pages write dates, times, places and phone numbers: French, Europe/Paris
 * (whatever the server's zone), short enough for a 360 px screen. Pure functions.
 */
import { TIME_ZONE as ZONE, parisDay, parisTime } from '../../lib/paris-time.ts'

const dayFormat = new Intl.DateTimeFormat('fr-FR', { weekday: 'long', day: 'numeric', month: 'long', timeZone: ZONE })
const dateFormat = new Intl.DateTimeFormat('fr-FR', { weekday: 'long', day: 'numeric', month: 'long', year: 'numeric', timeZone: ZONE })

/** The Paris wall clock of an instant: `{ date: '2026-03-30', hour: 9, minute: 30 }`. */
export function parisParts(at: Date): { date: string; hour: number; minute: number } {
  const time = parisTime(at)
  return { date: parisDay(at), hour: Number(time.slice(0, 2)), minute: Number(time.slice(3, 5)) }
}

/** « 9 h 30 », « 14 h » (the French way, not 09:30). */
export function timeLabel(at: Date): string {
  return clockLabel(parisTime(at))
}

/** `09:30` → « 9 h 30 », `14:00` → « 14 h ». */
export function clockLabel(hhmm: string): string {
  const hour = Number(hhmm.slice(0, 2))
  const minute = hhmm.slice(3, 5)
  return minute === '00' ? `${hour} h` : `${hour} h ${minute}`
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
