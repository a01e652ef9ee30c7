import { access } from 'node:fs/promises'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startWorkers, type Workers } from '../../workers/worker.ts'
import { decryptField } from '../../server/lib/crypto.ts'
import { apiToken, csrfFor, loginWithForm, startTestApp, type TestApp } from '../helpers/app.ts'
import { csvFile, multipart, pseudo, upload, waitForImport } from '../helpers/imports.ts'

let t: TestApp
let workers: Workers
let token: string

beforeAll(async () => {
  t = await startTestApp()
  workers = startWorkers({ config: t.config, services: t.app.services, log: t.app.log })
  token = await apiToken(t.app, 'universite@demo.repere.test')
})
afterAll(async () => {
  await workers?.close()
  await t?.close()
})

const count = async (table: string) => Number((await t.database.sql.unsafe(`SELECT count(*)::int AS n FROM ${table}`))[0]?.n)

describe('import pipeline', () => {
  it('loads a Windows-1252, semicolon-separated enrolment file without BOM, accents intact', async () => {
    const rows = [
      [
        'id_pseudo',
        'annee_univ',
        'composante',
        'code_etape',
        'lib_etape',
        'niveau',
        'boursier',
        'echelon_bourse',
        'commune_insee',
        'date_inscription',
      ],
      [pseudo(1), '2025/2026', 'UFR Lettres', 'L1LET', 'Licence 1 Lettres modernes — Éloquence', 'L1', 'O', '5', '51454', '12/09/2025'],
      [pseudo(2), '2025/2026', 'UFR Économie', 'L1ECO', 'Licence 1 Économie-Gestion', 'L1', 'N', '', '51108', '2025-09-15'],
    ]
    const res = await upload(t.app, token, 'etudiants', csvFile(rows, { encoding: 'windows-1252' }))
    expect(res.statusCode, res.body).toBe(202)
    const imp = await waitForImport(t.app, token, res.json().id)
    expect(imp.status, imp.errorMessage ?? '').toBe('succeeded')
    expect(imp.rowsLoaded).toBe(2)
    const labels = await t.database
      .sql`SELECT step_label, faculty, grant_holder, registration_date FROM enrolments ORDER BY registration_date DESC`
    expect(labels.map((r) => r.step_label)).toEqual(['Licence 1 Économie-Gestion', 'Licence 1 Lettres modernes — Éloquence'])
    expect(labels.map((r) => r.faculty)).toEqual(['UFR Économie', 'UFR Lettres'])
    expect(labels[0]?.registration_date).toBe('2025-09-15')
    expect(labels[1]?.registration_date).toBe('2025-09-12')
  })

  it('resolves a home postcode to its commune only when it names exactly one', async () => {
    const rows = [
      ['id_pseudo', 'annee_univ', 'code_postal'],
      [pseudo(50), '2026/2027', '51100'], // Reims only
      [pseudo(51), '2026/2027', '51150'], // sixteen communes: left unresolved
    ]
    const res = await upload(t.app, token, 'etudiants', csvFile(rows))
    expect((await waitForImport(t.app, token, res.json().id)).status).toBe('succeeded')
    const got = await t.database.sql`
      SELECT s.pseudo_id, e.home_commune_insee, e.home_postcode FROM enrolments e JOIN students s ON s.id = e.student_id
      WHERE s.pseudo_id IN (${pseudo(50)}, ${pseudo(51)}) ORDER BY e.home_postcode`
    expect(got.map((r) => [r.home_postcode, r.home_commune_insee])).toEqual([
      ['51100', '51454'],
      ['51150', null],
    ])
  })

  it('keeps indicateur_* columns per student as model features', async () => {
    const rows = [
      ['id_pseudo', 'annee_univ', 'indicateur_tutorat', 'indicateur_Heures de soutien'],
      [pseudo(60), '2026/2027', 'oui', '12,5'],
      [pseudo(61), '2026/2027', 'non', ''],
    ]
    const res = await upload(t.app, token, 'etudiants', csvFile(rows))
    expect((await waitForImport(t.app, token, res.json().id)).status).toBe('succeeded')
    const got = await t.database.sql`
      SELECT s.pseudo_id, i.name, i.value, i.academic_year, i.source_kind FROM student_indicators i JOIN students s ON s.id = i.student_id
      WHERE s.pseudo_id IN (${pseudo(60)}, ${pseudo(61)}) ORDER BY s.pseudo_id, i.name`
    expect(got.map((r) => [r.pseudo_id, r.name, r.value, r.academic_year, r.source_kind])).toEqual([
      [pseudo(60), 'heures_de_soutien', 12.5, '2026/2027', 'etudiants'],
      [pseudo(60), 'tutorat', 1, '2026/2027', 'etudiants'],
      [pseudo(61), 'heures_de_soutien', null, '2026/2027', 'etudiants'],
      [pseudo(61), 'tutorat', 0, '2026/2027', 'etudiants'],
    ])
  })

  it('loads UTF-8 with BOM, tab-separated results with decimal commas and Apogée codes', async () => {
    const rows = [
      ['Identifiant pseudonymisé', 'Année universitaire', 'Code ELP', 'Session', 'Note', 'Résultat', 'ECTS'],
      [pseudo(1), '2025/2026', '7LET101', '1', '12,5', 'ADM', '6'],
      [pseudo(1), '2025/2026', '7LET102', '1', '', 'ABI', '0'],
      [pseudo(3), '2025/2026', '7ECO101', '1', '8,25', 'AJ', '0'],
    ]
    const res = await upload(t.app, token, 'resultats', csvFile(rows, { delimiter: '\t', encoding: 'utf-8-bom' }))
    expect(res.statusCode, res.body).toBe(202)
    const imp = await waitForImport(t.app, token, res.json().id)
    expect(imp.status, imp.errorMessage ?? '').toBe('succeeded')
    expect(imp.rowsLoaded).toBe(3)
    const r = await t.database.sql`SELECT course_unit, grade::float8 AS grade, result_raw, result FROM results ORDER BY course_unit`
    expect(r.map((x) => [x.course_unit, x.grade, x.result_raw, x.result])).toEqual([
      ['7ECO101', 8.25, 'AJ', 'failed'],
      ['7LET101', 12.5, 'ADM', 'admitted'],
      ['7LET102', null, 'ABI', 'absent_unjustified'],
    ])
    // The finished import asked for its cohort to be scored.
    await expect.poll(async () => count('score_requests'), { timeout: 10_000 }).toBeGreaterThanOrEqual(1)
  })

  it('loads valid rows and reports each of 3 bad rows (line, column, value, reason)', async () => {
    const rows: string[][] = [['id_pseudo', 'code_elp', 'type_seance', 'date_seance', 'statut_presence']]
    for (let i = 0; i < 97; i++) {
      rows.push([pseudo(100 + (i % 10)), '7LET101', 'TD', `${String(1 + (i % 28)).padStart(2, '0')}/10/2025`, i % 3 === 0 ? 'ABI' : 'P'])
    }
    rows.splice(11, 0, [pseudo(5), '7LET101', 'TD', '31/02/2025', 'P']) // file line 12
    rows.splice(41, 0, [pseudo(6), '7LET101', 'TD', '03/10/2025', 'ZZZ']) // file line 42
    rows.splice(71, 0, ['', '7LET101', 'TD', '03/10/2025', 'P']) // file line 72
    const before = await count('attendance_sessions')
    const res = await upload(t.app, token, 'assiduite', csvFile(rows))
    expect(res.statusCode, res.body).toBe(202)
    const imp = await waitForImport(t.app, token, res.json().id)
    expect(imp.status, imp.errorMessage ?? '').toBe('succeeded')
    expect(imp.rowsRead).toBe(100)
    expect(imp.rowsInvalid).toBe(3)
    expect(imp.rowsLoaded).toBe(97)
    expect((await count('attendance_sessions')) - before).toBe(97)
    const errors = (
      await t.app.inject({ method: 'GET', url: `/api/v1/imports/${imp.id}/errors`, headers: { authorization: `Bearer ${token}` } })
    ).json<{ line: number; column: string; value: string; reason: string }[]>()
    expect(errors.map((e) => e.line)).toEqual([12, 42, 72])
    expect(errors[0]).toMatchObject({ value: '31/02/2025' })
    expect(errors[0]?.reason).toMatch(/date/i)
    expect(errors[1]).toMatchObject({ value: 'ZZZ' })
    expect(errors[2]?.reason).toMatch(/obligatoire/)
    const csv = await t.app.inject({
      method: 'GET',
      url: `/api/v1/imports/${imp.id}/errors.csv`,
      headers: { authorization: `Bearer ${token}` },
    })
    expect(csv.statusCode).toBe(200)
    expect(csv.headers['content-type']).toContain('text/csv')
    expect(csv.body.replace(/^\uFEFF/, '').split(/\r?\n/)[0]).toBe('ligne;colonne;valeur;raison')
    expect(csv.body).toContain('31/02/2025')
    // Reading a report of student data leaves a trace.
    const reads = await t.database
      .sql`SELECT details FROM audit_log WHERE action = 'import.errors_read' AND entity_id = ${imp.id} ORDER BY id`
    expect(reads.map((r) => r.details)).toEqual([{}, { format: 'csv' }])
  })

  it('refuses a file with a missing required column as a whole, loading nothing', async () => {
    const rows = [
      ['id_pseudo', 'code_elp', 'type_seance', 'statut_presence'],
      [pseudo(7), '7LET101', 'TD', 'P'],
    ]
    const before = await count('attendance_sessions')
    const res = await upload(t.app, token, 'assiduite', csvFile(rows))
    expect(res.statusCode, res.body).toBe(422)
    expect(res.json().message).toMatch(/obligatoire/)
    expect(await count('attendance_sessions')).toBe(before)
  })

  it('recognises the same file uploaded twice and loads nothing twice', async () => {
    const rows = [['id_pseudo', 'semaine', 'connexions', 'minutes']]
    for (let i = 0; i < 20; i++) {
      rows.push([pseudo(200 + i), '06/10/2025', String(i), String(i * 10)])
    }
    const file = csvFile(rows)
    const first = await upload(t.app, token, 'activite_ent', file)
    expect(first.statusCode, first.body).toBe(202)
    const imp = await waitForImport(t.app, token, first.json().id)
    expect(imp.status).toBe('succeeded')
    const n = await count('lms_activity')
    const second = await upload(t.app, token, 'activite_ent', file, 'copie.csv')
    expect(second.statusCode).toBe(409)
    expect(second.json()).toMatchObject({ code: 'APP_IMPORT_DUPLICATE', existingImportId: imp.id, existingImportUrl: `/imports/${imp.id}` })
    expect(await count('lms_activity')).toBe(n)
  })

  it('upserts overlapping data on natural keys instead of duplicating it', async () => {
    const a = [
      ['id_pseudo', 'semaine', 'connexions'],
      [pseudo(300), '13/10/2025', '1'],
      [pseudo(301), '13/10/2025', '2'],
    ]
    const b = [
      ['id_pseudo', 'semaine', 'connexions'],
      [pseudo(301), '13/10/2025', '5'],
      [pseudo(302), '13/10/2025', '3'],
      [pseudo(302), '13/10/2025', '4'],
    ]
    const before = await count('lms_activity')
    const ra = await upload(t.app, token, 'activite_ent', csvFile(a))
    expect((await waitForImport(t.app, token, ra.json().id)).status).toBe('succeeded')
    const rb = await upload(t.app, token, 'activite_ent', csvFile(b))
    const ib = await waitForImport(t.app, token, rb.json().id)
    expect(ib.status, ib.errorMessage ?? '').toBe('succeeded')
    expect((await count('lms_activity')) - before).toBe(3)
    const rows = await t.database
      .sql`SELECT s.pseudo_id, l.logins FROM lms_activity l JOIN students s ON s.id = l.student_id WHERE s.pseudo_id IN (${pseudo(301)}, ${pseudo(302)}) ORDER BY 1`
    // The later file wins, and within one file the last line wins.
    expect(rows.map((r) => r.logins)).toEqual([5, 4])
  })

  it('loads a first file of a kind that repeats a key: the last line wins, nothing fails', async () => {
    // attendance_weeks is empty for this university: the plain-INSERT fast path meets the
    // repeated key, and the import falls back to the de-duplicating upsert.
    const rows = [
      ['id_pseudo', 'semaine', 'code_elp', 'seances_prevues', 'seances_suivies'],
      [pseudo(800), '05/10/2026', '7DRT101', '4', '4'],
      [pseudo(801), '05/10/2026', '7DRT101', '4', '3'],
      [pseudo(800), '05/10/2026', '7DRT101', '4', '1'],
    ]
    const res = await upload(t.app, token, 'assiduite', csvFile(rows))
    const imp = await waitForImport(t.app, token, res.json().id)
    expect(imp.status, imp.errorMessage ?? '').toBe('succeeded')
    const got = await t.database.sql`
      SELECT s.pseudo_id, w.sessions_attended FROM attendance_weeks w JOIN students s ON s.id = w.student_id ORDER BY s.pseudo_id`
    expect(got.map((r) => [r.pseudo_id, r.sessions_attended])).toEqual([
      [pseudo(800), 1],
      [pseudo(801), 3],
    ])
  })

  it('refuses analytics files holding direct identifiers, and deletes them', async () => {
    const rows = [
      ['id_pseudo', 'annee_univ', 'nom', 'email'],
      [pseudo(400), '2025/2026', 'Dupont', 'jean.dupont@example.fr'],
    ]
    const res = await upload(t.app, token, 'etudiants', csvFile(rows))
    expect(res.statusCode, res.body).toBe(422)
    expect(res.json().message).toMatch(/identifiant/)
    const [row] = await t.database.sql`SELECT status, stored_path FROM imports WHERE id = ${res.json().importId}`
    expect(row?.status).toBe('rejected')
  })

  it('refuses too many invalid rows: nothing loaded, the report kept', async () => {
    const rows = [['id_pseudo', 'semaine', 'connexions']]
    for (let i = 0; i < 20; i++) {
      rows.push([pseudo(500 + i), i < 2 ? 'pas une date' : '20/10/2025', '1'])
    }
    const before = await count('lms_activity')
    const res = await upload(t.app, token, 'activite_ent', csvFile(rows))
    const imp = await waitForImport(t.app, token, res.json().id)
    expect(imp.status).toBe('failed')
    expect(imp.errorCode).toBe('too_many_invalid')
    expect(imp.errorMessage).toMatch(/rien n’a été chargé/)
    expect(await count('lms_activity')).toBe(before)
    const errors = await t.database.sql`SELECT line FROM import_errors WHERE import_id = ${imp.id} ORDER BY line`
    expect(errors.map((e) => e.line)).toEqual([2, 3])
  })

  it('asks for a column mapping when headers are unknown, then reuses it for the next file', async () => {
    const rows = [
      ['Etudiant', 'Cours', 'Quand', 'Présence'],
      [pseudo(600), '7DRT101', '07/10/2026', 'ABI'],
      [pseudo(601), '7DRT101', '07/10/2026', 'P'],
    ]
    const res = await upload(t.app, token, 'assiduite', csvFile(rows))
    expect(res.statusCode, res.body).toBe(202)
    expect(res.json().status).toBe('awaiting_mapping')
    const id = res.json().id as string

    // Through the page, as staff would do it.
    const { cookie } = await loginWithForm(t.app, 'universite@demo.repere.test')
    const { token: csrf, cookie: jar } = await csrfFor(t.app, cookie, `/imports/${id}/correspondance`)
    const page = await t.app.inject({ method: 'GET', url: `/imports/${id}/correspondance`, headers: { cookie: jar } })
    expect(page.body).toContain('Associer les colonnes')
    const bad = await t.app.inject({
      method: 'POST',
      url: `/imports/${id}/correspondance`,
      headers: { cookie: jar, 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({ _csrf: csrf, col_id_pseudo: 'Etudiant', col_code_elp: 'Cours' }).toString(),
    })
    expect(bad.statusCode).toBe(400)
    expect(bad.body).toContain('Indiquez la colonne du fichier')
    const ok = await t.app.inject({
      method: 'POST',
      url: `/imports/${id}/correspondance`,
      headers: { cookie: jar, 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({
        _csrf: csrf,
        col_id_pseudo: 'Etudiant',
        col_code_elp: 'Cours',
        col_date_seance: 'Quand',
        col_statut_presence: 'Présence',
      }).toString(),
    })
    expect(ok.statusCode, ok.body).toBe(303)
    const imp = await waitForImport(t.app, token, id)
    expect(imp.status, imp.errorMessage ?? '').toBe('succeeded')
    expect(imp.rowsLoaded).toBe(2)

    // The next file with the same headers goes straight through.
    const next = await upload(t.app, token, 'assiduite', csvFile([rows[0] as string[], [pseudo(602), '7DRT102', '08/10/2026', 'P']]))
    expect(next.statusCode, next.body).toBe(202)
    // Already queued (or picked up by the worker): no mapping step this time.
    expect(next.json().status).not.toBe('awaiting_mapping')
    expect((await waitForImport(t.app, token, next.json().id)).status).toBe('succeeded')
  })

  it('lets staff abandon an import that waits for its mapping, deleting the file', async () => {
    const res = await upload(
      t.app,
      token,
      'assiduite',
      csvFile([
        ['A', 'B', 'C', 'D'],
        ['x', 'y', '01/10/2026', 'P'],
      ]),
    )
    expect(res.json().status).toBe('awaiting_mapping')
    const id = res.json().id as string
    const [row] = await t.database.sql`SELECT stored_path FROM imports WHERE id = ${id}`
    const gone = await t.app.inject({ method: 'DELETE', url: `/api/v1/imports/${id}`, headers: { authorization: `Bearer ${token}` } })
    expect(gone.statusCode, gone.body).toBe(200)
    expect(gone.json()).toMatchObject({ status: 'rejected', errorCode: 'abandoned' })
    await expect(access(row?.stored_path as string)).rejects.toThrow()
    const again = await t.app.inject({ method: 'DELETE', url: `/api/v1/imports/${id}`, headers: { authorization: `Bearer ${token}` } })
    expect(again.statusCode).toBe(409)
  })

  it('keeps imports inside their university and away from Mission Locale roles', async () => {
    const res = await upload(
      t.app,
      token,
      'activite_ent',
      csvFile([
        ['id_pseudo', 'semaine', 'connexions'],
        [pseudo(700), '03/11/2026', '2'],
      ]),
    )
    const id = res.json().id as string
    await waitForImport(t.app, token, id)
    // A second university, with its own staff: it must not even learn the import exists.
    const [other] = await t.database
      .sql`INSERT INTO organisations (kind, slug, name, short_name) VALUES ('university', 'autre-univ', 'Autre université', 'Autre') RETURNING id`
    const created = await t.app.inject({
      method: 'POST',
      url: '/api/v1/users',
      headers: { authorization: `Bearer ${await apiToken(t.app, 'admin@demo.repere.test')}` },
      payload: { email: 'staff@autre.test', fullName: 'Autre Staff', role: 'university_staff', organisationId: other?.id },
    })
    expect(created.statusCode, created.body).toBe(201)
    await t.database.sql`UPDATE users SET must_change_password = false WHERE email = 'staff@autre.test'`
    const otherToken = await apiToken(t.app, 'staff@autre.test', created.json().temporaryPassword)
    const auth = (tok: string) => ({ authorization: `Bearer ${tok}` })
    expect((await t.app.inject({ method: 'GET', url: `/api/v1/imports/${id}`, headers: auth(otherToken) })).statusCode).toBe(404)
    expect((await t.app.inject({ method: 'GET', url: `/api/v1/imports/${id}/errors.csv`, headers: auth(otherToken) })).statusCode).toBe(404)
    expect((await t.app.inject({ method: 'GET', url: '/api/v1/imports', headers: auth(otherToken) })).json<unknown[]>().length).toBe(0)
    // Mission Locale roles have no access to university imports at all.
    const counsellor = await apiToken(t.app, 'conseil.reims@demo.repere.test')
    expect((await t.app.inject({ method: 'GET', url: '/api/v1/imports', headers: auth(counsellor) })).statusCode).toBe(403)
    expect((await t.app.inject({ method: 'GET', url: `/api/v1/imports/${id}`, headers: auth(counsellor) })).statusCode).toBe(403)
    // Admins may read every import, but only university staff upload.
    const admin = await apiToken(t.app, 'admin@demo.repere.test')
    expect((await t.app.inject({ method: 'GET', url: `/api/v1/imports/${id}`, headers: auth(admin) })).statusCode).toBe(200)
    expect(
      (
        await upload(
          t.app,
          admin,
          'activite_ent',
          csvFile([
            ['id_pseudo', 'semaine', 'connexions'],
            [pseudo(701), '03/11/2026', '1'],
          ]),
        )
      ).statusCode,
    ).toBe(403)
  })

  it('answers clear errors for a bad upload request', async () => {
    const body = multipart({}, { name: 'x.csv', content: Buffer.from('a;b\r\n1;2\r\n') })
    const noKind = await t.app.inject({
      method: 'POST',
      url: '/api/v1/imports',
      headers: { authorization: `Bearer ${token}`, ...body.headers },
      payload: body.payload,
    })
    expect(noKind.statusCode).toBe(400)
    expect(noKind.json().message).toMatch(/type d’import/)
    const other = multipart({}, { name: 'x.csv', content: Buffer.from('a') })
    const broken = await t.app.inject({
      method: 'POST',
      url: '/api/v1/imports?kind=etudiants',
      headers: { authorization: `Bearer ${token}`, ...body.headers },
      payload: other.payload,
    })
    expect(broken.statusCode).toBe(400)
    expect(broken.json().message).toMatch(/mal formée/)
    const badKind = await upload(t.app, token, 'inscriptions', Buffer.from('a;b\r\n'))
    expect(badKind.statusCode).toBe(400)
    expect(badKind.json().message).toBe('Requête invalide dans l’adresse : valeur non permise pour « kind ».')
    const empty = await upload(t.app, token, 'etudiants', Buffer.alloc(0))
    expect(empty.statusCode).toBe(400)
    expect(empty.json().message).toMatch(/vide/)
    const binary = await upload(t.app, token, 'etudiants', Buffer.from([0x50, 0x4b, 0x03, 0x04, 0, 0, 0, 0, 1, 2, 3, 0, 0, 0]))
    expect(binary.statusCode).toBe(422)
    expect(binary.json().message.length).toBeGreaterThan(10)
  })
})

describe('contacts import', () => {
  it('stores contact details encrypted and keeps no clear value in its error report', async () => {
    const rows = [
      ['id_pseudo', 'prenom', 'email', 'telephone', 'consentement_email', 'consentement_sms', 'date_consentement', 'source_consentement'],
      [
        pseudo(900),
        'Amélie',
        'amelie.martin@etudiant.univ-reims.test',
        '06 12 34 56 78',
        'O',
        'O',
        '15/09/2026',
        'formulaire inscription 2026',
      ],
      [pseudo(901), 'Yanis', 'pas-une-adresse', '', 'O', 'N', '15/09/2026', 'formulaire inscription 2026'],
    ]
    for (let i = 0; i < 40; i++) {
      rows.push([pseudo(902 + i), 'Léa', `lea${i}@etudiant.univ-reims.test`, '', 'O', 'N', '16/09/2026', 'formulaire inscription 2026'])
    }
    const res = await upload(t.app, token, 'contacts', csvFile(rows))
    expect(res.statusCode, res.body).toBe(202)
    const imp = await waitForImport(t.app, token, res.json().id)
    expect(imp.status, imp.errorMessage ?? '').toBe('succeeded')
    expect(imp.rowsInvalid).toBe(1)
    const stored = await t.database.sql`
      SELECT c.email_enc, c.first_name_enc, c.phone_enc, (k.status = 'given') AS consent_sms FROM contacts c JOIN students s ON s.id = c.student_id
      JOIN consents k ON k.student_id = s.id AND k.channel = 'sms' WHERE s.pseudo_id = ${pseudo(900)}`
    const row = stored[0] as { email_enc: Buffer; first_name_enc: Buffer; phone_enc: Buffer; consent_sms: boolean }
    expect(row.email_enc.toString('latin1')).not.toContain('amelie')
    expect(decryptField(t.config.dataKeys, row.email_enc)).toBe('amelie.martin@etudiant.univ-reims.test')
    expect(decryptField(t.config.dataKeys, row.first_name_enc)).toBe('Amélie')
    expect(decryptField(t.config.dataKeys, row.phone_enc)).toBe('+33612345678')
    expect(row.consent_sms).toBe(true)
    const errors = await t.database.sql`SELECT value FROM import_errors WHERE import_id = ${imp.id}`
    expect(errors.map((e) => e.value)).toEqual(['p…(15 caractères)'])
  })
})

describe('upload size limit', () => {
  it('refuses a file over UPLOAD_MAX_MB with a clear message and keeps nothing', async () => {
    const small = await startTestApp({ UPLOAD_MAX_MB: '1' })
    try {
      const tok = await apiToken(small.app, 'universite@demo.repere.test')
      const rows = [['id_pseudo', 'semaine', 'connexions']]
      for (let i = 0; i < 60_000; i++) {
        rows.push([pseudo(i), '02/11/2026', '1'])
      }
      const res = await upload(small.app, tok, 'activite_ent', csvFile(rows))
      expect(res.statusCode).toBe(413)
      expect(res.json().message).toBe('Le fichier dépasse la taille maximale autorisée (1 Mo).')
      expect(Number((await small.database.sql`SELECT count(*)::int AS n FROM imports`)[0]?.n)).toBe(0)
    } finally {
      await small.close()
    }
  })
})
