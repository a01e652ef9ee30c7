/**
 * What the student templates receive, shaped from the services' answers: French labels,
 * Paris times, links. Pure functions (no Fastify, no database) but `directory`.
 */
import type { FastifyRequest } from 'fastify'
import { SITE_KIND_LABELS } from '../../lib/views.ts'
import { clockLabel, dateLabel, parisParts, phoneHref, websiteLabel, whenLabel } from './format.ts'
import { MOMENT_LABELS, type CallbackMoment } from './moments.ts'
import type { LinkResolution } from '../../services/link.service.ts'
import { NATIONAL_DIRECTORY_URL, type Place, type RoutingAnswer, type RoutingService } from '../../services/routing.service.ts'
import type { SlotDay } from '../../services/availability.service.ts'
import { CHANGE_CUTOFF_MS, type AppointmentView } from '../../services/booking.service.ts'
import type { SiteModality } from '../../../db/vocabulary/index.ts'

/** The national directory of Missions Locales: the answer when no partner covers a commune. */
export const NATIONAL_DIRECTORY = { url: NATIONAL_DIRECTORY_URL, label: 'le site national des Missions Locales (unml.info)' }

export type Contact = {
  name: string
  shortName?: string
  phone?: string | null
  email?: string | null
  address?: string | null
  website?: string | null
}
type Resolution = Pick<LinkResolution, 'university' | 'missionLocale'> & {
  university: (LinkResolution['university'] & { dpo?: Dpo | null }) | null
}
type Dpo = { email?: string | null; address?: string | null }
export type UsableResolution = LinkResolution & { status: 'ok'; link: NonNullable<LinkResolution['link']> }

export const base = (code: string) => `/r/${code}`

export function contact(c: Contact | null | undefined) {
  if (!c) {
    return null
  }
  return {
    name: c.name,
    phone: c.phone ?? null,
    phoneHref: c.phone ? phoneHref(c.phone) : null,
    email: c.email ?? null,
    address: c.address ?? null,
    website: c.website ?? null,
    websiteLabel: c.website ? websiteLabel(c.website) : null,
  }
}

/** Who writes: the university and the Mission Locale, and the DPO line of « pourquoi ». */
export function org(resolved: Resolution, dpoEmail = '') {
  const dpo = resolved.university?.dpo ?? (dpoEmail ? { email: dpoEmail } : null)
  return {
    university: resolved.university
      ? {
          name: resolved.university.name,
          dpo: {
            email: dpo?.email ?? null,
            address: dpo?.address ?? null,
            text: 'Écrivez au délégué à la protection des données de l’université, par le formulaire de contact de son site',
          },
        }
      : null,
    missionLocale: contact(resolved.missionLocale),
  }
}

/** The audit context of a student acting through a link (recorded by link id, never the code). */
export function studentCtx(request: FastifyRequest, linkId: string) {
  return { studentLinkId: linkId, requestId: request.id, ip: request.ip }
}

/** The manage link acts for the appointment's own link: the service finds it. */
export function anonymousCtx(request: FastifyRequest) {
  return { requestId: request.id, ip: request.ip }
}

export function errorTitle(status: number): string {
  if (status === 429) {
    return 'Trop de demandes'
  }
  if (status === 404 || status === 410) {
    return 'Page introuvable'
  }
  return status >= 500 ? 'Le service ne répond pas' : 'Demande impossible'
}

/** How long things are kept, as « pourquoi » says it. */
export function retention(config: { LINK_EXPIRY_DAYS?: number }) {
  return {
    linkDays: config.LINK_EXPIRY_DAYS ?? 30,
    studies: 'jusqu’à la fin de l’année universitaire, plus 3 mois',
    contacts: 'supprimées à la fin de la campagne de messages, au plus tard 6 mois après le dernier message',
  }
}

/** The helpful page of an unknown code: the partners' generic contacts and the national directory. */
export async function directory(routing: Pick<RoutingService, 'directory'>) {
  return {
    university: null,
    missionLocale: null,
    directory: (await routing.directory()).map(contact).filter((c) => c !== null),
    nationalDirectory: NATIONAL_DIRECTORY,
  }
}

/** The commune the booking routes by: the one the student declared, else the enrolment one. */
export function communeOf(resolved: UsableResolution) {
  return resolved.student?.homeCommune ?? null
}

export type Choice = { siteId?: string; modality: SiteModality }

