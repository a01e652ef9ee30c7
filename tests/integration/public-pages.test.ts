/**
 * The student pages under /r/, through HTTP (app.inject) against the real database and Redis:
 * landing, pourquoi, the helpful pages, objection, routing by commune, slots, rate limits.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { sql } from 'drizzle-orm'
import { startTestApp, type TestApp } from '../helpers/app.ts'
import { aLink, aStudent, CHALONS, EPERNAY, form, formTokens, hrefs, openEveryDay, REIMS, VITRY } from '../helpers/journey.ts'

let t: TestApp

beforeAll(async () => {
  t = await startTestApp()
})
afterAll(async () => {
  await t?.close()
})

describe('the landing page of a personal link', () => {
  it('says who writes and why, offers three choices, and is neither indexed nor leaked by referrer', async () => {
    const link = await aLink(t)
    const res = await t.app.inject({ method: 'GET', url: link.path })
    expect(res.statusCode).toBe(200)
    expect(res.headers['referrer-policy']).toBe('no-referrer')
    expect(res.headers['x-robots-tag']).toBe('noindex, nofollow')
    expect(res.headers['cache-control']).toBe('no-store')
    expect(res.body).toContain('<meta name="robots" content="noindex, nofollow">')
    expect(res.body).toContain('Université de Reims Champagne-Ardenne')
    expect(res.body).toContain('Mission Locale de Reims')
    expect(res.body).toContain('Prendre rendez-vous')
    expect(res.body).toContain('Être rappelé·e')
    expect(res.body).toContain('Ce n’est pas pour moi')
    expect(res.body).toContain('Contrat d’engagement jeune')
    // No staff navigation, no login link on a student page.
    expect(res.body).not.toContain('Se déconnecter')
    expect(res.body).not.toMatch(/décroch|échec/i)
  })

  it('records the first opening once, in the audit log by link id, never the code', async () => {
    const link = await aLink(t)
    await t.app.inject({ method: 'GET', url: link.path })
    await t.app.inject({ method: 'GET', url: link.path })
    const rows = await t.database.db.execute<{ actor_kind: string; actor_link_id: string; n: number; details: string }>(
      sql`SELECT actor_kind, actor_link_id, count(*)::int AS n, max(details::text) AS details
          FROM audit_log WHERE action = 'student.link_open' AND actor_link_id = ${link.linkId} GROUP BY 1, 2`,
    )
    expect(rows.length).toBe(1)
    expect(rows[0]).toMatchObject({ actor_kind: 'student_link', actor_link_id: link.linkId, n: 1 })
    const dump = await t.database.db.execute<{ t: string }>(sql`SELECT string_agg(row_to_json(a)::text, ' ') AS t FROM audit_log a`)
    expect(dump[0]?.t ?? '').not.toContain(link.code)
  })

  it('« pourquoi » lists the data categories, who sees what, retention, rights and the objection', async () => {
    const link = await aLink(t)
    const res = await t.app.inject({ method: 'GET', url: `${link.path}/pourquoi` })
    expect(res.statusCode).toBe(200)
    for (const text of [
      'présence aux cours',
      'résultats aux examens',
      'pseudonymisées',
      'article 21',
      'article 22',
      'Délégué à la protection des données',
      'Qui voit quoi',
      'Combien de temps',
      'jours',
    ]) {
      expect(res.body, text).toContain(text)
    }
    expect(res.body).not.toMatch(/score|risque/i)
    expect(res.body).toContain(`action="${link.path}/opposition"`)
  })
})

describe('codes that cannot be used get a helpful page, never a dead end', () => {
  it('an unknown code: 404, the three Missions Locales and the national directory', async () => {
    for (const url of ['/r/AAAAAAAAAAAAAAAAAAAAAA', '/r/trop-court', '/r/AAAAAAAAAAAAAAAAAAAAAA/nimporte/quoi']) {
      const res = await t.app.inject({ method: 'GET', url })
      expect(res.statusCode, url).toBe(404)
      expect(res.body).toContain('Ce lien ne fonctionne pas')
      expect(res.body).toContain('Mission Locale de Reims')
      expect(res.body).toContain('Mission Locale d’Épernay Brie et Champagne')
      expect(res.body).toContain('Mission Locale de l’arrondissement de Châlons-en-Champagne')
      expect(res.body).toContain('unml.info')
      expect(res.headers['referrer-policy']).toBe('no-referrer')
    }
  })

  it('an expired link: 410 and the contact of its Mission Locale', async () => {
    const link = await aLink(t, { homeCommune: EPERNAY, expiresAt: new Date(Date.now() - 60_000) })
    const res = await t.app.inject({ method: 'GET', url: link.path })
    expect(res.statusCode).toBe(410)
    expect(res.body).toContain('Ce lien n’est plus valable')
    expect(res.body).toContain('Mission Locale d’Épernay Brie et Champagne')
    // Every page of the link says the same.
    expect((await t.app.inject({ method: 'GET', url: `${link.path}/rendez-vous` })).statusCode).toBe(410)
  })
})

describe('objection: « ce n’est pas pour moi »', () => {
  it('one click records it, confirms on screen, and every link of that student says so', async () => {
    const studentId = await aStudent(t)
    const first = await aLink(t, { studentId })
    const other = await aLink(t, { studentId })
    // A link made before links kept the pseudonym's suppression hash: checked on the fly instead.
    const older = await aLink(t, { studentId })
    await t.database.db.execute(sql`UPDATE links SET suppression_hash = NULL WHERE id = ${older.linkId}`)
    const [kept] = await t.database.db.execute<{ n: number }>(
      sql`SELECT count(*)::int AS n FROM links WHERE student_id = ${studentId} AND suppression_hash IS NOT NULL`,
    )
    expect(kept!.n).toBe(2)
    const landing = await t.app.inject({ method: 'GET', url: first.path })
    const { token, cookie } = formTokens(landing)
    const res = await t.app.inject({
      method: 'POST',
      url: `${first.path}/opposition`,
      headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
      payload: form({ _csrf: token }),
    })
    expect(res.statusCode).toBe(303)
    expect(res.headers.location).toBe(first.path)
    const after = await t.app.inject({ method: 'GET', url: first.path })
    expect(after.body).toContain('vous ne recevrez plus de messages')
    const second = await t.app.inject({ method: 'GET', url: other.path })
    expect(second.body).toContain('vous ne recevrez plus de messages')
    expect((await t.app.inject({ method: 'GET', url: older.path })).body).toContain('vous ne recevrez plus de messages')
    expect((await t.app.inject({ method: 'GET', url: `${other.path}/rendez-vous` })).body).toContain('vous ne recevrez plus de messages')
    // The suppression check the campaigns will use refuses the student.
    const [s] = await t.database.db.execute<{ pseudo_id: string; university_id: string }>(
      sql`SELECT pseudo_id, university_id FROM students WHERE id = ${studentId}`,
    )
    expect(await t.app.services.suppressions.isSuppressed({ universityId: s!.university_id, pseudoId: s!.pseudo_id })).toBe(true)
  })

  it('a forged objection (no CSRF token) is refused and changes nothing', async () => {
    const link = await aLink(t)
    const res = await t.app.inject({
      method: 'POST',
      url: `${link.path}/opposition`,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: '',
    })
    expect(res.statusCode).toBe(403)
    expect(res.body).toContain('Le formulaire a expiré')
    expect((await t.app.inject({ method: 'GET', url: link.path })).body).toContain('Prendre rendez-vous')
  })
})

describe('routing by home commune', () => {
  beforeAll(async () => {
    for (const ml of ['reims', 'epernay', 'chalons'] as const) {
      await openEveryDay(t, ml)
    }
  })

  it.each([
    [REIMS, 'Mission Locale de Reims', 'agence centrale'],
    [EPERNAY, 'Mission Locale d’Épernay Brie et Champagne', 'Épernay'],
    [CHALONS, 'Mission Locale de l’arrondissement de Châlons-en-Champagne', 'Châlons'],
  ])('a student of %s is sent to %s and its places', async (insee, ml, place) => {
    const link = await aLink(t, { homeCommune: insee })
    const res = await t.app.inject({ method: 'GET', url: `${link.path}/rendez-vous` })
    expect(res.statusCode).toBe(200)
    expect(res.body).toContain(ml)
    expect(res.body).toContain(place)
    expect(hrefs(res.body, /\/rendez-vous\/creneaux\?/).length).toBeGreaterThan(0)
    expect(res.body).toContain('Prochain créneau : ')
  })

  it('a commune outside the three territories gets the Mission Locale that covers it and the national directory', async () => {
    const link = await aLink(t, { homeCommune: VITRY })
    const res = await t.app.inject({ method: 'GET', url: `${link.path}/rendez-vous` })
    expect(res.statusCode).toBe(200)
    expect(res.body).toContain('Vitry-le-François dépend d’une autre Mission Locale')
    expect(res.body).toContain('Mission Locale de Vitry-le-François')
    expect(res.body).toContain('unml.info')
    expect(hrefs(res.body, /\/rendez-vous\/creneaux\?/)).toEqual([])
  })

  it('an unknown commune: the page says so and still gives a way forward', async () => {
    const link = await aLink(t, { homeCommune: null })
    const res = await t.app.inject({ method: 'GET', url: `${link.path}/rendez-vous` })
    expect(res.statusCode).toBe(200)
    expect(res.body).toContain('Votre commune n’est pas connue')
    expect(res.body).toContain(`href="${link.path}/commune"`)
  })

  it('a student who moved gives their commune, and is routed by it from then on', async () => {
    const link = await aLink(t, { homeCommune: REIMS })
    const search = await t.app.inject({ method: 'GET', url: `${link.path}/commune?q=51200` })
    expect(search.statusCode).toBe(200)
    expect(search.body).toContain('Épernay')
    expect(search.body).toContain(`value="${EPERNAY}"`)
    const { token, cookie } = formTokens(search)
    const res = await t.app.inject({
      method: 'POST',
      url: `${link.path}/commune`,
      headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
      payload: form({ _csrf: token, insee: EPERNAY }),
    })
    expect(res.statusCode).toBe(303)
    expect(res.headers.location).toBe(`${link.path}/rendez-vous`)
    const page = await t.app.inject({ method: 'GET', url: `${link.path}/rendez-vous` })
    expect(page.body).toContain('Votre commune : <strong>Épernay</strong>')
    expect(page.body).toContain('Mission Locale d’Épernay Brie et Champagne')
    // The commune travels in the POST body only, never in a URL.
    expect(res.headers.location).not.toContain(EPERNAY)
    // By name, accents ignored.
    expect((await t.app.inject({ method: 'GET', url: `${link.path}/commune?q=chalons` })).body).toContain('Châlons-en-Champagne')
  })
})

describe('free slots', () => {
  beforeEach(async () => {
    await t.database.db.execute(sql`TRUNCATE availability_rules CASCADE`)
  })

  it('are grouped by day, each a link to the form carrying only an opaque slot key', async () => {
    const { site } = await openEveryDay(t, 'reims')
    const link = await aLink(t)
    const res = await t.app.inject({ method: 'GET', url: `${link.path}/rendez-vous/creneaux?lieu=${site.id}&mode=in_person` })
    expect(res.statusCode).toBe(200)
    const slots = hrefs(res.body, /\/rendez-vous\/formulaire\?creneau=/)
    expect(slots.length).toBeGreaterThan(5)
    expect(res.body).toMatch(/<h2[^>]*class="pub-day__title">(Lundi|Mardi|Mercredi|Jeudi|Vendredi|Samedi|Dimanche) \d+ [a-zé]+</)
    const form = await t.app.inject({ method: 'GET', url: slots[0] as string })
    expect(form.statusCode).toBe(200)
    expect(form.body).toContain('Vos coordonnées')
    expect(form.body).toContain('J’accepte que ces informations soient transmises à la Mission Locale de Reims')
  })

  it('a forged slot key sends the student back to the choice of place', async () => {
    const link = await aLink(t)
    const res = await t.app.inject({ method: 'GET', url: `${link.path}/rendez-vous/formulaire?creneau=bm9wZQ` })
    expect(res.statusCode).toBe(303)
    expect(res.headers.location).toBe(`${link.path}/rendez-vous`)
  })
})

describe('rate limits on every public route', () => {
  it('one counter per address across the pages, answered in French', async () => {
    const limited = await startTestApp({ PUBLIC_RATE_LIMIT_PER_MINUTE: '4' })
    try {
      const link = await aLink(limited)
      const urls = [link.path, `${link.path}/pourquoi`, `${link.path}/rendez-vous`, '/r/AAAAAAAAAAAAAAAAAAAAAA']
      for (const url of urls) {
        expect((await limited.app.inject({ method: 'GET', url })).statusCode, url).not.toBe(429)
      }
      const res = await limited.app.inject({ method: 'GET', url: `${link.path}/rappel` })
      expect(res.statusCode).toBe(429)
      expect(res.headers['retry-after']).toBeDefined()
      expect(res.body).toContain('Trop de demandes en peu de temps')
    } finally {
      await limited.close()
    }
  })
})
