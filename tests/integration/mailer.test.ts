/**
 * E-mails go through a real SMTP server (smtp-server, started here) and are read back with
 * mailparser: the notification a member of staff gets when an import finishes.
 */
import type { ParsedMail } from 'mailparser'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createSmtpMailer } from '../../server/lib/mailer.ts'
import { createEmailRenderer, EMAIL_NAMES, EMAILS_DIR } from '../../server/lib/email-templates.ts'
import { readFileSync } from 'node:fs'
import path from 'node:path'
import { startWorkers, type Workers } from '../../workers/worker.ts'
import { startSmtpSink, type SmtpSink } from '../helpers/smtp.ts'
import { apiToken, startTestApp, type TestApp } from '../helpers/app.ts'
import { csvFile, pseudo, upload, waitForImport } from '../helpers/imports.ts'
import { connectRedis, createRedis } from '../../server/lib/redis.ts'
import { createContainer } from '../../server/container.ts'

let smtp: SmtpSink
let port: number
const received: ParsedMail[] = []

beforeAll(async () => {
  smtp = await startSmtpSink(received)
  port = smtp.port
})
afterAll(async () => {
  await smtp.close()
})

describe('e-mail', () => {
  it('renders every template from its preview data, in French, html and text', () => {
    const renderer = createEmailRenderer()
    for (const name of EMAIL_NAMES) {
      const data = JSON.parse(readFileSync(path.join(EMAILS_DIR, name, 'preview.json'), 'utf8')) as never
      const mail = renderer.render(name, data)
      expect(mail.subject.length).toBeGreaterThan(5)
      expect(mail.html).toContain('<html lang="fr">')
      expect(mail.text).not.toContain('<')
    }
    // strict mode: a missing variable is an error, never a hole in a message.
    expect(() => renderer.render('import-finished', {} as never)).toThrow()
  })

  it('tells the uploader, through a real SMTP server, that their import finished', async () => {
    let t: TestApp | undefined
    let workers: Workers | undefined
    let redis: ReturnType<typeof createRedis> | undefined
    try {
      t = await startTestApp({ SMTP_PORT: String(port) })
      // The worker side sends with the real SMTP mailer.
      const mailer = createSmtpMailer(t.config)
      redis = await connectRedis(createRedis(t.config.REDIS_URL, 'producer'))
      const services = createContainer({
        config: t.config,
        database: t.database,
        redis,
        queues: t.app.services.queues,
        mailer,
        log: t.app.log,
      })
      workers = startWorkers({ config: t.config, services, log: t.app.log })
      const token = await apiToken(t.app, 'universite@demo.repere.test')
      const res = await upload(
        t.app,
        token,
        'activite_ent',
        csvFile([
          ['id_pseudo', 'semaine', 'connexions'],
          [pseudo(1), '02/11/2026', '3'],
          [pseudo(2), '02/11/2026', '5'],
        ]),
        'ent-novembre.csv',
      )
      expect(res.statusCode, res.body).toBe(202)
      await waitForImport(t.app, token, res.json().id)
      await expect.poll(() => received.length, { timeout: 10_000 }).toBe(1)
      const mail = received[0] as ParsedMail
      expect((mail.to as { text: string }).text).toBe('universite@demo.repere.test')
      expect(mail.subject).toMatch(/^Import « Activité .* » terminé : 2 lignes chargées$/)
      expect(mail.text).toContain('ent-novembre.csv')
      expect(mail.text).toContain(`/imports/${res.json().id}`)
      expect(mail.html).toContain('Voir l’import')
      await mailer.close()
    } finally {
      await workers?.close()
      redis?.disconnect()
      await t?.close()
    }
  })
})
