/**
 * Booking, managing and calling back through the student pages (HTTP, real database and Redis):
 * the form, a repeated submission, a slot taken meanwhile, ages outside 16–29, cancel and move
 * through the manage link, the callback request, and 50 simultaneous submissions on one slot.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { sql } from 'drizzle-orm'
import type { LightMyRequestResponse } from 'fastify'
import { startTestApp, type TestApp } from '../helpers/app.ts'
import { aLink, form, formTokens, hrefs, openEveryDay, unescapeHtml } from '../helpers/journey.ts'
import { decodeSlotKey } from '../../server/services/availability.service.ts'

let t: TestApp
let site: { id: string; name: string }

beforeAll(async () => {
  // Many submissions from one test address: the limits are tested in public-pages.test.ts.
  t = await startTestApp({ PUBLIC_RATE_LIMIT_PER_MINUTE: '1000000' })
  site = (await openEveryDay(t, 'reims')).site
})
afterAll(async () => {
  await t?.close()
})

/** The first row of a query (the tests below expect one). */
async function one<T extends Record<string, unknown>>(query: Parameters<TestApp['database']['db']['execute']>[0]): Promise<[T]> {
  const rows = (await t.database.db.execute<T>(query)) as unknown as T[]
  expect(rows.length).toBeGreaterThan(0)
  return [rows[0] as T]
}

const FORM = { 'content-type': 'application/x-www-form-urlencoded' }

/**
 * The free slots of the test place, as the page lists them (links to the form), from 5 h ahead:
 * an appointment can be cancelled or moved online until 4 h before, and the tests must not depend
 * on the time of day they run at.
 */
async function slotLinks(path: string, week = 0): Promise<string[]> {
  const res = await t.app.inject({
    method: 'GET',
    url: `${path}/rendez-vous/creneaux?lieu=${site.id}&mode=in_person${week ? `&semaine=${week}` : ''}`,
  })
  expect(res.statusCode).toBe(200)
  const from = Date.now() + 5 * 3600_000
  return hrefs(res.body, /\/rendez-vous\/formulaire\?creneau=/).filter(
    (href) => (decodeSlotKey(slotKeyOf(href))?.startsAt.getTime() ?? 0) > from,
  )
}

const slotKeyOf = (href: string) => new URL(href, 'http://x').searchParams.get('creneau') as string

type Filled = { cookie: string; fields: Record<string, string> }

/** Opens the form of a slot and fills it in as a student would. */
async function fill(formHref: string, overrides: Record<string, string | undefined> = {}): Promise<Filled> {
  const page = await t.app.inject({ method: 'GET', url: formHref })
  expect(page.statusCode, page.body).toBe(200)
  const { token, cookie } = formTokens(page)
  const hidden = Object.fromEntries(
    [...page.body.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)].map((m) => [
      m[1] as string,
      unescapeHtml(m[2] as string),
    ]),
  )
  const fields: Record<string, string> = {
    ...hidden,
    _csrf: token,
    prenom: 'Léa',
    nom: 'Martin',
    email: 'lea.martin@example.fr',
    naissance: '2005-06-01',
    accord: 'oui',
  }
  for (const [k, v] of Object.entries(overrides)) {
    if (v === undefined) {
      delete fields[k]
    } else {
      fields[k] = v
    }
  }
  return { cookie, fields }
}

function submit(path: string, f: Filled): Promise<LightMyRequestResponse> {
  return t.app.inject({ method: 'POST', url: `${path}/rendez-vous`, headers: { ...FORM, cookie: f.cookie }, payload: form(f.fields) })
}

