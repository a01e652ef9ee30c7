/**
 * The counsellors' inbox (issue #11) against the real PostgreSQL: a booking opens a case in its
 * Mission Locale's inbox only; the work lists follow the due dates (clock injected); every action
 * is in the history (notes encrypted at rest); every read is audited; another Mission Locale and
 * university staff get 404; a verdict becomes pseudonymous feedback; outcomes are counts only.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Container } from '../../server/container.ts'
import type { Principal } from '../../server/services/access.ts'
import { startTestApp, type TestApp } from '../helpers/app.ts'
import { aStudent, identity, userId } from '../fixtures/journey.ts'

let t: TestApp
let s: Container
let reimsId: string
let urcaId: string
const who: Record<string, Principal> = {}
const ctxOf = (name: string) => ({ actor: who[name] as Principal, requestId: `test-${name}` })
const FAR = new Date('2030-01-01T00:00:00Z')
// Monday 4 January 2027, 10:00 in Paris.
const MONDAY = new Date('2027-01-04T09:00:00Z')

beforeAll(async () => {
  t = await startTestApp()
  s = t.app.services
  reimsId = t.orgIds.get('ml-reims') as string
  urcaId = t.orgIds.get('urca') as string
  for (const name of ['conseil.reims', 'direction.reims', 'conseil.epernay', 'admin', 'universite']) {
    const u = await userId(t.database, `${name}@demo.repere.test`).catch(() => undefined)
    if (u) {
      who[name] = { userId: u.id, organisationId: u.organisationId, role: u.role as Principal['role'] }
    }
  }
  const counsellor = who['conseil.reims'] as Principal
  const agency = (await s.routing.places(reimsId)).find((p) => p.kind === 'agency')!
  for (let weekday = 1; weekday <= 5; weekday++) {
    await s.availability.addRule(ctxOf('admin'), reimsId, {
      counsellorId: counsellor.userId,
      siteId: agency.id,
      modality: 'in_person',
      weekday,
      startTime: '09:00',
      endTime: '17:00',
      slotMinutes: 60,
      validFrom: '2026-12-01',
    })
  }
})
afterAll(async () => {
  await t.close()
})

async function aLink(opts: { homeCommuneInsee?: string } = {}) {
  const student = await aStudent(t.database, urcaId, opts)
  return { student, link: await s.links.create({ studentId: student.id, expiresAt: FAR }) }
}

/** Books the first free slot after `from` (Paris), as of `now`. */
async function aBooking(now: Date, over: Record<string, unknown> = {}, from = new Date(now.getTime() + 86_400_000 * 3)) {
  const { student, link } = await aLink()
  const days = await s.availability.freeSlots({ missionLocaleId: reimsId, from, to: new Date(from.getTime() + 86_400_000 * 7), now })
  const slot = days.flatMap((d) => d.slots)[0]!
  const booked = await s.bookings.book(
    { requestId: 'student' },
    { linkId: link.linkId, slotKey: slot.slotKey, identity: identity(over), idempotencyKey: `key-${link.linkId}` },
    now,
  )
  const [row] = await t.database.sql<{ id: string }[]>`SELECT case_id AS id FROM appointments WHERE id = ${booked.appointment.id}`
  return { student, link, appointmentId: booked.appointment.id, caseId: row!.id, startsAt: booked.appointment.startsAt }
}

