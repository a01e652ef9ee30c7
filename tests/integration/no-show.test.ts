/**
 * A no-show (issue #11): marking it opens a follow-up in the case and queues, through the outbox,
 * one « on reprend rendez-vous ? » e-mail with a new personal link, sent by the real worker through
 * a real SMTP server. Marking it again, or running the job again, sends nothing more; a student
 * whose reminders a counsellor paused gets nothing; a student without e-mail gets nothing.
 */
import type { ParsedMail } from 'mailparser'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createSmtpMailer } from '../../server/lib/mailer.ts'
import { devSmsSink } from '../../server/lib/sms.ts'
import { connectRedis, createRedis } from '../../server/lib/redis.ts'
import { createContainer, type Container } from '../../server/container.ts'
import type { Principal } from '../../server/services/access.ts'
import { startWorkers, type Workers } from '../../workers/worker.ts'
import { startSmtpSink, type SmtpSink } from '../helpers/smtp.ts'
import { startTestApp, type TestApp } from '../helpers/app.ts'
import { aStudent, identity, userId } from '../fixtures/journey.ts'

let smtp: SmtpSink
const received: ParsedMail[] = []
let t: TestApp
let workers: Workers
let redis: ReturnType<typeof createRedis>
let services: Container
let counsellor: Principal
let reimsId: string

beforeAll(async () => {
  smtp = await startSmtpSink(received)
  const port = smtp.port
  t = await startTestApp({ SMTP_PORT: String(port) })
  redis = await connectRedis(createRedis(t.config.REDIS_URL, 'producer'))
  services = createContainer({
    config: t.config,
    database: t.database,
    redis,
    queues: t.app.services.queues,
    mailer: createSmtpMailer(t.config),
    sms: devSmsSink(),
    log: t.app.log,
  })
  workers = startWorkers({ config: t.config, services, log: t.app.log })
  reimsId = t.orgIds.get('ml-reims') as string
  const u = await userId(t.database, 'conseil.reims@demo.repere.test')
  counsellor = { userId: u.id, organisationId: u.organisationId, role: 'counsellor' }
  const admin = await userId(t.database, 'admin@demo.repere.test')
  const agency = (await services.routing.places(reimsId)).find((p) => p.kind === 'agency')!
  for (let weekday = 1; weekday <= 7; weekday++) {
    await services.availability.addRule({ actor: { userId: admin.id, organisationId: admin.organisationId, role: 'admin' } }, reimsId, {
      counsellorId: u.id,
      siteId: agency.id,
      modality: 'in_person',
      weekday,
      startTime: '09:00',
      endTime: '17:00',
      slotMinutes: 45,
    })
  }
})
afterAll(async () => {
  await workers?.close()
  redis?.disconnect()
  await t?.close()
  await smtp.close()
})

async function bookOne(key: string, over: Record<string, unknown> = {}) {
  const days = await services.availability.freeSlots({ missionLocaleId: reimsId, from: new Date(Date.now() + 3 * 86_400_000) })
  const slot = days.flatMap((d) => d.slots).find((s) => s.startsAt.getTime() > Date.now())!
  const student = await aStudent(t.database, t.orgIds.get('urca') as string)
  const link = await services.links.create({ studentId: student.id })
  const booked = await services.bookings.book(
    {},
    { linkId: link.linkId, slotKey: slot.slotKey, identity: identity(over), idempotencyKey: key },
  )
  const [row] = await t.database.sql<{ case_id: string }[]>`SELECT case_id FROM appointments WHERE id = ${booked.appointment.id}`
  return { booked, caseId: row!.case_id, startsAt: booked.appointment.startsAt, studentId: student.id }
}

const noShowMails = () => received.filter((m) => m.subject?.startsWith('On reprend rendez-vous ?'))
const ctx = () => ({ actor: counsellor, requestId: 'test' })

