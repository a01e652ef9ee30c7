/**
 * A scored cohort for campaign tests: students with a risk score in one finished run, a home
 * commune (so a territory), contact details encrypted like an import, and ledger consents.
 */
import { randomUUID } from 'node:crypto'
import { eq } from 'drizzle-orm'
import { consents, contacts, enrolments, models, riskScores, scoreRuns, students, users } from '../../db/schema/index.ts'
import type { ConsentStatus } from '../../db/vocabulary/index.ts'
import type { Principal } from '../../server/services/access.ts'
import { encryptField } from '../../server/lib/crypto.ts'
import type { TestApp } from './app.ts'
import { REIMS } from './journey.ts'

export const YEAR = '2026/2027'

export type StudentSpec = {
  probability?: number
  band?: 'eleve' | 'moyen' | 'faible'
  commune?: string | null
  email?: string | null
  phone?: string | null
  consentEmail?: ConsentStatus | null
  consentSms?: ConsentStatus | null
  faculty?: string
}

let runId: number | null = null
let modelId: string | null = null

/** Adds students to the one finished run of the test university (created on first use). */
export async function scoredStudents(t: TestApp, specs: StudentSpec[]): Promise<number[]> {
  const db = t.database.db
  const universityId = t.orgIds.get('urca') as string
  if (runId === null || modelId === null) {
    const [m] = await db
      .insert(models)
      .values({ version: `test-${randomUUID()}`, kind: 'expert', status: 'trained', universityId })
      .returning()
    modelId = (m as { id: string }).id
    const [r] = await db
      .insert(scoreRuns)
      .values({
        universityId,
        academicYear: YEAR,
        asOf: '2026-11-02',
        trigger: 'test',
        status: 'succeeded',
        dueAt: new Date(),
        modelId,
        finishedAt: new Date(),
      })
      .returning()
    runId = (r as { id: number }).id
    await db.update(scoreRuns).set({ snapshotId: runId }).where(eq(scoreRuns.id, runId))
  }
  const ids: number[] = []
  for (const [i, s] of specs.entries()) {
    const [row] = await db
      .insert(students)
      .values({ universityId, pseudoId: `p-${randomUUID()}` })
      .returning({ id: students.id })
    const id = (row as { id: number }).id
    ids.push(id)
    await db.insert(enrolments).values({
      studentId: id,
      academicYear: YEAR,
      faculty: s.faculty ?? 'UFR Sciences',
      homeCommuneInsee: s.commune === undefined ? REIMS : s.commune,
    })
    const p = s.probability ?? 0.9 - i * 0.001
    await db.insert(riskScores).values({
      studentId: id,
      universityId,
      academicYear: YEAR,
      modelId,
      modelVersion: 'test',
      asOf: '2026-11-02',
      runId,
      snapshotId: runId,
      probability: p,
      band: s.band ?? 'eleve',
      coverage: 1,
    })
    const email = s.email === undefined ? `etu${id}@etudiant.univ-reims.test` : s.email
    const phone = s.phone === undefined ? null : s.phone
    if (email || phone) {
      await db.insert(contacts).values({
        studentId: id,
        firstNameEnc: encryptField(t.config.dataKeys, `Prénom${id}`),
        emailEnc: email ? encryptField(t.config.dataKeys, email) : null,
        phoneEnc: phone ? encryptField(t.config.dataKeys, phone) : null,
        keyId: t.config.dataKeys.currentId,
      })
    }
    for (const [channel, status] of [
      ['email', s.consentEmail === undefined ? 'given' : s.consentEmail],
      ['sms', s.consentSms === undefined ? (phone ? 'given' : null) : s.consentSms],
    ] as const) {
      if (status) {
        await db.insert(consents).values({ studentId: id, channel, status, source: 'test', at: new Date('2026-09-15T00:00:00Z') })
      }
    }
  }
  return ids
}

/** Forgets the run (after truncateAll, e.g. a new TestApp in the same file). */
export function resetScoredCohort(): void {
  runId = null
  modelId = null
}

export async function principal(t: TestApp, email: string): Promise<Principal> {
  const [u] = await t.database.db.select().from(users).where(eq(users.email, email))
  if (!u) {
    throw new Error(`no user ${email}`)
  }
  return { userId: u.id, role: u.role, organisationId: u.organisationId }
}
