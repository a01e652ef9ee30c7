/**
 * The confirmation of a booking: recorded in the outbox with the booking, sent by the
 * `appointment.confirm` job through a real SMTP server, with an .ics that a real iCalendar parser
 * (ical.js) reads at the right time and zone. And the reminders: e-mail + SMS, once, never after
 * a cancellation.
 */
import type { ParsedMail } from 'mailparser'
import ICAL from 'ical.js'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createSmtpMailer } from '../../server/lib/mailer.ts'
import { devSmsSink } from '../../server/lib/sms.ts'
import { connectRedis, createRedis } from '../../server/lib/redis.ts'
import { parisTime } from '../../server/lib/paris-time.ts'
import { createContainer, type Container } from '../../server/container.ts'
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
const sms = devSmsSink()

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
    sms,
    log: t.app.log,
  })
  workers = startWorkers({ config: t.config, services, log: t.app.log })
})
afterAll(async () => {
  await workers?.close()
  redis?.disconnect()
  await t?.close()
  await smtp.close()
})

async function bookOne(key: string) {
  const reimsId = t.orgIds.get('ml-reims') as string
  const counsellor = await userId(t.database, 'conseil.reims@demo.repere.test')
  const admin = await userId(t.database, 'admin@demo.repere.test')
  const actor = { userId: admin.id, organisationId: admin.organisationId, role: 'admin' as const }
  const agency = (await services.routing.places(reimsId)).find((p) => p.kind === 'agency')!
  if ((await services.availability.rules(actor, reimsId)).length === 0) {
    for (let weekday = 1; weekday <= 7; weekday++) {
      await services.availability.addRule({ actor }, reimsId, {
        counsellorId: counsellor.id,
        siteId: agency.id,
        modality: 'in_person',
        weekday,
        startTime: '09:00',
        endTime: '17:00',
        slotMinutes: 45,
      })
    }
  }
  const days = await services.availability.freeSlots({ missionLocaleId: reimsId, from: new Date(Date.now() + 3 * 86_400_000) })
  const slot = days[0]!.slots[0]!
  const student = await aStudent(t.database, t.orgIds.get('urca') as string)
  const link = await services.links.create({ studentId: student.id })
  const booked = await services.bookings.book({}, { linkId: link.linkId, slotKey: slot.slotKey, identity: identity(), idempotencyKey: key })
  return { slot, booked }
}

describe('appointment e-mails', () => {
  it('the confirmation arrives by SMTP with an .ics read by ical.js at the right time in Europe/Paris', async () => {
    const { slot, booked } = await bookOne('email-test-1')
    await expect.poll(() => received.length, { timeout: 15_000 }).toBe(1)
    const mail = received[0]!
    expect((mail.to as { text: string }).text).toBe('lina.martin@example.test')
    expect(mail.subject).toMatch(/^Votre rendez-vous avec Mission Locale de Reims le .* à \d{2} h \d{2}$/)
    expect(mail.text).toContain(`/r/gerer/${booked.manageCode}`)
    expect(mail.html).toContain('Annuler ou déplacer le rendez-vous')
    const attachment = mail.attachments.find((a) => a.filename === 'rendez-vous.ics')!
    expect(attachment.contentType).toBe('text/calendar')
    const calendar = new ICAL.Component(ICAL.parse(attachment.content.toString('utf8')))
    // The zone comes from the file's own VTIMEZONE block, as a calendar application reads it.
    ICAL.TimezoneService.register(calendar.getFirstSubcomponent('vtimezone')!)
    const vevent = calendar.getFirstSubcomponent('vevent')!
    expect(vevent.getFirstProperty('dtstart')!.getParameter('tzid')).toBe('Europe/Paris')
    const event = new ICAL.Event(vevent)
    expect(event.uid).toBe(`${booked.appointment.id}@repere`)
    expect(event.startDate.zone?.tzid).toBe('Europe/Paris')
    expect(event.startDate.toJSDate().toISOString()).toBe(slot.startsAt.toISOString())
    expect(event.endDate.toJSDate().toISOString()).toBe(slot.endsAt.toISOString())
    expect(`${String(event.startDate.hour).padStart(2, '0')}:${String(event.startDate.minute).padStart(2, '0')}`).toBe(
      parisTime(slot.startsAt),
    )
    expect(event.location).toContain('15 rue Voltaire')
    expect(event.organizer).toMatch(/^mailto:/)
    // A retried job finds the claim taken and sends nothing more.
    expect(await services.appointmentNotifications.sendConfirmation(booked.appointment.id)).toBe('skipped')
  })

  it('a reminder goes by e-mail and SMS once; a cancelled appointment gets none', async () => {
    const { booked } = await bookOne('email-test-2')
    await expect.poll(() => received.length, { timeout: 15_000 }).toBe(2)
    expect(await services.appointmentNotifications.sendReminder(booked.appointment.id, '2h')).toBe('done')
    expect(await services.appointmentNotifications.sendReminder(booked.appointment.id, '2h')).toBe('skipped')
    await expect.poll(() => received.length, { timeout: 15_000 }).toBe(3)
    expect(received[2]!.subject).toMatch(/^Rappel : votre rendez-vous avec Mission Locale de Reims dans deux heures$/)
    expect(sms.sent.at(-1)?.text).toMatch(/^Rappel : rendez-vous Mission Locale de Reims le /)
    await services.bookings.cancel({}, booked.manageCode)
    expect(await services.appointmentNotifications.sendReminder(booked.appointment.id, '48h')).toBe('skipped')
    // The 48 h reminder waits in the outbox until it is due, not in Redis.
    const [row] = await t.database.sql<{ available_at: Date }[]>`
      SELECT available_at FROM outbox WHERE job_name = 'appointment.remind' AND payload->>'appointmentId' = ${booked.appointment.id} AND payload->>'step' = '48h'`
    expect(Math.abs(new Date(row!.available_at).getTime() - (booked.appointment.startsAt.getTime() - 48 * 3600_000))).toBeLessThan(5_000)
  })
})
