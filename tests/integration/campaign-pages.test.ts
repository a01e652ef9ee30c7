/**
 * The campaign form pages (issue #10): /campagnes/nouvelle and /campagnes/:id/modifier. The
 * segment's choices come from the scored cohort, the count and the check are on the page, a
 * valid form creates the draft and redirects to it, an invalid one comes back (400) filled in
 * with French messages by field. Access: university staff and admins; Mission Locale roles 403;
 * another university's staff 404.
 */
import { eq } from 'drizzle-orm'
import type { LightMyRequestResponse } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { campaignApprovals, campaigns, organisations, users } from '../../db/schema/index.ts'
import type { Principal } from '../../server/services/access.ts'
import { loginWithForm, startTestApp, type TestApp } from '../helpers/app.ts'
import { principal, resetScoredCohort, scoredStudents } from '../helpers/campaigns.ts'
import { formTokens, unescapeHtml } from '../helpers/journey.ts'

let t: TestApp
let staff: Principal
const cookies = new Map<string, string>()
const FACULTY = 'UFR Formulaire'

beforeAll(async () => {
  resetScoredCohort()
  t = await startTestApp()
  staff = await principal(t, 'universite@demo.repere.test')
  await scoredStudents(t, [
    { faculty: FACULTY },
    { faculty: FACULTY },
    { faculty: FACULTY, consentEmail: 'withdrawn' },
    { faculty: 'UFR Autre' },
  ])
  // Another university with its own staff account (same password as the demo accounts).
  const [other] = await t.database.db
    .insert(organisations)
    .values({ slug: 'autre-univ', kind: 'university', name: 'Université Autre', shortName: 'UA' })
    .returning()
  const [demo] = await t.database.db.select().from(users).where(eq(users.email, 'universite@demo.repere.test'))
  await t.database.db.insert(users).values({
    email: 'staff@autre-univ.test',
    fullName: 'Autre Staff',
    passwordHash: demo!.passwordHash,
    role: 'university_staff',
    organisationId: other!.id,
  })
  for (const email of [
    'universite@demo.repere.test',
    'admin@demo.repere.test',
    'direction.reims@demo.repere.test',
    'conseil.reims@demo.repere.test',
    'staff@autre-univ.test',
  ]) {
    cookies.set(email, (await loginWithForm(t.app, email)).cookie)
  }
})
afterAll(async () => {
  await t?.close()
})

const mlReims = () => t.orgIds.get('ml-reims') as string
const get = (url: string, as: string) => t.app.inject({ method: 'GET', url, headers: { cookie: cookies.get(as) as string } })

/** Posts a form as the person, with the CSRF token of the page it came from. */
async function post(url: string, as: string, fields: [string, string][], page?: LightMyRequestResponse) {
  const from = page ?? (await get(url, as))
  const { token, cookie } = formTokens(from, cookies.get(as))
  const body = new URLSearchParams([['_csrf', token], ...fields])
  return t.app.inject({
    method: 'POST',
    url,
    headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
    payload: body.toString(),
  })
}

/** A complete, valid form, as the page's defaults plus a name, a territory and a faculty. */
function validForm(over: Record<string, string> = {}): [string, string][] {
  const base: Record<string, string> = {
    nom: 'Rentrée UFR Formulaire',
    canal: 'email',
    missions: mlReims(),
    bande: 'eleve',
    top: '',
    composante: FACULTY,
    etape: '',
    niveau: '',
    campus: '',
    temoin: '20',
    recent: '30',
    debut: '09:30',
    fin: '18:00',
    debit: '30',
    relances: '4',
    capaciteJours: '12',
    capaciteFacteur: '1,5',
    objet: 'Bonjour {{prenom}}',
    html: '<p>{{expediteur}} : <a href="{{lien}}">ici</a> <a href="{{desinscription}}">stop</a></p>',
    texte: 'Bonjour {{prenom}}, {{expediteur}} : {{lien}} — ne plus recevoir : {{desinscription}}',
    sms: '',
    intent: 'enregistrer',
    ...over,
  }
  return [...Object.entries(base), ['jours', '1'], ['jours', '3']]
}

