/**
 * The HTTP edges (issue #6, item 8): errors the framework raises before or around routing answer
 * like every other error (French, request id, HTML for browsers); uploads take exactly one file
 * and keep no bidirectional controls in its name; the column mapping says what is wrong with it.
 */
import { request as httpRequest } from 'node:http'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { apiToken, startTestApp, type TestApp } from '../helpers/app.ts'
import { csvFile, pseudo, upload } from '../helpers/imports.ts'

let t: TestApp
let port: number
let token: string

beforeAll(async () => {
  t = await startTestApp()
  await t.app.listen({ port: 0, host: '127.0.0.1' })
  port = (t.app.server.address() as { port: number }).port
  token = await apiToken(t.app, 'universite@demo.repere.test')
})
afterAll(async () => {
  await t?.close()
})

/** A raw request over TCP: the path is sent exactly as written (no client-side normalisation). */
function raw(path: string, headers: Record<string, string> = {}) {
  return new Promise<{ status: number; type: string; body: string; headers: Record<string, unknown> }>((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path, headers }, (res) => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (c: string) => (body += c))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type']), body, headers: res.headers }))
    })
    req.on('error', reject)
    req.end()
  })
}

const UUID = /^[0-9a-f-]{36}$/

describe('framework errors go through the one error handler', () => {
  it.each([
    ['/%E0%A4%A', 400, 'FST_ERR_BAD_URL', /mal encodée/],
    ['/api/v1/imports/%E0%A4%A', 400, 'FST_ERR_BAD_URL', /mal encodée/],
    ['/static/../server/config.ts', 403, 'FST_STATIC_FORBIDDEN_PATH', /n’est pas autorisé/],
    ['/static/%2e%2e/server/config.ts', 403, 'FST_STATIC_FORBIDDEN_PATH', /n’est pas autorisé/],
    [`/api/v1/imports/${'x'.repeat(10_000)}`, 414, 'FST_ERR_MAX_PARAM_LENGTH', /trop longue/],
  ])('%s → %i in French with a request id', async (path, status, code, message) => {
    const res = await raw(path)
    expect(res.status).toBe(status)
    expect(res.type).toMatch(/^application\/json/)
    const body = JSON.parse(res.body) as Record<string, unknown>
    expect(body).toMatchObject({ statusCode: status, code })
    expect(body.message).toMatch(message)
    expect(body.reqId).toMatch(UUID)
    expect(res.body).not.toContain('server/config')
  })

  it('answers a browser with the French error page, never the source file', async () => {
    for (const path of ['/%E0%A4%A', '/static/../server/config.ts', `/imports/${'x'.repeat(500)}`]) {
      const res = await raw(path, { accept: 'text/html' })
      expect(res.status).toBeGreaterThanOrEqual(400)
      expect(res.status).toBeLessThan(500)
      expect(res.type).toMatch(/^text\/html/)
      expect(res.body).toContain('lang="fr"')
      expect(res.body).toMatch(/[0-9a-f]{8}-[0-9a-f]{4}-/) // the request id, to quote to support
      expect(res.body).not.toContain('JWT_SECRET')
      expect(res.headers['x-content-type-options']).toBe('nosniff')
    }
  })

  it('415 for an unsupported body type, in French', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/token',
      headers: { 'content-type': 'text/xml' },
      payload: '<login/>',
    })
    expect(res.statusCode).toBe(415)
    expect(res.json()).toMatchObject({ code: 'FST_ERR_CTP_INVALID_MEDIA_TYPE', message: 'Type de contenu non pris en charge.' })
    expect(res.json().reqId).toMatch(UUID)
  })

  it('an invalid JSON body is answered in French', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/token',
      headers: { 'content-type': 'application/json' },
      payload: '{"email":',
    })
    expect(res.statusCode).toBe(400)
    expect(res.json().message).toBe('Le corps de la requête n’est pas du JSON valide.')
  })
})

