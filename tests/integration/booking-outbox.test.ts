/**
 * A booking's confirmation is never lost, never sent twice: Redis breaks between the booking's
 * commit and the enqueue of `appointment.confirm`. The student still gets their booking (the
 * appointment, its case and its follow-up jobs commit together); once Redis answers again the
 * reconciler's flush enqueues the confirmation, and the e-mail is sent exactly once — even when
 * the same outbox rows are enqueued again, or BullMQ forgot the first job.
 *
 * "Redis breaks" as in outbox.test.ts: the app produces jobs through an ioredis client that was
 * connected, then disconnected; the worker's own connections stay up.
 */
import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Redis } from 'ioredis'
import { createContainer, type Container } from '../../server/container.ts'
import { createQueues, type Queues } from '../../server/lib/queue.ts'
import { connectRedis, createRedis } from '../../server/lib/redis.ts'
import { JOBS } from '../../server/jobs/catalogue.ts'
import { startWorkers, type Workers } from '../../workers/worker.ts'
import { startTestApp, type TestApp } from '../helpers/app.ts'
import { TEST_REDIS_URL } from '../helpers/env.ts'
import { aLink, form, formTokens, hrefs, openEveryDay, unescapeHtml } from '../helpers/journey.ts'

let t: TestApp
let brokenRedis: Redis
let goodRedis: Redis
let good: { queues: Queues; services: Container }
let workers: Workers
let site: { id: string }

const prefix = `test-booking-outbox-${randomUUID().slice(0, 8)}`
const EMAIL = 'noa.bernard@example.test'

beforeAll(async () => {
  brokenRedis = await connectRedis(createRedis(TEST_REDIS_URL, 'producer'))
  const brokenQueues = createQueues(brokenRedis, prefix)
  for (const q of brokenQueues.all()) {
    q.on('error', () => {})
  }
  brokenRedis.disconnect()

  t = await startTestApp({ REDIS_PREFIX: prefix, PUBLIC_RATE_LIMIT_PER_MINUTE: '1000000' }, { queues: brokenQueues })
  site = (await openEveryDay(t, 'reims')).site

  goodRedis = await connectRedis(createRedis(TEST_REDIS_URL, 'producer'))
  const queues = createQueues(goodRedis, prefix)
  good = {
    queues,
    services: createContainer({ config: t.config, database: t.database, redis: goodRedis, queues, mailer: t.mailer, log: t.app.log }),
  }
  // The worker sends with the app's services (the memory mailer the test reads).
  workers = startWorkers({ config: t.config, services: t.app.services, log: t.app.log, schedules: false })
})
afterAll(async () => {
  await workers?.close()
  await good?.queues.close()
  goodRedis?.disconnect()
  await t?.close()
})

const sql = () => t.database.sql
const confirmations = () => t.mailer.sent.filter((m) => m.to === EMAIL && m.attachments?.some((a) => a.filename.endsWith('.ics'))).length
const settle = () => new Promise((r) => setTimeout(r, 1_500))

/** Books the first slot two weeks ahead through the student's form (both reminders then wait in the outbox). */
async function bookThroughTheForm(): Promise<string> {
  const link = await aLink(t)
  const list = await t.app.inject({ method: 'GET', url: `${link.path}/rendez-vous/creneaux?lieu=${site.id}&mode=in_person&semaine=2` })
  expect(list.statusCode).toBe(200)
  const [formHref] = hrefs(list.body, /\/rendez-vous\/formulaire\?creneau=/)
  const page = await t.app.inject({ method: 'GET', url: formHref as string })
  expect(page.statusCode, page.body).toBe(200)
  const { token, cookie } = formTokens(page)
  const hidden = Object.fromEntries(
    [...page.body.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)].map((m) => [
      m[1] as string,
      unescapeHtml(m[2] as string),
    ]),
  )
  const res = await t.app.inject({
    method: 'POST',
    url: `${link.path}/rendez-vous`,
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie },
    payload: form({ ...hidden, _csrf: token, prenom: 'Noa', nom: 'Bernard', email: EMAIL, naissance: '2004-03-09', accord: 'oui' }),
  })
  // Committed, follow-ups included: Redis failing afterwards is not the student's problem.
  expect(res.statusCode, res.body).toBe(303)
  expect(res.headers.location).toMatch(/^\/r\/gerer\//)
  const [row] = await sql()<{ id: string }[]>`SELECT id FROM appointments WHERE link_id = ${link.linkId}`
  return row!.id
}