describe('the new campaign page', () => {
  it('shows the segment choices of the scored cohort, the default templates, the variables and the check', async () => {
    const res = await get('/campagnes/nouvelle', 'universite@demo.repere.test')
    expect(res.statusCode, res.body).toBe(200)
    const html = unescapeHtml(res.body)
    expect(html).toContain(`<option value="${FACULTY}">${FACULTY}</option>`)
    expect(html).toContain('<option value="UFR Autre">')
    expect(html).toContain('{{prenom}}, un coup de main pour la suite ?')
    for (const v of ['prenom', 'lien', 'desinscription', 'expediteur', 'mission_locale']) {
      expect(html).toContain(`<code>{{${v}}}</code>`)
    }
    expect(html).toContain('Le message passe la vérification.')
    expect(html).toContain('Inès, un coup de main pour la suite ?') // the preview, on sample data
    expect(html).toContain('Choisissez au moins une Mission Locale pour voir le décompte.')
    expect(html).toContain('value="60"') // the service's default rate
    expect(res.body).toContain('/static/campaign-form.js')
  })

  it('the count button (no JavaScript) shows who is reached and each exclusion reason, and keeps the values', async () => {
    const res = await post('/campagnes/nouvelle', 'universite@demo.repere.test', [
      ...validForm({ intent: 'decompte', nom: 'Pas encore fini', temoin: '0', objet: 'Objet à moi {{prenom}}' }),
    ])
    expect(res.statusCode, res.body).toBe(200)
    const html = unescapeHtml(res.body)
    expect(html).toContain('3 étudiants dans le segment ; <strong>2</strong> recevraient le message, 0 dans le groupe témoin.')
    expect(html).toContain('Laissés de côté')
    expect(html).toContain('<li>Pas de consentement pour ce canal : 1</li>')
    expect(html).toContain('value="Pas encore fini"')
    expect(html).toContain('value="Objet à moi {{prenom}}"')
    expect(html).toMatch(new RegExp(`value="${mlReims()}" checked`))
    expect(await t.database.db.select().from(campaigns)).toHaveLength(0)
  })

  it('an invalid form comes back with status 400, the values kept and a French message by each field', async () => {
    const res = await post(
      '/campagnes/nouvelle',
      'universite@demo.repere.test',
      validForm({ nom: '', missions: '', debit: '0', fin: '08:00', relances: '1, 2, 3, 4', objet: 'Mon objet {{prenom}}' }).filter(
        ([k, v]) => !(k === 'missions' && v === ''),
      ),
    )
    expect(res.statusCode, res.body).toBe(400)
    const html = unescapeHtml(res.body)
    expect(html).toContain('Quelques informations sont à revoir')
    expect(html).toContain('<a href="#nom">Donnez un nom à la campagne.</a>')
    expect(html).toContain('<a href="#missions">Choisissez au moins une Mission Locale.</a>')
    expect(html).toContain('<p class="field-error" id="debit-err">Le débit doit être entre 1 et 6000 messages par minute.</p>')
    expect(html).toContain('id="fin-err">La fin de la plage d’envoi doit venir après son début.')
    expect(html).toContain('id="relances-err">Au plus 3 relances')
    expect(html).toMatch(/id="debit"[^>]*aria-invalid="true"/)
    expect(html).toContain('value="Mon objet {{prenom}}"')
    expect(html).toContain('value="1, 2, 3, 4"')
    expect(await t.database.db.select().from(campaigns)).toHaveLength(0)
  })

  it('a valid form creates the draft with every setting and redirects to its page', async () => {
    const res = await post('/campagnes/nouvelle', 'universite@demo.repere.test', validForm())
    expect(res.statusCode, res.body).toBe(303)
    const id = /^\/campagnes\/([0-9a-f-]{36})$/.exec(String(res.headers.location))?.[1] as string
    expect(id).toBeTruthy()
    const [c] = await t.database.db.select().from(campaigns).where(eq(campaigns.id, id))
    expect(c).toMatchObject({
      name: 'Rentrée UFR Formulaire',
      channel: 'email',
      status: 'draft',
      universityId: t.orgIds.get('urca'),
      territoryIds: [mlReims()],
      segment: { band: 'eleve', faculty: FACULTY },
      controlShare: 0.2,
      recentDays: 30,
      sendWindow: { days: [1, 3], start: '09:30', end: '18:00' },
      ratePerMinute: 30,
      reminderDays: [4],
      capacityDays: 12,
      capacityFactor: 1.5,
      createdBy: staff.userId,
    })
    expect(c?.templates.subject).toBe('Bonjour {{prenom}}')
    const page = await get(`/campagnes/${id}`, 'universite@demo.repere.test')
    expect(page.body).toContain(`href="/campagnes/${id}/modifier"`)
  })

  it('an SMS campaign keeps the SMS text and is checked as an SMS', async () => {
    const res = await post(
      '/campagnes/nouvelle',
      'universite@demo.repere.test',
      validForm({ canal: 'sms', nom: 'SMS', sms: '{{expediteur}} : {{prenom}}, on peut t’aider : {{lien}}' }),
    )
    expect(res.statusCode, res.body).toBe(303)
    const [c] = await t.database.db.select().from(campaigns).where(eq(campaigns.name, 'SMS'))
    expect(c?.channel).toBe('sms')
    expect(c?.templates.sms).toBe('{{expediteur}} : {{prenom}}, on peut t’aider : {{lien}}')
  })
})