describe('inbox', () => {
  it('a booking opens a case in its Mission Locale’s inbox only, due to acknowledge within 1 working day', async () => {
    const b = await aBooking(MONDAY, { firstName: 'Éloïse', lastName: 'Durand' })
    const reims = await s.cases.inbox(ctxOf('conseil.reims'), { list: 'a_traiter' }, MONDAY)
    expect(reims.rows.map((r) => r.id)).toContain(b.caseId)
    const row = reims.rows.find((r) => r.id === b.caseId)!
    expect(row).toMatchObject({ name: 'Éloïse Durand', origin: 'booking', status: 'new', ageBand: '18-21' })
    // Tuesday 5 January 18:00 Paris: one working day after the Monday booking.
    expect(row.dueAt?.toISOString()).toBe('2027-01-05T17:00:00.000Z')
    expect(reims.counts.a_traiter).toBeGreaterThanOrEqual(1)

    const epernay = await s.cases.inbox(ctxOf('conseil.epernay'), { list: 'a_traiter' }, MONDAY)
    for (const list of ['a_traiter', 'prioritaire', 'en_cours', 'injoignable', 'clos'] as const) {
      const r = await s.cases.inbox(ctxOf('conseil.epernay'), { list }, MONDAY)
      expect(r.rows.map((x) => x.id)).not.toContain(b.caseId)
    }
    expect(Object.values(epernay.counts).reduce((a, n) => a + n, 0)).toBe(0)
    await expect(s.cases.get(ctxOf('conseil.epernay'), b.caseId)).rejects.toMatchObject({ statusCode: 404 })
    await expect(s.cases.claim(ctxOf('conseil.epernay'), b.caseId)).rejects.toMatchObject({ statusCode: 404 })
    {
      await expect(s.cases.get(ctxOf('universite'), b.caseId)).rejects.toMatchObject({ statusCode: 404 })
      await expect(s.cases.inbox(ctxOf('universite'), {}, MONDAY)).rejects.toMatchObject({ statusCode: 404 })
    }

    // Search by name, accents and case folded; filters.
    const found = await s.cases.inbox(ctxOf('conseil.reims'), { list: 'a_traiter', filters: { q: 'eloise dur' } }, MONDAY)
    expect(found.rows.map((r) => r.id)).toEqual([b.caseId])
    const none = await s.cases.inbox(ctxOf('conseil.reims'), { list: 'a_traiter', filters: { q: 'eloise', origin: 'callback' } }, MONDAY)
    expect(none.rows).toEqual([])
    const minors = await s.cases.inbox(ctxOf('conseil.reims'), { list: 'a_traiter', filters: { minors: true } }, MONDAY)
    expect(minors.rows.map((r) => r.id)).not.toContain(b.caseId)
  })

  it('an overdue callback moves to « prioritaire » (clock injected)', async () => {
    const { link } = await aLink()
    const { caseId, dueAt } = await s.callbacks.request(
      { requestId: 'student' },
      { linkId: link.linkId, phone: '06 11 22 33 44', firstName: 'Yanis', moments: ['matin'], consentToShare: true },
      MONDAY,
    )
    // Two working days: Wednesday 6 January 18:00 Paris.
    expect(dueAt.toISOString()).toBe('2027-01-06T17:00:00.000Z')
    const listOf = async (now: Date) => {
      for (const list of ['a_traiter', 'prioritaire', 'en_cours'] as const) {
        const r = await s.cases.inbox(ctxOf('conseil.reims'), { list }, now)
        const row = r.rows.find((x) => x.id === caseId)
        if (row) {
          return { list, overdue: row.overdue }
        }
      }
      return null
    }
    expect(await listOf(new Date('2027-01-05T09:00:00Z'))).toEqual({ list: 'a_traiter', overdue: false })
    expect(await listOf(new Date('2027-01-06T09:00:00Z'))).toEqual({ list: 'prioritaire', overdue: false })
    expect(await listOf(new Date('2027-01-07T09:00:00Z'))).toEqual({ list: 'prioritaire', overdue: true })
    const counts = await s.cases.counts(who['conseil.reims'] as Principal, {}, new Date('2027-01-07T09:00:00Z'))
    expect(counts.counts.prioritaire).toBeGreaterThanOrEqual(1)

    // Answered: nothing due any more, the case is in « en cours ».
    await s.cases.contactAttempt(ctxOf('conseil.reims'), caseId, { channel: 'phone', result: 'answered' }, new Date('2027-01-07T09:30:00Z'))
    expect(await listOf(new Date('2027-01-07T10:00:00Z'))).toEqual({ list: 'en_cours', overdue: false })
  })

  it('records every action in the history; a note is encrypted at rest; every read is audited', async () => {
    const b = await aBooking(MONDAY)
    const c = ctxOf('conseil.reims')
    await s.cases.claim(c, b.caseId, MONDAY)
    await s.cases.addNote(c, b.caseId, 'Souhaite une formation en logistique', MONDAY)
    await s.cases.contactAttempt(c, b.caseId, { channel: 'phone', result: 'no_answer' }, MONDAY)
    await s.cases.setStatus(c, b.caseId, 'appointment_booked', MONDAY)
    await s.cases.assign(c, b.caseId, (who['direction.reims'] as Principal).userId, MONDAY)
    await s.cases.close(c, b.caseId, { outcome: 'cej' }, MONDAY)
    await expect(s.cases.addNote(c, b.caseId, 'après clôture', MONDAY)).resolves.toBeTruthy()
    await expect(s.cases.claim(c, b.caseId, MONDAY)).rejects.toMatchObject({ statusCode: 409 })

    const page = await s.cases.get(c, b.caseId, MONDAY)
    expect(page.history.map((h) => h.kind)).toEqual([
      'opened',
      'claim',
      'note',
      'contact_attempt',
      'status',
      'status',
      'assign',
      'outcome',
      'note',
    ])
    expect(page.history.filter((h) => h.kind === 'status').map((h) => h.payload)).toEqual([
      { from: 'in_progress', to: 'contacted_no_reply' },
      { from: 'contacted_no_reply', to: 'appointment_booked' },
    ])
    expect(page.history.find((h) => h.kind === 'note')?.note).toBe('Souhaite une formation en logistique')
    expect(page).toMatchObject({ status: 'closed', outcome: 'cej', outcomeLabel: 'Entrée CEJ' })
    const raw = await t.database.sql`SELECT note_enc, payload FROM case_events WHERE case_id = ${b.caseId}`
    expect(Buffer.concat(raw.filter((r) => r.note_enc).map((r) => r.note_enc as Buffer)).toString('latin1')).not.toContain('logistique')
    expect(JSON.stringify(raw.map((r) => r.payload))).not.toContain('logistique')

    const closed = await s.cases.inbox(c, { list: 'clos' }, MONDAY)
    expect(closed.rows.map((r) => r.id)).toContain(b.caseId)

    const before = await t.database.sql`SELECT count(*)::int AS n FROM audit_log WHERE action = 'case.read' AND entity_id = ${b.caseId}`
    await s.cases.get(ctxOf('direction.reims'), b.caseId)
    await s.cases.handoff(ctxOf('direction.reims'), b.caseId)
    const reads = await t.database.sql`
      SELECT action, actor_user_id FROM audit_log WHERE entity_id = ${b.caseId} AND action IN ('case.read', 'case.handoff_read')`
    expect(reads.filter((r) => r.action === 'case.read').length).toBe((before[0]!.n as number) + 1)
    expect(reads.map((r) => r.actor_user_id)).toContain((who['direction.reims'] as Principal).userId)
    const actions = await t.database.sql`SELECT action FROM audit_log WHERE entity_id = ${b.caseId} ORDER BY at, id`
    expect(actions.map((r) => r.action)).toEqual(
      expect.arrayContaining(['case.claim', 'case.note', 'case.contact_attempt', 'case.status', 'case.assign', 'case.close']),
    )
  })

  it('the hand-off summary has identity, contact, origin and first need; no score, no university', async () => {
    const b = await aBooking(MONDAY, { firstName: 'Inès', lastName: 'Roux', message: 'Je cherche une alternance' })
    const { text } = await s.cases.handoff(ctxOf('conseil.reims'), b.caseId)
    expect(text).toContain('Nom : Roux')
    expect(text).toContain('Prénom : Inès')
    expect(text).toContain('Date de naissance : 02/04/2005')
    expect(text).toContain('Téléphone : 06 12 34 56 78')
    expect(text).toContain('Premier besoin exprimé : Je cherche une alternance')
    expect(text).not.toMatch(/risque|score|universit|URCA|pseudo/i)
    expect(text).not.toContain(b.student.pseudoId)
  })

  it('a closing verdict is stored for the model by pseudonymous id only; universities see outcome counts only', async () => {
    const b = await aBooking(MONDAY)
    await s.cases.close(ctxOf('conseil.reims'), b.caseId, { outcome: 'out_of_scope', verdict: 'false_alarm' }, MONDAY)
    const feedback = await t.database.sql`SELECT * FROM model_feedback WHERE pseudo_id = ${b.student.pseudoId}`
    expect(feedback).toHaveLength(1)
    expect(feedback[0]).toMatchObject({ university_id: urcaId, verdict: 'false_alarm' })
    expect(Object.keys(feedback[0]!).sort()).toEqual(['created_at', 'id', 'pseudo_id', 'university_id', 'verdict'])

    const counts = await s.cases.outcomeCounts(who['admin'] as Principal, { universityId: urcaId })
    expect(counts.find((r) => r.outcome === 'out_of_scope')?.count).toBeGreaterThanOrEqual(1)
    await expect(s.cases.outcomeCounts(who['conseil.reims'] as Principal)).rejects.toMatchObject({ statusCode: 404 })
  })

  it('managers bulk-reassign; the load per counsellor follows', async () => {
    const a = await aBooking(MONDAY)
    const b = await aBooking(MONDAY)
    const manager = who['direction.reims'] as Principal
    const r = await s.cases.bulkAssign(ctxOf('direction.reims'), [a.caseId, b.caseId], manager.userId, {}, MONDAY)
    expect(r.reassigned).toBe(2)
    const load = await s.cases.load(manager, {}, MONDAY)
    expect(load.counsellors.find((c) => c.id === manager.userId)?.open).toBeGreaterThanOrEqual(2)
    await expect(
      s.cases.bulkAssign(ctxOf('direction.reims'), [a.caseId], (who['conseil.epernay'] as Principal).userId, {}, MONDAY),
    ).rejects.toMatchObject({ statusCode: 400 })
  })

  it('pausing reminders stops the appointment reminders', async () => {
    const b = await aBooking(MONDAY)
    await s.cases.setRemindersPaused(ctxOf('conseil.reims'), b.caseId, true, MONDAY)
    expect(await s.appointmentNotifications.sendReminder(b.appointmentId, '48h')).toBe('skipped')
    await s.cases.setRemindersPaused(ctxOf('conseil.reims'), b.caseId, false, MONDAY)
    expect(await s.appointmentNotifications.sendReminder(b.appointmentId, '48h')).toBe('done')
  })

  it('the due dates follow the Mission Locale’s settings', async () => {
    await s.availability.updateSettings(ctxOf('direction.reims'), reimsId, { callbackDueWorkingDays: 3 })
    try {
      const { link } = await aLink()
      const { dueAt } = await s.callbacks.request(
        { requestId: 'student' },
        { linkId: link.linkId, phone: '06 11 22 33 45', moments: ['soir'], consentToShare: true },
        MONDAY,
      )
      // Three working days after Monday 4 January: Thursday 7 January, 18:00 Paris.
      expect(dueAt.toISOString()).toBe('2027-01-07T17:00:00.000Z')
      await expect(s.availability.updateSettings(ctxOf('direction.reims'), reimsId, { bookingAckWorkingDays: 0 })).rejects.toMatchObject({
        statusCode: 400,
      })
    } finally {
      await s.availability.updateSettings(ctxOf('direction.reims'), reimsId, { callbackDueWorkingDays: 2 })
    }
  })
})
