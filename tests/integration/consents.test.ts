/**
 * The consent ledger (issue #10): the contacts import feeds it, but never re-enables a student
 * who withdrew or objected after the file was made.
 */
import { eq } from 'drizzle-orm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { students } from '../../db/schema/index.ts'
import { createConsentRepository } from '../../db/repositories/consents.repository.ts'
import { startWorkers, type Workers } from '../../workers/worker.ts'
import { apiToken, startTestApp, type TestApp } from '../helpers/app.ts'
import { csvFile, pseudo, upload, waitForImport } from '../helpers/imports.ts'

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

const HEADER = [
  'id_pseudo',
  'prenom',
  'email',
  'telephone',
  'consentement_email',
  'consentement_sms',
  'date_consentement',
  'source_consentement',
  'version_texte',
]

/** `eol`: the same file exported again (same content, other bytes: not refused as a duplicate upload). */
async function importContacts(rows: string[][], eol = '\n') {
  const res = await upload(t.app, token, 'contacts', csvFile([HEADER, ...rows], { eol }))
  expect(res.statusCode, res.body).toBe(202)
  const imp = await waitForImport(t.app, token, res.json().id)
  expect(imp.status, imp.errorMessage ?? '').toBe('succeeded')
}

const row = (n: number, date: string, email = 'O', sms = 'O') => [
  pseudo(n),
  'Inès',
  `etu${n}@etudiant.univ-reims.test`,
  '06 12 34 56 78',
  email,
  sms,
  date,
  'formulaire inscription 2026',
  'notice-2026-09',
]

async function studentId(n: number): Promise<number> {
  const [s] = await t.database.db
    .select({ id: students.id })
    .from(students)
    .where(eq(students.pseudoId, pseudo(n)))
  return (s as { id: number }).id
}

async function state(n: number): Promise<Record<string, string>> {
  const rows = await createConsentRepository(t.database.db).current(await studentId(n))
  return Object.fromEntries(rows.map((r) => [r.channel, r.status]))
}

describe('consent ledger', () => {
  it('records the consents of a contacts file, with source, text version and date', async () => {
    await importContacts([row(1, '15/09/2026'), row(2, '15/09/2026', 'O', 'N')])
    const [email] = await createConsentRepository(t.database.db).current(await studentId(1))
    expect(email).toMatchObject({ channel: 'email', status: 'given', source: 'formulaire inscription 2026', textVersion: 'notice-2026-09' })
    expect(email?.at.toISOString()).toBe('2026-09-14T22:00:00.000Z') // midnight in Paris
    expect(await state(2)).toEqual({ email: 'given', sms: 'withdrawn' })
    const history = await createConsentRepository(t.database.db).history(await studentId(1))
    expect(history.map((h) => [h.channel, h.status])).toEqual([
      ['email', 'given'],
      ['sms', 'given'],
    ])
  })

  it('a re-imported old file re-enables nobody who objected or withdrew since', async () => {
    const file = [row(10, '15/09/2026'), row(11, '15/09/2026'), row(12, '15/09/2026')]
    await importContacts(file)
    // 10 objects through their personal link; 11 unsubscribes from e-mails.
    const link = await t.app.services.links.create({ studentId: await studentId(10) })
    await t.app.services.suppressions.object({ requestId: 'test' }, { linkId: link.linkId })
    await t.app.services.consents.withdraw(await studentId(11), 'email', 'désinscription')
    expect(await state(10)).toEqual({ email: 'objected', sms: 'objected' })
    expect(await state(11)).toEqual({ email: 'withdrawn', sms: 'given' })
    const before = await createConsentRepository(t.database.db).history(await studentId(11))

    await importContacts(file, '\r\n')
    expect(await state(10)).toEqual({ email: 'objected', sms: 'objected' })
    expect(await state(11)).toEqual({ email: 'withdrawn', sms: 'given' })
    expect(await state(12)).toEqual({ email: 'given', sms: 'given' })
    // Nothing was appended for what did not change.
    expect(await createConsentRepository(t.database.db).history(await studentId(11))).toHaveLength(before.length)
  })

  it('a consent given after a withdrawal applies; nothing lifts an objection', async () => {
    await importContacts([row(20, '15/09/2026'), row(21, '15/09/2026')])
    const repo = createConsentRepository(t.database.db)
    await repo.record({
      studentId: await studentId(20),
      channel: 'email',
      status: 'withdrawn',
      source: 'désinscription',
      at: new Date('2026-09-20T10:00:00Z'),
    })
    await repo.record({
      studentId: await studentId(21),
      channel: 'email',
      status: 'objected',
      source: 'opposition',
      at: new Date('2026-09-20T10:00:00Z'),
    })
    // Same day as the withdrawal: not later, so not applied.
    await importContacts([row(20, '20/09/2026'), row(21, '20/09/2026')])
    expect((await state(20)).email).toBe('withdrawn')
    await importContacts([row(20, '01/10/2026'), row(21, '01/10/2026')])
    expect((await state(20)).email).toBe('given')
    expect((await state(21)).email).toBe('objected')
    // A platform consent does not lift an objection either.
    expect(await repo.record({ studentId: await studentId(21), channel: 'email', status: 'given', source: 'x', at: new Date() })).toBe(
      false,
    )
  })

  it('a newer "no" in the file withdraws, an older one does not', async () => {
    await importContacts([row(30, '15/09/2026'), row(31, '15/09/2026')])
    await importContacts([row(30, '10/09/2026', 'N', 'N'), row(31, '16/09/2026', 'N', 'O')])
    expect(await state(30)).toEqual({ email: 'given', sms: 'given' })
    expect(await state(31)).toEqual({ email: 'withdrawn', sms: 'given' })
  })

  it('the history is append-only', async () => {
    await expect(t.database.sql`UPDATE consent_events SET status = 'given'`).rejects.toMatchObject({ code: '23001' })
  })
})