const outboxRows = (appointmentId: string) =>
  sql()<{ job_name: string; job_id: string; enqueued_at: Date | null; attempts: number; last_error: string | null; due: boolean }[]>`
    SELECT job_name, job_id, enqueued_at, attempts, last_error, available_at <= now() AS due FROM outbox
    WHERE payload->>'appointmentId' = ${appointmentId} ORDER BY id`

describe('booking: Redis fails between the commit and the confirmation job', () => {
  let appointmentId: string

  it('the booking commits with its jobs in the outbox; nothing is sent while Redis is down', async () => {
    appointmentId = await bookThroughTheForm()
    const confirmJobId = JOBS['appointment.confirm'].jobId({ appointmentId })
    const rows = await outboxRows(appointmentId)
    expect(rows.map((r) => [r.job_name, r.due])).toEqual([
      ['appointment.confirm', true],
      ['appointment.remind', false],
      ['appointment.remind', false],
    ])
    // The enqueue right after the commit was tried and failed; the row waits for the reconciler.
    expect(rows[0]).toMatchObject({ job_id: confirmJobId, enqueued_at: null, attempts: 1 })
    expect(rows[0]?.last_error).toBeTruthy()
    expect(await good.queues.get('notifications').getJobState(confirmJobId)).toBe('unknown')
    await settle()
    expect(confirmations()).toBe(0)
    const [a] = await sql()<{ status: string; confirmation_sent_at: Date | null }[]>`
      SELECT status, confirmation_sent_at FROM appointments WHERE id = ${appointmentId}`
    expect(a).toEqual({ status: 'booked', confirmation_sent_at: null })
  })

  it('Redis is back: the reconciler enqueues the confirmation once, and the e-mail is sent exactly once', async () => {
    // The reminders are not due yet: only the confirmation goes.
    expect(await good.services.outbox.flush()).toEqual({ enqueued: 1, failed: 0 })
    expect(await good.services.outbox.flush()).toEqual({ enqueued: 0, failed: 0 })
    await expect.poll(confirmations, { timeout: 10_000 }).toBe(1)
    await settle()
    expect(confirmations()).toBe(1)
    const [a] = await sql()<
      { sent: boolean }[]
    >`SELECT confirmation_sent_at IS NOT NULL AS sent FROM appointments WHERE id = ${appointmentId}`
    expect(a?.sent).toBe(true)
    const rows = await outboxRows(appointmentId)
    expect(rows.map((r) => r.enqueued_at !== null)).toEqual([true, false, false])
  })

  it('the same row enqueued again, even after BullMQ forgot the first job, sends nothing more', async () => {
    // As if a flush had enqueued it and died before recording it: the job id is the same.
    await sql()`UPDATE outbox SET enqueued_at = NULL WHERE job_name = 'appointment.confirm' AND payload->>'appointmentId' = ${appointmentId}`
    expect(await good.services.outbox.flush()).toEqual({ enqueued: 1, failed: 0 })
    await settle()
    expect(confirmations()).toBe(1)

    // BullMQ forgot it: a second job runs, finds the confirmation claimed, and skips.
    await good.queues.get('notifications').obliterate({ force: true })
    await sql()`UPDATE outbox SET enqueued_at = NULL WHERE job_name = 'appointment.confirm' AND payload->>'appointmentId' = ${appointmentId}`
    expect(await good.services.outbox.flush()).toEqual({ enqueued: 1, failed: 0 })
    await expect.poll(async () => (await good.queues.get('notifications').getJobCounts('completed')).completed, { timeout: 10_000 }).toBe(1)
    const [job] = await good.queues.get('notifications').getJobs(['completed'])
    expect(job?.returnvalue).toBe('skipped')
    expect(confirmations()).toBe(1)
  })
})