describe('booking through the form', () => {
  it('books, lands on the confirmation (the manage page), and a repeated submission returns the same booking', async () => {
    const link = await aLink(t)
    const [first] = await slotLinks(link.path)
    const filled = await fill(first as string)
    const res = await submit(link.path, filled)
    expect(res.statusCode, res.body).toBe(303)
    const manage = res.headers.location as string
    expect(manage).toMatch(/^\/r\/gerer\/[A-Za-z0-9_-]{22}\?nouveau=1$/)
    // Double tap, retry, back button: the same key gives the same booking.
    const again = await submit(link.path, filled)
    expect(again.statusCode).toBe(303)
    expect(again.headers.location).toBe(manage)
    const page = await t.app.inject({ method: 'GET', url: manage })
    expect(page.statusCode).toBe(200)
    expect(page.body).toContain('C’est réservé !')
    expect(page.body).toContain(site.name)
    expect(page.body).toContain('Annuler le rendez-vous')
    // No personal data in any URL the student was sent to.
    expect(manage).not.toMatch(/L%C3%A9a|Martin|example/)
    const [{ n }] = await one<{ n: number }>(sql`SELECT count(*)::int AS n FROM appointments WHERE link_id = ${link.linkId}`)
    expect(n).toBe(1)
    // The slot is no longer offered.
    expect((await slotLinks(link.path)).map(slotKeyOf)).not.toContain(slotKeyOf(first as string))
  })

  it('a slot taken meanwhile: the list again, with « ce créneau vient d’être pris »', async () => {
    const [a, b] = [await aLink(t), await aLink(t)]
    const [slot] = await slotLinks(a.path)
    const fa = await fill(slot as string)
    const fb = await fill((slot as string).replace(a.path, b.path))
    expect((await submit(a.path, fa)).statusCode).toBe(303)
    const res = await submit(b.path, fb)
    expect(res.statusCode).toBe(409)
    expect(res.body).toContain('Ce créneau vient d’être pris')
    expect(res.body).toContain('Choisir un autre créneau')
    expect(hrefs(res.body, /\/rendez-vous\/formulaire\?creneau=/).length).toBeGreaterThan(0)
  })

  it('mistakes come back field by field, the form filled in; nothing is booked', async () => {
    const link = await aLink(t)
    const [slot] = await slotLinks(link.path)
    const res = await submit(link.path, await fill(slot as string, { email: 'pas-une-adresse', accord: undefined }))
    expect(res.statusCode).toBe(400)
    expect(res.body).toContain('Cette adresse e-mail semble incomplète')
    expect(res.body).toContain('Cochez la case')
    expect(res.body).toContain('value="Léa"')
    expect(res.body).toContain('aria-invalid="true"')
  })

  it.each([
    ['2015-01-01', 'à partir de 16 ans'],
    ['1990-01-01', 'jusqu’à 29 ans'],
  ])('born %s: an explanation and where to turn instead', async (birth, text) => {
    const link = await aLink(t)
    const [slot] = await slotLinks(link.path)
    const res = await submit(link.path, await fill(slot as string, { naissance: birth }))
    expect(res.statusCode).toBe(422)
    expect(res.body).toContain(text)
    expect(res.body).toMatch(/CIO|France Travail/)
  })

  it('16 or 17: booked, and flagged for the counsellor', async () => {
    const link = await aLink(t)
    const [slot] = await slotLinks(link.path)
    const year = new Date().getFullYear() - 17
    const res = await submit(link.path, await fill(slot as string, { naissance: `${year}-01-01`, email: '', telephone: '06 12 34 56 78' }))
    expect(res.statusCode, res.body).toBe(303)
    const [row] = await one<{ minor: boolean }>(sql`SELECT minor FROM appointments WHERE link_id = ${link.linkId}`)
    expect(row.minor).toBe(true)
  })

  it('the identity is stored encrypted, never in clear', async () => {
    const link = await aLink(t)
    const [slot] = await slotLinks(link.path)
    expect((await submit(link.path, await fill(slot as string, { nom: 'Zyxwvutsrq' }))).statusCode).toBe(303)
    const [row] = await one<{ t: string }>(
      sql`SELECT (SELECT string_agg(row_to_json(a)::text, ' ') FROM appointments a) || (SELECT string_agg(row_to_json(c)::text, ' ') FROM cases c) AS t`,
    )
    expect(row.t).not.toContain('Zyxwvutsrq')
  })
})

describe('the manage link', () => {
  async function booked() {
    const link = await aLink(t)
    const [slot] = await slotLinks(link.path)
    const res = await submit(link.path, await fill(slot as string))
    expect(res.statusCode).toBe(303)
    return { link, slotKey: slotKeyOf(slot as string), manage: (res.headers.location as string).replace(/\?.*$/, '') }
  }

  it('cancels: the slot is free again at once', async () => {
    const { link, slotKey, manage } = await booked()
    const page = await t.app.inject({ method: 'GET', url: manage })
    const { token, cookie } = formTokens(page)
    const res = await t.app.inject({
      method: 'POST',
      url: `${manage}/annuler`,
      headers: { ...FORM, cookie },
      payload: form({ _csrf: token }),
    })
    expect(res.statusCode).toBe(303)
    expect(res.headers.location).toBe(manage)
    const after = await t.app.inject({ method: 'GET', url: manage })
    expect(after.body).toContain('Rendez-vous annulé')
    expect((await slotLinks(link.path)).map(slotKeyOf)).toContain(slotKey)
  })

  it('moves to another slot in two steps, and frees the first one', async () => {
    const { link, slotKey, manage } = await booked()
    const choose = await t.app.inject({ method: 'GET', url: `${manage}/deplacer` })
    expect(choose.statusCode).toBe(200)
    expect(choose.body).toContain('Choisissez le nouveau créneau')
    const [target] = hrefs(choose.body, /\/deplacer\/confirmer\?creneau=/)
    const confirm = await t.app.inject({ method: 'GET', url: target as string })
    expect(confirm.body).toContain('Confirmer le déplacement')
    const { token, cookie } = formTokens(confirm)
    const newKey = new URL(target as string, 'http://x').searchParams.get('creneau') as string
    const res = await t.app.inject({
      method: 'POST',
      url: `${manage}/deplacer`,
      headers: { ...FORM, cookie },
      payload: form({ _csrf: token, creneau: newKey }),
    })
    expect(res.statusCode, res.body).toBe(303)
    expect(res.headers.location).toMatch(/^\/r\/gerer\/[A-Za-z0-9_-]{22}\?deplace=1$/)
    expect((await t.app.inject({ method: 'GET', url: res.headers.location as string })).body).toContain('votre rendez-vous est déplacé')
    const free = (await slotLinks(link.path)).map(slotKeyOf)
    expect(free).toContain(slotKey)
    expect(free).not.toContain(newKey)
  })

  it('an unknown manage code gets the helpful page', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/r/gerer/AAAAAAAAAAAAAAAAAAAAAA' })
    expect(res.statusCode).toBe(404)
    expect(res.body).toContain('Ce lien ne fonctionne pas')
  })
})