describe('no-show', () => {
  it('opens a follow-up and sends « on reprend rendez-vous ? » once, with a new personal link', async () => {
    const { booked, caseId, startsAt, studentId } = await bookOne('noshow-1')
    const after = new Date(startsAt.getTime() + 30 * 60_000)
    await expect(
      services.cases.markAttendance(ctx(), booked.appointment.id, 'no_show', new Date(startsAt.getTime() - 60_000)),
    ).rejects.toMatchObject({
      statusCode: 400,
    })
    await services.cases.markAttendance(ctx(), booked.appointment.id, 'no_show', after)
    await expect.poll(() => noShowMails().length, { timeout: 15_000 }).toBe(1)
    const mail = noShowMails()[0]!
    expect((mail.to as { text: string }).text).toBe('lina.martin@example.test')
    const code = new RegExp(`${t.config.PUBLIC_URL.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/r/([A-Za-z0-9_-]+)`).exec(mail.text ?? '')?.[1]
    expect(code).toBeTruthy()
    const resolved = await services.links.resolve(code!)
    expect(resolved.status).toBe('ok')
    expect(resolved.link?.studentId).toBe(studentId)

    // Marked again, the job run again: nothing more.
    await services.cases.markAttendance(ctx(), booked.appointment.id, 'no_show', after)
    expect(await services.appointmentNotifications.sendNoShowFollowUp(booked.appointment.id)).toBe('skipped')
    const jobs = await t.database
      .sql`SELECT count(*)::int AS n FROM outbox WHERE job_name = 'appointment.no_show_follow_up' AND payload->>'appointmentId' = ${booked.appointment.id}`
    expect(jobs[0]!.n).toBe(1)
    await new Promise((r) => setTimeout(r, 1500))
    expect(noShowMails()).toHaveLength(1)

    const page = await services.cases.get(ctx(), caseId, after)
    expect(page.history.map((h) => h.kind)).toEqual(['opened', 'appointment', 'follow_up', 'appointment'])
    expect(page.dueAt).not.toBeNull()
    const inbox = await services.cases.inbox(ctx(), { list: 'a_traiter' }, after)
    const all = [
      ...inbox.rows,
      ...(await services.cases.inbox(ctx(), { list: 'prioritaire' }, after)).rows,
      ...(await services.cases.inbox(ctx(), { list: 'en_cours' }, after)).rows,
    ]
    expect(all.map((r) => r.id)).toContain(caseId)
  })

  it('sends nothing when the reminders are paused or the student gave no e-mail; « held » ends what was due', async () => {
    const paused = await bookOne('noshow-2')
    await services.cases.setRemindersPaused(ctx(), paused.caseId, true)
    await services.cases.markAttendance(ctx(), paused.booked.appointment.id, 'no_show', new Date(paused.startsAt.getTime() + 60_000))
    const phoneOnly = await bookOne('noshow-3', { email: null })
    await services.cases.markAttendance(ctx(), phoneOnly.booked.appointment.id, 'no_show', new Date(phoneOnly.startsAt.getTime() + 60_000))
    // The phone-only job ran (its claim is taken) and sent nothing; the paused one is skipped before any claim.
    await expect
      .poll(
        async () => {
          const [r] = await t.database.sql`SELECT no_show_follow_up_sent_at FROM appointments WHERE id = ${phoneOnly.booked.appointment.id}`
          return r!.no_show_follow_up_sent_at !== null
        },
        { timeout: 15_000 },
      )
      .toBe(true)
    expect(await services.appointmentNotifications.sendNoShowFollowUp(paused.booked.appointment.id)).toBe('skipped')
    await new Promise((r) => setTimeout(r, 1000))
    expect(noShowMails()).toHaveLength(1)

    const held = await bookOne('noshow-4')
    await services.cases.markAttendance(ctx(), held.booked.appointment.id, 'held', new Date(held.startsAt.getTime() + 60_000))
    const c = await services.cases.get(ctx(), held.caseId)
    expect(c.dueAt).toBeNull()
    expect(c.appointments[0]?.status).toBe('held')
  })
})