describe('editing a draft', () => {
  it('shows the draft filled in, saves the change, withdraws the approvals; not once scheduled', async () => {
    const c = await t.app.services.campaigns.create(
      { actor: staff, requestId: 'test' },
      { name: 'À modifier', channel: 'email', territoryIds: [mlReims()], segment: { faculty: FACULTY }, controlShare: 0 },
    )
    await t.database.db.insert(campaignApprovals).values({ campaignId: c.id, missionLocaleId: mlReims(), approvedBy: null })
    const url = `/campagnes/${c.id}/modifier`
    const page = await get(url, 'universite@demo.repere.test')
    expect(page.statusCode, page.body).toBe(200)
    const html = unescapeHtml(page.body)
    expect(html).toContain('value="À modifier"')
    expect(html).toContain(`<option value="${FACULTY}" selected>`)
    expect(html).toContain('<strong>2</strong> recevraient le message')

    const bad = await post(url, 'universite@demo.repere.test', validForm({ nom: '   ' }), page)
    expect(bad.statusCode).toBe(400)
    const res = await post(url, 'universite@demo.repere.test', validForm({ nom: 'Modifiée' }), page)
    expect(res.statusCode, res.body).toBe(303)
    expect(res.headers.location).toBe(`/campagnes/${c.id}`)
    const [row] = await t.database.db.select().from(campaigns).where(eq(campaigns.id, c.id))
    expect(row?.name).toBe('Modifiée')
    expect(row?.ratePerMinute).toBe(30)
    expect(await t.database.db.select().from(campaignApprovals).where(eq(campaignApprovals.campaignId, c.id))).toHaveLength(0)

    await t.database.sql`UPDATE campaigns SET status = 'cancelled' WHERE id = ${c.id}`
    expect((await get(url, 'universite@demo.repere.test')).statusCode).toBe(409)
    const late = await post(url, 'universite@demo.repere.test', validForm({ nom: 'Trop tard' }), page)
    expect(late.statusCode).toBe(409)
    const [after] = await t.database.db.select().from(campaigns).where(eq(campaigns.id, c.id))
    expect(after?.name).toBe('Modifiée')
  })
})

describe('who may', () => {
  it('university staff and admins only; Mission Locale roles 403; another university 404 on the draft', async () => {
    const c = await t.app.services.campaigns.create(
      { actor: staff, requestId: 'test' },
      { name: 'Accès', channel: 'email', territoryIds: [mlReims()], segment: {} },
    )
    const edit = `/campagnes/${c.id}/modifier`
    expect((await get('/campagnes/nouvelle', 'universite@demo.repere.test')).statusCode).toBe(200)
    expect((await get('/campagnes/nouvelle', 'staff@autre-univ.test')).statusCode).toBe(200)
    expect((await get(edit, 'universite@demo.repere.test')).statusCode).toBe(200)
    expect((await get(edit, 'admin@demo.repere.test')).statusCode).toBe(200)
    expect((await get(edit, 'staff@autre-univ.test')).statusCode).toBe(404)
    for (const who of ['direction.reims@demo.repere.test', 'conseil.reims@demo.repere.test']) {
      expect((await get('/campagnes/nouvelle', who)).statusCode).toBe(403)
      expect((await get(edit, who)).statusCode).toBe(403)
      // Their POST, with a valid CSRF token from a page they may see, is refused too.
      const list = await get('/campagnes', who)
      expect(list.body).not.toContain('href="/campagnes/nouvelle"')
      expect((await post('/campagnes/nouvelle', who, validForm({ nom: `par ${who}` }), list)).statusCode).toBe(403)
      expect((await post(edit, who, validForm({ nom: `par ${who}` }), list)).statusCode).toBe(403)
    }
    expect(
      (await post(edit, 'staff@autre-univ.test', validForm({ nom: 'intrus' }), await get('/campagnes', 'staff@autre-univ.test')))
        .statusCode,
    ).toBe(404)
    expect((await get('/campagnes', 'universite@demo.repere.test')).body).toContain('href="/campagnes/nouvelle"')
    const [row] = await t.database.db.select().from(campaigns).where(eq(campaigns.id, c.id))
    expect(row?.name).toBe('Accès')

    // An admin chooses the university.
    const page = await get('/campagnes/nouvelle', 'admin@demo.repere.test')
    expect(page.body).toContain('<select id="universite" name="universite">')
    const res = await post(
      '/campagnes/nouvelle',
      'admin@demo.repere.test',
      [...validForm({ nom: 'Par l’admin' }), ['universite', t.orgIds.get('urca') as string]],
      page,
    )
    expect(res.statusCode, res.body).toBe(303)
    const notUniversity = await post(
      '/campagnes/nouvelle',
      'admin@demo.repere.test',
      [...validForm({ nom: 'Mauvaise université' }), ['universite', mlReims()]],
      page,
    )
    expect(notUniversity.statusCode).toBe(400)
    expect(notUniversity.body).toContain('id="universite-err">Choisissez l’université.')
    const [made] = await t.database.db.select().from(campaigns).where(eq(campaigns.name, 'Par l’admin'))
    expect(made?.universityId).toBe(t.orgIds.get('urca'))
  })

  it('a POST without the CSRF token is refused', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/campagnes/nouvelle',
      headers: { cookie: cookies.get('universite@demo.repere.test') as string, 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams(validForm({ nom: 'Sans jeton' })).toString(),
    })
    expect(res.statusCode).toBe(403)
    expect(await t.database.db.select().from(campaigns).where(eq(campaigns.name, 'Sans jeton'))).toHaveLength(0)
  })
})
