/**
 * Admins export the commune → Mission Locale mapping, correct it, and import it back: the rows
 * become confirmed, a wrong file changes nothing, and the seed never overwrites a confirmation.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { seedCommunes } from '../../scripts/seed.ts'
import { apiToken, startTestApp, type TestApp } from '../helpers/app.ts'
import { csvFile, multipart } from '../helpers/imports.ts'

let t: TestApp
let admin: string

beforeAll(async () => {
  t = await startTestApp()
  admin = await apiToken(t.app, 'admin@demo.repere.test')
})
afterAll(async () => {
  await t?.close()
})

const postMapping = (token: string, content: Buffer) => {
  const body = multipart({}, { name: 'correspondance.csv', content })
  return t.app.inject({
    method: 'POST',
    url: '/api/v1/communes/mapping',
    headers: { ...body.headers, authorization: `Bearer ${token}` },
    payload: body.payload,
  })
}
const communeOf = async (insee: string) =>
  (
    await t.database
      .sql`SELECT c.mapping_status, o.slug FROM communes c LEFT JOIN organisations o ON o.id = c.mission_locale_id WHERE c.insee_code = ${insee}`
  )[0]

describe('commune mapping', () => {
  it('exports every Marne commune with its Mission Locale, readable by Excel', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/api/v1/communes/mapping.csv', headers: { authorization: `Bearer ${admin}` } })
    expect(res.statusCode).toBe(200)
    expect(res.body.startsWith('\ufeffinsee_code;commune;')).toBe(true)
    const lines = res.body.trim().split('\r\n')
    expect(lines.length).toBe(611) // header + 610 communes
    expect(lines.find((l) => l.startsWith('51454;'))).toMatch(/^51454;Reims;.*;ml-reims;inferred;/)
  })

  it('imports a corrected mapping (Windows-1252 from Excel): listed communes become confirmed', async () => {
    const file = csvFile(
      [
        ['insee_code', 'mission_locale', 'note'],
        ['51454', 'ml-reims', 'Confirmé par la ML de Reims le 27/11/2026'],
        ['51230', 'ML Épernay', ''],
        ['51065', '', 'Nord Marnais'],
      ],
      { encoding: 'windows-1252' },
    )
    const res = await postMapping(admin, file)
    expect(res.statusCode, res.body).toBe(200)
    expect(res.json()).toEqual({ applied: 3 })
    expect(await communeOf('51454')).toEqual({ mapping_status: 'confirmed', slug: 'ml-reims' })
    expect(await communeOf('51230')).toEqual({ mapping_status: 'confirmed', slug: 'ml-epernay' })
    expect(await communeOf('51065')).toEqual({ mapping_status: 'confirmed', slug: null })
    const [audit] = await t.database.sql`SELECT details FROM audit_log WHERE action = 'commune.mapping_import'`
    expect(audit?.details).toEqual({ communes: 3 })
    // A later seed keeps what an admin confirmed.
    await seedCommunes(t.database.db, t.orgIds)
    expect(await communeOf('51065')).toEqual({ mapping_status: 'confirmed', slug: null })
  })

  it('changes nothing when one row is wrong, and names each error', async () => {
    const before = await communeOf('51108')
    const res = await postMapping(
      admin,
      csvFile([
        ['insee_code', 'mission_locale'],
        ['51108', 'ml-reims'],
        ['99999', 'ml-reims'],
        ['51002', 'ML de Nulle Part'],
      ]),
    )
    expect(res.statusCode).toBe(422)
    expect(res.json().errors.map((e: { line: number }) => e.line)).toEqual([3, 4])
    expect(res.json().errors[1].reason).toMatch(/Mission Locale inconnue/)
    expect(await communeOf('51108')).toEqual(before)
    const missing = await postMapping(
      admin,
      csvFile([
        ['commune', 'ml'],
        ['Reims', 'ml-reims'],
      ]),
    )
    expect(missing.statusCode).toBe(400)
    expect(missing.json().message).toMatch(/insee_code/)
  })

  it('is for admins only', async () => {
    const manager = await apiToken(t.app, 'direction.reims@demo.repere.test')
    expect(
      (
        await postMapping(
          manager,
          csvFile([
            ['insee_code', 'mission_locale'],
            ['51454', ''],
          ]),
        )
      ).statusCode,
    ).toBe(403)
    expect(
      (await t.app.inject({ method: 'GET', url: '/api/v1/communes/mapping.csv', headers: { authorization: `Bearer ${manager}` } }))
        .statusCode,
    ).toBe(403)
    expect(await communeOf('51454')).toEqual({ mapping_status: 'confirmed', slug: 'ml-reims' })
  })
})
