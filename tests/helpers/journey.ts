/**
 * Builders for the student pages' tests: a pseudonymous student with an enrolment (home commune),
 * a personal link made by the link service, and opening hours made by the availability service
 * (as a manager would), every day from 7 h to 21 h so a test finds free slots whatever the hour.
 */
import { randomUUID } from 'node:crypto'
import { eq } from 'drizzle-orm'
import type { LightMyRequestResponse } from 'fastify'
import { enrolments } from '../../db/schema/enrolments.ts'
import { students } from '../../db/schema/students.ts'
import { users } from '../../db/schema/users.ts'
import { sites } from '../../db/schema/sites.ts'
import type { TestApp } from './app.ts'
import { cookiesOf } from './app.ts'

export const REIMS = '51454'
export const EPERNAY = '51230'
export const CHALONS = '51108'
/** Vitry-le-François: in the Marne, covered by none of the three partners. */
export const VITRY = '51649'

export async function aStudent(t: TestApp, opts: { homeCommune?: string | null; birthYear?: number } = {}): Promise<number> {
  const universityId = t.orgIds.get('urca') as string
  const [row] = await t.database.db
    .insert(students)
    .values({ universityId, pseudoId: `pseudo-${randomUUID()}` })
    .returning({ id: students.id })
  const id = (row as { id: number }).id
  await t.database.db.insert(enrolments).values({
    studentId: id,
    academicYear: '2025-2026',
    homeCommuneInsee: opts.homeCommune === undefined ? REIMS : opts.homeCommune,
    birthYear: opts.birthYear ?? 2005,
    campus: 'Reims Croix-Rouge',
  })
  return id
}

export async function aLink(t: TestApp, opts: { homeCommune?: string | null; expiresAt?: Date; studentId?: number } = {}) {
  const studentId = opts.studentId ?? (await aStudent(t, opts))
  const link = await t.app.services.links.create({ studentId, ...(opts.expiresAt ? { expiresAt: opts.expiresAt } : {}) })
  return { ...link, studentId, path: `/r/${link.code}` }
}

async function userId(t: TestApp, email: string): Promise<string> {
  const [u] = await t.database.db.select({ id: users.id }).from(users).where(eq(users.email, email))
  if (!u) {
    throw new Error(`no user ${email}`)
  }
  return u.id
}

/** Opening hours every day, 7 h–21 h, for the Mission Locale's counsellor: at the first in-person site, and by phone. */
export async function openEveryDay(t: TestApp, ml: 'reims' | 'epernay' | 'chalons' = 'reims', slotMinutes = 60) {
  const missionLocaleId = t.orgIds.get(`ml-${ml}`) as string
  const manager = {
    userId: await userId(t, `direction.${ml}@demo.repere.test`),
    role: 'ml_manager' as const,
    organisationId: missionLocaleId,
  }
  const counsellorId = await userId(t, `conseil.${ml}@demo.repere.test`)
  const [site] = await t.database.db.select().from(sites).where(eq(sites.organisationId, missionLocaleId)).orderBy(sites.kind, sites.name)
  if (!site) {
    throw new Error(`no site for ${ml}`)
  }
  const ctx = { actor: manager, requestId: 'test', ip: '127.0.0.1' }
  const validFrom = new Date(Date.now() - 86_400_000 * 7).toISOString().slice(0, 10)
  for (let weekday = 1; weekday <= 7; weekday++) {
    await t.app.services.availability.addRule(ctx, missionLocaleId, {
      counsellorId,
      siteId: site.id,
      modality: 'in_person',
      weekday,
      startTime: '07:00',
      endTime: '21:00',
      slotMinutes,
      validFrom,
    })
  }
  return { missionLocaleId, counsellorId, site }
}

/** A page's CSRF token and the cookies to send with it. */
export function formTokens(res: LightMyRequestResponse, cookie = ''): { token: string; cookie: string } {
  const token = /name="_csrf" value="([^"]+)"/.exec(res.body)?.[1]
  if (!token) {
    throw new Error(`no CSRF token on the page (status ${res.statusCode})`)
  }
  return { token, cookie: cookiesOf(res, cookie) }
}

/** Decodes the HTML entities Handlebars writes into attributes (`&#x3D;` in URLs). */
export function unescapeHtml(s: string): string {
  return s
    .replace(/&#x([0-9a-f]+);/gi, (_m, h: string) => String.fromCodePoint(parseInt(h, 16)))
    .replace(/&#(\d+);/g, (_m, d: string) => String.fromCodePoint(Number(d)))
    .replace(/&amp;/g, '&')
    .replace(/&quot;/g, '"')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
}

/** Every href of a page matching a pattern, decoded. */
export function hrefs(body: string, pattern: RegExp): string[] {
  return [...body.matchAll(/href="([^"]+)"/g)].map((m) => unescapeHtml(m[1] as string)).filter((h) => pattern.test(h))
}

export function form(fields: Record<string, string | string[]>): string {
  const p = new URLSearchParams()
  for (const [k, v] of Object.entries(fields)) {
    for (const x of Array.isArray(v) ? v : [v]) {
      p.append(k, x)
    }
  }
  return p.toString()
}