const REMOTE: Record<string, string> = { phone: 'Par téléphone', video: 'En visio' }
const REMOTE_DETAIL: Record<string, string> = {
  phone: 'La Mission Locale vous appelle à l’heure du rendez-vous.',
  video: 'Vous recevez le lien de la visio avec la confirmation.',
}

function placeDetail(p: Place): string {
  return `${SITE_KIND_LABELS[p.kind] ?? p.kind} · ${p.address}, ${[p.postcode, p.communeName].filter(Boolean).join(' ')}`
}

export function choiceHref(b: string, c: Choice): string {
  return `${b}/rendez-vous/creneaux?${new URLSearchParams(choiceParams(c)).toString()}`
}

/**
 * The places and remote modalities of the student's Mission Locale that have a free slot within
 * the horizon, each with its next one (« Prochain créneau : mardi 3 décembre à 9 h »), and the
 * answer for a commune outside the partners' territories.
 */
export function choices(b: string, places: Place[], route: RoutingAnswer | null, free: SlotDay[]) {
  const next = new Map<string, Date>()
  for (const day of free) {
    for (const s of day.slots) {
      const key = s.modality === 'in_person' ? `in_person|${s.siteId ?? ''}` : s.modality
      const seen = next.get(key)
      if (!seen || s.startsAt < seen) {
        next.set(key, s.startsAt)
      }
    }
  }
  const soonest = (key: string) => {
    const at = next.get(key)
    return at ? `Prochain créneau : ${whenLabel(at)}` : null
  }
  const options = [
    ...places
      .filter((p) => p.modalities.includes('in_person') && next.has(`in_person|${p.id}`))
      .map((p) => ({
        label: p.name,
        detail: placeDetail(p),
        next: soonest(`in_person|${p.id}`),
        href: choiceHref(b, { siteId: p.id, modality: 'in_person' }),
      })),
    ...(['phone', 'video'] as const)
      .filter((m) => next.has(m))
      .map((m) => ({ label: REMOTE[m], detail: REMOTE_DETAIL[m], next: soonest(m), href: choiceHref(b, { modality: m }) })),
  ]
  const outside =
    route && route.status !== 'covered'
      ? {
          missionLocale: route.otherMissionLocale ? { name: route.otherMissionLocale } : null,
          nationalDirectory: { ...NATIONAL_DIRECTORY, url: route.nationalDirectoryUrl },
        }
      : null
  return { options: outside ? [] : options, outside, nationalDirectory: NATIONAL_DIRECTORY }
}

export function choiceFromQuery(q: { lieu?: string; mode?: string }): Choice | null {
  if (q.mode !== 'in_person' && q.mode !== 'phone' && q.mode !== 'video') {
    return null
  }
  if (q.mode === 'in_person' && !q.lieu) {
    return null
  }
  return { modality: q.mode, ...(q.lieu && /^[0-9a-f-]{36}$/.test(q.lieu) ? { siteId: q.lieu } : {}) }
}

export function optionLabel(c: Choice, places: Place[]) {
  if (c.modality !== 'in_person') {
    return { label: REMOTE[c.modality], detail: REMOTE_DETAIL[c.modality] }
  }
  const p = places.find((x) => x.id === c.siteId)
  return p ? { label: p.name, detail: placeDetail(p) } : { label: 'Sur place', detail: '' }
}

/** Monday 00:00 Paris of the week `n` weeks from this one, and the next Monday. */
export function weekWindow(n: number, now = new Date()) {
  const { date } = parisParts(now)
  const [y, m, d] = date.split('-').map(Number) as [number, number, number]
  const today = new Date(Date.UTC(y, m - 1, d))
  const monday = new Date(today.getTime() - ((today.getUTCDay() + 6) % 7) * 86_400_000 + n * 7 * 86_400_000)
  const iso = (x: Date) => x.toISOString().slice(0, 10)
  return { fromDay: iso(monday), toDay: iso(new Date(monday.getTime() + 6 * 86_400_000)) }
}

/** The week number (0 = this week, as `weekWindow` counts) of a Paris day. */
export function weekOfDay(day: string, now = new Date()): number {
  const monday = Date.parse(`${weekWindow(0, now).fromDay}T00:00:00Z`)
  return Math.max(0, Math.floor((Date.parse(`${day}T00:00:00Z`) - monday) / (7 * 86_400_000)))
}

