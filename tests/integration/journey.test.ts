/**
 * The journey's services against the real PostgreSQL: routing, DST-week slots, the database's
 * refusal of double bookings (50 concurrent calls on separate pool connections, 20 times),
 * idempotent resubmission, cancel freeing the slot, objection, callbacks, staff scoping.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { auditLog } from '../../db/schema/index.ts'
import { eq } from 'drizzle-orm'
import type { Container } from '../../server/container.ts'
import { startTestApp, type TestApp } from '../helpers/app.ts'
import { aContainer, aStudent, identity, userId } from '../fixtures/journey.ts'

let t: TestApp
let s: Container
let reimsId: string
let urcaId: string
let counsellor: { id: string; organisationId: string; role: string }
let admin: { userId: string; organisationId: string; role: 'admin' }
const ctx = { requestId: 'test' }
// The booking tests run at fixed dates in 2027: their links must still be valid then.
const FAR = new Date('2030-01-01T00:00:00Z')

beforeAll(async () => {
  t = await startTestApp()
  s = t.app.services
  reimsId = t.orgIds.get('ml-reims') as string
  urcaId = t.orgIds.get('urca') as string
  counsellor = await userId(t.database, 'conseil.reims@demo.repere.test')
  const a = await userId(t.database, 'admin@demo.repere.test')
  admin = { userId: a.id, organisationId: a.organisationId, role: 'admin' }
})
afterAll(async () => {
  await t.close()
})

async function agencyId(): Promise<string> {
  const places = await s.routing.places(reimsId)
  return places.find((p) => p.kind === 'agency')!.id
}

async function aRule(weekday: number, startTime: string, endTime: string, slotMinutes: number, validFrom = '2026-01-01') {
  return s.availability.addRule({ ...ctx, actor: admin }, reimsId, {
    counsellorId: counsellor.id,
    siteId: await agencyId(),
    modality: 'in_person',
    weekday,
    startTime,
    endTime,
    slotMinutes,
    validFrom,
  })
}

async function aLink() {
  const student = await aStudent(t.database, urcaId)
  return { student, link: await s.links.create({ studentId: student.id, expiresAt: FAR }) }
}

describe('routing by commune', () => {
  it.each([
    ['51454', 'ml-reims'],
    ['51230', 'ml-epernay'],
    ['51108', 'ml-chalons'],
  ])('%s goes to %s with its places', async (insee, slug) => {
    const r = await s.routing.forCommune(insee)
    expect(r.status).toBe('covered')
    expect(r.missionLocale?.id).toBe(t.orgIds.get(slug))
    expect(r.places.length).toBeGreaterThan(0)
    expect(r.modalities).toContain('in_person')
  })

  it('a Marne commune outside the partners names the Mission Locale known to cover it, and the national directory', async () => {
    const r = await s.routing.forCommune('51001')
    expect(r.status).toBe('outside')
    expect(r.missionLocale).toBeNull()
    expect(r.otherMissionLocale).toBe('Mission Locale de Vitry-le-François')
    expect(r.nationalDirectoryUrl).toMatch(/^https:\/\//)
  })

  it('a commune outside the Marne still gets the national directory', async () => {
    const r = await s.routing.forCommune('75056')
    expect(r.status).toBe('unknown_commune')
    expect(r.nationalDirectoryUrl).toMatch(/^https:\/\//)
  })

  it('finds communes by postcode and by name without accents', async () => {
    expect((await s.routing.searchCommunes('51200')).map((c) => c.inseeCode)).toContain('51230')
    expect((await s.routing.searchCommunes('epern')).map((c) => c.name)).toContain('Épernay')
  })
})

describe('slots across the daylight-saving changes', () => {
  it('offers 09:00 Paris on the Saturday and the Sunday of both changes', async () => {
    await s.availability.updateSettings({ ...ctx, actor: admin }, reimsId, { horizonDays: 60 })
    await aRule(6, '09:00', '10:00', 60)
    await aRule(7, '09:00', '10:00', 60)
    const spring = await s.availability.freeSlots({
      missionLocaleId: reimsId,
      from: new Date('2027-03-27T00:00:00Z'),
      to: new Date('2027-03-29T00:00:00Z'),
      now: new Date('2027-03-20T12:00:00Z'),
    })
    expect(spring.map((d) => [d.day, d.slots.map((x) => [x.time, x.startsAt.toISOString()])])).toEqual([
      ['2027-03-27', [['09:00', '2027-03-27T08:00:00.000Z']]],
      ['2027-03-28', [['09:00', '2027-03-28T07:00:00.000Z']]],
    ])
    const autumn = await s.availability.freeSlots({
      missionLocaleId: reimsId,
      from: new Date('2027-10-30T00:00:00Z'),
      to: new Date('2027-11-01T00:00:00Z'),
      now: new Date('2027-10-20T12:00:00Z'),
    })
    expect(autumn.map((d) => [d.day, d.slots.map((x) => [x.time, x.startsAt.toISOString(), x.endsAt.toISOString()])])).toEqual([
      ['2027-10-30', [['09:00', '2027-10-30T07:00:00.000Z', '2027-10-30T08:00:00.000Z']]],
      ['2027-10-31', [['09:00', '2027-10-31T08:00:00.000Z', '2027-10-31T09:00:00.000Z']]],
    ])
    expect(autumn[1]?.label).toBe('dimanche 31 octobre')
  })

  it('skips public holidays and the minimum notice', async () => {
    // Monday 17 May 2027 is Lundi de Pentecôte (Easter 28 March + 50).
    await aRule(1, '14:00', '15:00', 60)
    const days = await s.availability.freeSlots({
      missionLocaleId: reimsId,
      from: new Date('2027-05-10T00:00:00Z'),
      to: new Date('2027-05-25T00:00:00Z'),
      now: new Date('2027-05-10T11:30:00Z'),
    })
    const mondays = days.filter((d) => ['2027-05-10', '2027-05-17', '2027-05-24'].includes(d.day)).map((d) => d.day)
    // 10 May 14:00 is 30 min after now: inside the 2 h notice. 17 May is a holiday.
    expect(mondays).toEqual(['2027-05-24'])
  })
})

describe('booking', () => {
  const now = new Date('2027-01-04T08:00:00Z')

  it('50 simultaneous bookings of one slot: exactly one succeeds and 49 get SlotTaken, 20 times', { timeout: 240_000 }, async () => {
    await aRule(3, '08:00', '20:00', 30) // Wednesdays: 24 slots
    const pool = await aContainer(t.config, 50)
    try {
      const [day] = await pool.services.availability.freeSlots({
        missionLocaleId: reimsId,
        from: new Date('2027-01-06T00:00:00Z'),
        to: new Date('2027-01-07T00:00:00Z'),
        now,
      })
      const slots = day!.slots.filter((x) => x.siteId)
      expect(slots.length).toBeGreaterThanOrEqual(20)
      for (let round = 0; round < 20; round++) {
        const slot = slots[round]!
        const students = await Promise.all(Array.from({ length: 50 }, () => aStudent(t.database, urcaId)))
        const links = await pool.services.links.createMany(students.map((st) => ({ studentId: st.id, expiresAt: FAR })))
        const results = await Promise.allSettled(
          links.map((l, i) =>
            pool.services.bookings.book(
              ctx,
              { linkId: l.linkId, slotKey: slot.slotKey, identity: identity(), idempotencyKey: `round${round}-${i}` },
              now,
            ),
          ),
        )
        const ok = results.filter((r) => r.status === 'fulfilled')
        const taken = results.filter((r) => r.status === 'rejected' && (r.reason as { code?: string }).code === 'APP_SLOT_TAKEN')
        const others = results
          .filter((r) => r.status === 'rejected' && !taken.includes(r))
          .map((r) => String((r as PromiseRejectedResult).reason))
        expect([ok.length, taken.length, [...new Set(others)]]).toEqual([1, 49, []])
        expect((taken[0] as PromiseRejectedResult).reason.message).toMatch(/Ce créneau vient d’être pris/)
      }
      const [overlaps] = await t.database.sql<{ n: number }[]>`
        SELECT count(*)::int AS n FROM appointments a JOIN appointments b
          ON a.id < b.id AND a.counsellor_id = b.counsellor_id AND a.during && b.during
        WHERE a.status = 'booked' AND b.status = 'booked'`
      expect(overlaps?.n).toBe(0)
    } finally {
      await pool.close()
    }
  })

  it('a repeated submission returns the same booking and manage code; cancel frees the slot at once', async () => {
    await aRule(4, '10:00', '11:00', 60) // Thursdays
    const { link } = await aLink()
    const [day] = await s.availability.freeSlots({
      missionLocaleId: reimsId,
      from: new Date('2027-01-07T00:00:00Z'),
      to: new Date('2027-01-08T00:00:00Z'),
      now,
    })
    const slot = day!.slots[0]!
    const input = { linkId: link.linkId, slotKey: slot.slotKey, identity: identity(), idempotencyKey: 'same-key-123' }
    const first = await s.bookings.book(ctx, input, now)
    const again = await s.bookings.book(ctx, input, now)
    expect(again.appointment.id).toBe(first.appointment.id)
    expect(again.manageCode).toBe(first.manageCode)
    expect([first.replayed, again.replayed]).toEqual([false, true])
    expect(first.manageUrl).toBe(`${t.config.PUBLIC_URL}/r/gerer/${first.manageCode}`)
    expect((await s.bookings.forLink(link.linkId))?.appointment.id).toBe(first.appointment.id)

    const other = await aLink()
    await expect(
      s.bookings.book(
        ctx,
        { linkId: other.link.linkId, slotKey: slot.slotKey, identity: identity(), idempotencyKey: 'other-key-123' },
        now,
      ),
    ).rejects.toMatchObject({ code: 'APP_SLOT_TAKEN' })
    const busy = await s.availability.freeSlots({ missionLocaleId: reimsId, from: slot.startsAt, to: slot.endsAt, now })
    expect(busy.flatMap((d) => d.slots).map((x) => x.slotKey)).not.toContain(slot.slotKey)

    const cancelled = await s.bookings.cancel(ctx, first.manageCode, now)
    expect(cancelled.status).toBe('cancelled')
    const free = await s.availability.freeSlots({ missionLocaleId: reimsId, from: slot.startsAt, to: slot.endsAt, now })
    expect(free.flatMap((d) => d.slots).map((x) => x.slotKey)).toContain(slot.slotKey)
    const second = await s.bookings.book(
      ctx,
      { linkId: other.link.linkId, slotKey: slot.slotKey, identity: identity(), idempotencyKey: 'other-key-456' },
      now,
    )
    expect(second.appointment.status).toBe('booked')

    // Too late to change: 3 h before.
    await expect(s.bookings.cancel(ctx, second.manageCode, new Date(slot.startsAt.getTime() - 3 * 3600_000))).rejects.toMatchObject({
      code: 'APP_TOO_LATE_TO_CHANGE',
    })
    const audit = await t.database.db.select().from(auditLog).where(eq(auditLog.action, 'student.book'))
    expect(audit.some((a) => a.actorKind === 'student_link' && a.actorLinkId === link.linkId)).toBe(true)
    expect(JSON.stringify(audit)).not.toContain(first.manageCode)
  })

  it('ages outside 16–29 are refused with an alternative; 16–17 is flagged', async () => {
    await aRule(5, '10:00', '12:00', 60) // Fridays
    const [day] = await s.availability.freeSlots({
      missionLocaleId: reimsId,
      from: new Date('2027-01-08T00:00:00Z'),
      to: new Date('2027-01-09T00:00:00Z'),
      now,
    })
    const { link } = await aLink()
    const base = { linkId: link.linkId, slotKey: day!.slots[0]!.slotKey }
    await expect(
      s.bookings.book(ctx, { ...base, identity: identity({ birthDate: '1990-01-01' }), idempotencyKey: 'age-old-1' }, now),
    ).rejects.toMatchObject({
      code: 'APP_AGE_TOO_OLD',
      message: expect.stringMatching(/France Travail/),
    })
    await expect(
      s.bookings.book(ctx, { ...base, identity: identity({ birthDate: '2012-01-01' }), idempotencyKey: 'age-young-1' }, now),
    ).rejects.toMatchObject({
      code: 'APP_AGE_TOO_YOUNG',
    })
    const minor = await s.bookings.book(
      ctx,
      { ...base, identity: identity({ birthDate: '2010-02-01' }), idempotencyKey: 'age-minor-1' },
      now,
    )
    expect(minor.appointment.minor).toBe(true)
  })

  it('staff of another Mission Locale get 404 on the appointment and its identity; reads are audited', async () => {
    const [appt] = await t.database.sql<{ id: string }[]>`SELECT id FROM appointments WHERE status = 'booked' LIMIT 1`
    const ep = await userId(t.database, 'conseil.epernay@demo.repere.test')
    const epernay = { userId: ep.id, organisationId: ep.organisationId, role: 'counsellor' as const }
    await expect(s.bookings.identity({ ...ctx, actor: epernay }, appt!.id)).rejects.toMatchObject({ statusCode: 404 })
    await expect(s.bookings.get(epernay, appt!.id)).rejects.toMatchObject({ statusCode: 404 })
    await expect(s.availability.rules(epernay, reimsId)).rejects.toMatchObject({ statusCode: 404 })
    const reims = { userId: counsellor.id, organisationId: counsellor.organisationId, role: 'counsellor' as const }
    const who = await s.bookings.identity({ ...ctx, actor: reims }, appt!.id)
    expect(who.lastName).toBe('Martin')
    const reads = await t.database.db.select().from(auditLog).where(eq(auditLog.action, 'appointment.identity_read'))
    expect(reads.map((r) => r.entityId)).toContain(appt!.id)
  })
})

describe('objection and callbacks', () => {
  it('after "ce n’est pas pour moi" the student is suppressed and their other links say so', async () => {
    const { student, link } = await aLink()
    const other = await s.links.create({ studentId: student.id })
    expect((await s.links.resolve(other.code)).status).toBe('ok')
    await s.suppressions.object(ctx, { linkId: link.linkId })
    await s.suppressions.object(ctx, { linkId: link.linkId }) // idempotent
    expect(await s.suppressions.isSuppressed({ universityId: urcaId, pseudoId: student.pseudoId })).toBe(true)
    expect((await s.links.resolve(other.code)).status).toBe('objected')
    expect((await s.links.resolve(link.code)).status).toBe('objected')
    const later = await s.links.create({ studentId: student.id })
    expect((await s.links.resolve(later.code)).status).toBe('objected')
    await expect(
      s.callbacks.request(ctx, { linkId: later.linkId, phone: '0612345678', moments: ['matin'], consentToShare: true }),
    ).rejects.toMatchObject({
      code: 'APP_LINK_UNUSABLE',
    })
    const rows = await t.database.sql`SELECT value_hash FROM suppressions`
    expect(JSON.stringify(rows)).not.toContain(student.pseudoId)
  })

  it('the e-mail and phone the student gave are suppressed too', async () => {
    const { link } = await aLink()
    await s.callbacks.request(ctx, { linkId: link.linkId, phone: '+33 6 98 76 54 32', moments: ['soir'], consentToShare: true })
    await s.suppressions.object(ctx, { linkId: link.linkId })
    expect(await s.suppressions.isSuppressed({ phone: '06 98 76 54 32' })).toBe(true)
    expect(await s.suppressions.isSuppressed({ phone: '06 00 00 00 01' })).toBe(false)
  })

  it('a callback on a Friday is due on Tuesday 18:00; a second request keeps one case', async () => {
    const { link } = await aLink()
    const friday = new Date('2027-01-08T15:00:00Z')
    const first = await s.callbacks.request(
      ctx,
      { linkId: link.linkId, phone: '0612345678', moments: ['matin', 'soir'], consentToShare: true },
      friday,
    )
    expect(first.dueAt.toISOString()).toBe('2027-01-12T17:00:00.000Z')
    const again = await s.callbacks.request(
      ctx,
      { linkId: link.linkId, phone: '0612345678', moments: ['matin'], consentToShare: true },
      friday,
    )
    expect(again.caseId).toBe(first.caseId)
  })

  it('an unknown or malformed code resolves as unknown; an expired one as expired', async () => {
    expect((await s.links.resolve('nope')).status).toBe('unknown')
    expect((await s.links.resolve('AAAAAAAAAAAAAAAAAAAAAA')).status).toBe('unknown')
    const { student } = await aLink()
    const old = await s.links.create({ studentId: student.id, expiresAt: new Date(Date.now() - 1000) })
    const r = await s.links.resolve(old.code)
    expect(r.status).toBe('expired')
    expect(r.missionLocale?.id).toBe(reimsId)
  })
})