describe('callback', () => {
  it('asks a phone and moments, creates a case due within 2 working days, and says when', async () => {
    const link = await aLink(t)
    const page = await t.app.inject({ method: 'GET', url: `${link.path}/rappel` })
    expect(page.statusCode).toBe(200)
    const { token, cookie } = formTokens(page)
    const bad = await t.app.inject({
      method: 'POST',
      url: `${link.path}/rappel`,
      headers: { ...FORM, cookie },
      payload: form({ _csrf: token, telephone: '12' }),
    })
    expect(bad.statusCode).toBe(400)
    expect(bad.body).toContain('Ce numéro ne semble pas valide')
    expect(bad.body).toContain('Choisissez au moins un moment')
    const res = await t.app.inject({
      method: 'POST',
      url: `${link.path}/rappel`,
      headers: { ...FORM, cookie },
      payload: form({ _csrf: token, telephone: '06 12 34 56 78', moments: ['matin', 'soir'], semaine: 'oui', accord: 'oui' }),
    })
    expect(res.statusCode, res.body).toBe(303)
    const done = await t.app.inject({ method: 'GET', url: res.headers.location as string })
    expect(done.body).toContain('C’est noté, on vous rappelle')
    expect(done.body).toMatch(/au plus tard le (lundi|mardi|mercredi|jeudi|vendredi) \d+/)
    expect(done.body).toContain('le matin ou en fin de journée')
    expect(res.headers.location).not.toContain('0612345678')
    const [row] = await one<{ origin: string; due_at: Date }>(sql`SELECT origin, due_at FROM cases WHERE link_id = ${link.linkId}`)
    expect(row.origin).toBe('callback')
  })
})

describe('concurrency through the pages', () => {
  it('50 simultaneous submissions on one slot: exactly one booking and 49 « ce créneau vient d’être pris », 20 times', async () => {
    const links = await Promise.all(Array.from({ length: 50 }, () => aLink(t)))
    const page = await t.app.inject({ method: 'GET', url: links[0]!.path })
    const { token, cookie } = formTokens(page)
    const slots = [...(await slotLinks(links[0]!.path, 1)), ...(await slotLinks(links[0]!.path, 2))].map(slotKeyOf)
    expect(slots.length).toBeGreaterThanOrEqual(20)
    for (const [round, slotKey] of slots.slice(0, 20).entries()) {
      const answers = await Promise.all(
        links.map((l, i) =>
          t.app.inject({
            method: 'POST',
            url: `${l.path}/rendez-vous`,
            headers: { ...FORM, cookie },
            payload: form({
              _csrf: token,
              creneau: slotKey,
              cle: `concurrency-${round}-${i}`,
              mode: 'in_person',
              lieu: site.id,
              prenom: 'Léa',
              nom: `Test${i}`,
              email: `lea${i}@example.fr`,
              naissance: '2004-03-02',
              accord: 'oui',
            }),
          }),
        ),
      )
      const won = answers.filter((r) => r.statusCode === 303)
      const taken = answers.filter((r) => r.statusCode === 409 && r.body.includes('Ce créneau vient d’être pris'))
      expect(
        won.map((r) => r.headers.location as string).filter((l) => !l.startsWith('/r/gerer/')),
        `slot ${slotKey}`,
      ).toEqual([])
      expect(won.length, `slot ${slotKey}`).toBe(1)
      expect(taken.length).toBe(49)
      const [{ n }] = await one<{ n: number }>(
        sql`SELECT count(*)::int AS n FROM appointments a JOIN availability_rules r ON r.id = a.rule_id
            WHERE a.status = 'booked' AND a.link_id IN (${sql.join(
              links.map((l) => sql`${l.linkId}::uuid`),
              sql`, `,
            )})`,
      )
      expect(n).toBe(1)
      // The winner gives its slot back, so every link can take part in the next round.
      const manageCode = /^\/r\/gerer\/([A-Za-z0-9_-]{22})/.exec(won[0]!.headers.location as string)?.[1] as string
      await t.app.services.bookings.cancel({ requestId: 'test' }, manageCode)
    }
  }, 300_000)
})
