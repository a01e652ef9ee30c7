/**
 * The inbox's demo data (scripts/demo/inbox.ts): after the journey's and the inbox's seeds, each
 * demo counsellor has cases in every work list, one overdue, and appointments today; a second run
 * adds nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { seedDemoInbox } from '../../scripts/demo/inbox.ts'
import { seedDemoJourney } from '../../scripts/demo/journey.ts'
import { parisDay } from '../../server/lib/paris-time.ts'
import type { Principal } from '../../server/services/access.ts'
import { startTestApp, type TestApp } from '../helpers/app.ts'
import { userId } from '../fixtures/journey.ts'

let t: TestApp

beforeAll(async () => {
  t = await startTestApp()
  await seedDemoJourney(t.database, t.app.services, t.orgIds)
  await seedDemoInbox(t.database, t.app.services, t.orgIds)
})
afterAll(async () => {
  await t.close()
})

describe('inbox demo', () => {
  it.each(['reims', 'epernay', 'chalons'])(
    'the counsellor of %s has cases in every list, one overdue, and appointments today',
    async (ml) => {
      const u = await userId(t.database, `conseil.${ml}@demo.repere.test`)
      const actor: Principal = { userId: u.id, organisationId: u.organisationId, role: 'counsellor' }
      const ctx = { actor, requestId: 'test' }
      const { counts } = await t.app.services.cases.counts(actor)
      for (const list of ['a_traiter', 'prioritaire', 'en_cours', 'injoignable', 'clos'] as const) {
        expect(counts[list], list).toBeGreaterThanOrEqual(1)
      }
      const priority = await t.app.services.cases.inbox(ctx, { list: 'prioritaire' })
      expect(priority.rows.some((r) => r.overdue)).toBe(true)
      const day = await t.app.services.cases.day(ctx, { day: parisDay(new Date()) })
      expect(day.rows.filter((r) => r.counsellorId === u.id).length).toBeGreaterThanOrEqual(1)
      expect(day.rows.every((r) => r.studentName)).toBe(true)
    },
  )

  it('is idempotent', async () => {
    const [before] = await t.database.sql`SELECT count(*)::int AS n FROM cases`
    await seedDemoInbox(t.database, t.app.services, t.orgIds)
    const [after] = await t.database.sql`SELECT count(*)::int AS n FROM cases`
    expect(after!.n).toBe(before!.n)
  })
})