/** Slots grouped by day, one button per start and place (two counsellors at 10 h make one button). */
export function slotDays(days: SlotDay[], formHref: string, showSite: boolean) {
  return {
    days: days
      .map((d) => {
        const seen = new Set<string>()
        const slots = d.slots
          .filter((s) => {
            const k = `${s.startsAt.getTime()}|${s.siteId ?? ''}|${s.modality}`
            return seen.has(k) ? false : (seen.add(k), true)
          })
          .sort((a, b) => a.startsAt.getTime() - b.startsAt.getTime())
          .map((s) => {
            const time = clockLabel(s.time)
            return {
              time,
              site: showSite ? s.siteName : null,
              ariaLabel: `${d.label} à ${time}${showSite && s.siteName ? `, ${s.siteName}` : ''}`,
              // A slot key is base64url: nothing to escape.
              href: `${formHref}?creneau=${s.slotKey}`,
            }
          })
        // « Mercredi 2 décembre »: only the first letter up (CSS capitalize would write « Décembre »).
        return { label: d.label.charAt(0).toUpperCase() + d.label.slice(1), slots }
      })
      .filter((d) => d.slots.length > 0),
  }
}

export function choiceParams(c: Choice): Record<string, string> {
  return { ...(c.siteId ? { lieu: c.siteId } : {}), mode: c.modality }
}

/** « Semaine précédente / suivante » links, keeping the other parameters. */
export function pager(href: string, params: Record<string, string>, week: number, maxWeek: number) {
  const at = (n: number) => {
    const q = new URLSearchParams({ ...params, ...(n ? { semaine: String(n) } : {}) }).toString()
    return q ? `${href}?${q}` : href
  }
  return { previous: week > 0 ? at(week - 1) : null, next: week < maxWeek ? at(week + 1) : null }
}

/** « lundi 30 mars à 9 h 30 » and where, for the form and the confirmation. */
export function slotSummary(s: { startsAt: Date; modality: string; siteName?: string | null; address?: string | null }) {
  return {
    when: whenLabel(s.startsAt),
    where: s.modality === 'in_person' ? (s.siteName ?? 'Sur place') : s.modality === 'phone' ? 'Par téléphone' : 'En visio',
  }
}

export function isoDay(d: Date): string {
  return parisParts(d).date
}

export function callbackDone(q: { le?: string; moments?: string }) {
  const moments = (q.moments ?? '').split(',').filter((m): m is CallbackMoment => m in MOMENT_LABELS)
  const due = q.le ? dateLabel(new Date(`${q.le}T12:00:00Z`)) : null
  return {
    due,
    momentsText: moments.length ? moments.map((m) => MOMENT_LABELS[m].toLowerCase()).join(' ou ') : null,
  }
}

/** What the confirmation / manage page shows of an appointment. */
export function managed(a: AppointmentView) {
  const where = slotSummary({ startsAt: a.startsAt, modality: a.modality, siteName: a.place?.name })
  return {
    appointment: {
      ...where,
      address: a.modality === 'in_person' ? (a.place?.address ?? null) : null,
      howTo:
        a.modality === 'phone'
          ? 'La Mission Locale vous appelle au numéro que vous avez donné, à l’heure du rendez-vous.'
          : a.modality === 'video'
            ? 'Le lien de la visio vous est envoyé avec la confirmation.'
            : null,
    },
    missionLocale: contact(a.missionLocale),
    canChange: a.canChange,
    changeLimitHours: CHANGE_CUTOFF_MS / 3_600_000,
  }
}

export type Refusal = { kind: 'slot' | 'age' | 'already' | 'input'; statusCode: number; message: string }

/** The booking service's refusals the pages answer themselves (anything else goes to the error handler). */
export function bookingRefusal(err: unknown): Refusal | null {
  const e = err as { code?: string; statusCode?: number; message?: string }
  const kinds: Record<string, Refusal['kind']> = {
    APP_SLOT_TAKEN: 'slot',
    APP_SLOT_UNAVAILABLE: 'slot',
    APP_AGE_TOO_YOUNG: 'age',
    APP_AGE_TOO_OLD: 'age',
    APP_ALREADY_BOOKED: 'already',
    APP_BAD_INPUT: 'input',
  }
  const kind = e.code ? kinds[e.code] : undefined
  return kind ? { kind, statusCode: e.statusCode ?? 409, message: e.message ?? '' } : null
}

/** Communes matching what the student typed, for the « votre commune » choice. */
export function candidates(list: { inseeCode: string; name: string; postcodes: string[] }[]) {
  return list.map((c) => ({ inseeCode: c.inseeCode, name: c.name, postcodes: c.postcodes.join(', ') }))
}
