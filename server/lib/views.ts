/**
 * Handlebars setup for server-rendered pages: one instance with the helpers pages use.
 * Templates escape by default; `{{{ }}}` is never used with user data.
 */
import Handlebars from 'handlebars'
import type { UserRole } from '../../db/vocabulary/index.ts'

export const ROLE_LABELS: Record<UserRole, string> = {
  university_staff: 'Équipe université',
  counsellor: 'Conseiller·ère Mission Locale',
  ml_manager: 'Responsable Mission Locale',
  admin: 'Administration du consortium',
}

export const SITE_KIND_LABELS: Record<string, string> = {
  agency: 'Agence',
  antenna: 'Antenne',
  campus_permanence: 'Permanence sur le campus',
  itinerant: 'Permanence itinérante',
}

export const MODALITY_LABELS: Record<string, string> = {
  in_person: 'Sur place',
  phone: 'Téléphone',
  video: 'Visio',
}

const dateTime = new Intl.DateTimeFormat('fr-FR', { dateStyle: 'short', timeStyle: 'short', timeZone: 'Europe/Paris' })
const dateOnly = new Intl.DateTimeFormat('fr-FR', { dateStyle: 'long', timeZone: 'Europe/Paris' })
const dayShort = new Intl.DateTimeFormat('fr-FR', { weekday: 'short', day: 'numeric', month: 'short', timeZone: 'Europe/Paris' })
const number = new Intl.NumberFormat('fr-FR')

export function createHandlebars(): typeof Handlebars {
  const hbs = Handlebars.create()
  hbs.registerHelper('eq', (a: unknown, b: unknown) => a === b)
  hbs.registerHelper('or', (...args: unknown[]) => args.slice(0, -1).some(Boolean))
  hbs.registerHelper('and', (...args: unknown[]) => args.slice(0, -1).every(Boolean))
  hbs.registerHelper('not', (a: unknown) => !a)
  hbs.registerHelper('includes', (list: unknown, item: unknown) => Array.isArray(list) && list.includes(item))
  hbs.registerHelper('roleLabel', (role: UserRole) => ROLE_LABELS[role] ?? role)
  hbs.registerHelper('siteKindLabel', (kind: string) => SITE_KIND_LABELS[kind] ?? kind)
  hbs.registerHelper('modalityLabel', (m: string) => MODALITY_LABELS[m] ?? m)
  hbs.registerHelper('dateTime', (d: Date | string | null) => (d ? dateTime.format(new Date(d)) : '—'))
  hbs.registerHelper('date', (d: Date | string | null) => (d ? dateOnly.format(new Date(d)) : '—'))
  /** « mer. 2 déc. »: a day in a chart's axis. */
  hbs.registerHelper('dayShort', (d: Date | string | null) => (d ? dayShort.format(new Date(d)) : '—'))
  hbs.registerHelper('number', (n: number | null | undefined) => (typeof n === 'number' ? number.format(n) : '—'))
  hbs.registerHelper('json', (v: unknown) => JSON.stringify(v))
  hbs.registerHelper('percent', (n: number | null | undefined) =>
    typeof n === 'number' ? `${number.format(Math.round(n * 1000) / 10)} %` : '—',
  )
  return hbs
}
