/**
 * Outgoing mail. Production and `npm start` send through SMTP (the local mail catcher in the
 * demo); unit tests may use the memory mailer. Integration tests use a real SMTP server.
 */
import nodemailer from 'nodemailer'
import type { Config } from '../config.ts'

export type MailAttachment = { filename: string; content: string; contentType: string }
export type MailMessage = {
  to: string
  subject: string
  html: string
  text: string
  headers?: Record<string, string>
  /** A fixed Message-ID (`<id@domain>`), so a re-sent message carries the same one; otherwise one is made. */
  messageId?: string
  attachments?: MailAttachment[]
}
export type Mailer = { send(msg: MailMessage): Promise<{ messageId: string }>; close(): Promise<void> }

/**
 * `pool`: keep up to `maxConnections` SMTP connections open and reuse them (the worker, which sends
 * campaigns: one connection per message would cost a handshake, and the server's checks, each
 * time). The pool must be closed (`close`) for the process to exit.
 */
export function createSmtpMailer(config: Config, opts: { pool?: boolean } = {}): Mailer {
  const transport = nodemailer.createTransport({
    ...(opts.pool ? { pool: true, maxConnections: Math.max(2, config.WORKER_CONCURRENCY) } : {}),
    host: config.SMTP_HOST,
    port: config.SMTP_PORT,
    secure: config.SMTP_SECURE,
    ...(config.isSmtpAuth ? { auth: { user: config.SMTP_USER, pass: config.SMTP_PASSWORD } } : {}),
  })
  return {
    async send(msg) {
      const info = await transport.sendMail({ from: config.MAIL_FROM, ...msg })
      return { messageId: info.messageId }
    },
    close() {
      transport.close()
      return Promise.resolve()
    },
  }
}

/** Keeps messages in memory, for unit tests and for inspecting what would have been sent. */
export function memoryMailer(): Mailer & { sent: MailMessage[] } {
  const sent: MailMessage[] = []
  return {
    sent,
    send(msg) {
      sent.push(msg)
      return Promise.resolve({ messageId: msg.messageId ?? `<memory-${sent.length}@repere.localhost>` })
    },
    close: () => Promise.resolve(),
  }
}
