/**
 * E-mail templates: `templates/emails/<name>/{subject,html,text}.hbs`, the HTML part wrapped in
 * `layouts/base.hbs`. Compiled once at start with `strict: true`, so a missing variable throws
 * instead of sending a message with a hole in it. Variables are HTML-escaped in the HTML part.
 */
import { readFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import Handlebars from 'handlebars'

export const EMAILS_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'templates', 'emails')

/** Each template and the data it needs. */
export type EmailTemplates = {
  'import-finished': {
    firstName: string
    succeeded: boolean
    kindLabel: string
    fileName: string
    rowsRead: string
    rowsLoaded: string
    rowsInvalid: string
    reason: string
    url: string
  }
  'appointment-confirmed': AppointmentEmail
  'appointment-reminder': AppointmentEmail & { when: string }
  /** After a no-show: « on reprend rendez-vous ? » with a new personal link. */
  'appointment-no-show': { firstName: string; missionLocaleName: string; date: string; time: string; url: string; contactPhone: string }
}
/** The confirmation and the reminders of a student's appointment. */
export type AppointmentEmail = {
  firstName: string
  missionLocaleName: string
  date: string
  time: string
  modalityLabel: string
  where: string
  manageUrl: string
  contactPhone: string
  minor: boolean
}
export type EmailName = keyof EmailTemplates
export const EMAIL_NAMES: EmailName[] = ['import-finished', 'appointment-confirmed', 'appointment-reminder', 'appointment-no-show']

export type RenderedEmail = { subject: string; html: string; text: string }

export function createEmailRenderer(dir = EMAILS_DIR) {
  const read = (...p: string[]) => readFileSync(path.join(dir, ...p), 'utf8')
  const html = Handlebars.create()
  html.registerPartial('footer', read('partials', 'footer.hbs'))
  const text = Handlebars.create()
  const layout = html.compile(read('layouts', 'base.hbs'), { strict: true })
  const compiled = new Map(
    EMAIL_NAMES.map((name) => [
      name,
      {
        subject: text.compile(read(name, 'subject.hbs'), { strict: true, noEscape: true }),
        html: html.compile(read(name, 'html.hbs'), { strict: true }),
        text: text.compile(read(name, 'text.hbs'), { strict: true, noEscape: true }),
      },
    ]),
  )
  return {
    render<K extends EmailName>(name: K, data: EmailTemplates[K]): RenderedEmail {
      const t = compiled.get(name)
      if (!t) {
        throw new Error(`unknown e-mail template ${name}`)
      }
      const subject = t.subject(data).replace(/\s+/g, ' ').trim()
      return {
        subject,
        html: layout({ subject, body: t.html(data) }),
        text: `${t
          .text(data)
          .replace(/\n{3,}/g, '\n\n')
          .trim()}\n`,
      }
    },
  }
}
export type EmailRenderer = ReturnType<typeof createEmailRenderer>