/** A multipart body with several file parts. */
function multiFile(files: { name: string; content: Buffer }[]) {
  const boundary = `----repere${Math.random().toString(16).slice(2)}`
  const parts: Buffer[] = []
  for (const f of files) {
    parts.push(
      Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${f.name}"\r\nContent-Type: text/csv\r\n\r\n`),
      f.content,
      Buffer.from('\r\n'),
    )
  }
  parts.push(Buffer.from(`--${boundary}--\r\n`))
  return { payload: Buffer.concat(parts), headers: { 'content-type': `multipart/form-data; boundary=${boundary}` } }
}

const importCount = async () => Number((await t.database.sql`SELECT count(*)::int AS n FROM imports`)[0]?.n)

describe('uploads', () => {
  const enrolment = (n: number) =>
    csvFile([
      ['id_pseudo', 'annee_univ'],
      [pseudo(n), '2026/2027'],
    ])

  it('refuses a request with two files (400, French) and keeps neither', async () => {
    const before = await importCount()
    const body = multiFile([
      { name: 'a.csv', content: enrolment(1) },
      { name: 'b.csv', content: enrolment(2) },
    ])
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/imports?kind=etudiants',
      headers: { ...body.headers, authorization: `Bearer ${token}` },
      payload: body.payload,
    })
    expect(res.statusCode, res.body).toBe(400)
    expect(res.json().message).toMatch(/un seul fichier/)
    expect(await importCount()).toBe(before)
    // The same file alone is accepted: the refusal was about the second file, not this one.
    const alone = await upload(t.app, token, 'etudiants', enrolment(1), 'a.csv')
    expect(alone.statusCode, alone.body).toBe(202)
  })

  it('refuses a commune mapping with two files too', async () => {
    const admin = await apiToken(t.app, 'admin@demo.repere.test')
    const body = multiFile([
      { name: 'a.csv', content: Buffer.from('insee_code;mission_locale\r\n51454;ml-reims\r\n') },
      { name: 'b.csv', content: Buffer.from('insee_code;mission_locale\r\n51454;ml-epernay\r\n') },
    ])
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/communes/mapping',
      headers: { ...body.headers, authorization: `Bearer ${admin}` },
      payload: body.payload,
    })
    expect(res.statusCode, res.body).toBe(400)
    expect(res.json().message).toMatch(/un seul fichier/)
    const [row] = await t.database.sql`SELECT mapping_status FROM communes WHERE insee_code = '51454'`
    expect(row?.mapping_status).not.toBe('confirmed')
  })

  it('stores and shows the file name without bidirectional control characters', async () => {
    // "export\u202Evsc.exe" displays as "exportexe.csv" in a right-to-left override.
    const res = await upload(t.app, token, 'etudiants', enrolment(3), 'export\u202Evsc.exe\u2066\u200F.csv')
    expect(res.statusCode, res.body).toBe(202)
    expect(res.json().fileName).toBe('exportvsc.exe.csv')
    const [row] = await t.database.sql`SELECT file_name FROM imports WHERE id = ${res.json().id as string}`
    expect(row?.file_name).toBe('exportvsc.exe.csv')
  })
})

describe('column mapping', () => {
  it('says that one column was chosen for two fields', async () => {
    const res = await upload(
      t.app,
      token,
      'assiduite',
      csvFile([
        ['Etudiant', 'Cours', 'Quand', 'Présence'],
        [pseudo(10), '7DRT101', '07/10/2026', 'P'],
      ]),
    )
    expect(res.json().status).toBe('awaiting_mapping')
    const put = await t.app.inject({
      method: 'PUT',
      url: `/api/v1/imports/${res.json().id as string}/mapping`,
      headers: { authorization: `Bearer ${token}` },
      payload: { mapping: { id_pseudo: 'Etudiant', code_elp: 'Cours', date_seance: 'Quand', statut_presence: 'Quand' } },
    })
    expect(put.statusCode, put.body).toBe(400)
    expect(put.json().message).toMatch(/^La colonne « Quand » du fichier est associée à 2 champs : « [^»]+ » et « [^»]+ »\./)
    expect(put.json().message).not.toContain('Indiquez la colonne')
  })
})
