/**
 * What the student receives about an appointment: the confirmation e-mail (html + text through
 * the platform's templates, with the `.ics` invitation) and the reminders 48 h and 2 h before, by
 * the channels the student gave (e-mail, SMS). Each send is claimed first (a timestamp column of
 * the appointment), so a retried job never sends twice; a failed send gives the claim back.
 */
import type { Db } from '../../db/client.ts'
import { createAppointmentRepository } from '../../db/repositories/appointments.repository.ts'
import { createCaseRepository } from '../../db/repositories/cases.repository.ts'
import { createLinkRepository } from '../../db/repositories/links.repository.ts'
import type { Appointment } from '../../db/schema/appointments.ts'
import type { ReminderStep, SiteModality } from '../../db/vocabulary/index.ts'
import { decryptField, type Keyring } from '../lib/crypto.ts'
import type { EmailRenderer } from '../lib/email-templates.ts'
import { appointmentIcs } from '../lib/ics.ts'
import type { Logger } from '../lib/logger.ts'
import type { Mailer } from '../lib/mailer.ts'
import type { SmsSender } from '../lib/sms.ts'
import { derivedCode } from '../lib/codes.ts'
import type { StoredIdentity } from './booking.service.ts'
import type { LinkService } from './link.service.ts'
import type { RoutingService } from './routing.service.ts'

export const MODALITY_LABELS: Record<SiteModality, string> = {
  in_person: 'sur place',
  phone: 'par téléphone',
  video: 'en visio',
}

const longDate = new Intl.DateTimeFormat('fr-FR', {
  timeZone: 'Europe/Paris',
  weekday: 'long',
  day: 'numeric',
  month: 'long',
  year: 'numeric',
})
const hour = new Intl.DateTimeFormat('fr-FR', { timeZone: 'Europe/Paris', hour: '2-digit', minute: '2-digit' })

type Deps = {
  db: Db
  routing: Pick<RoutingService, 'places' | 'missionLocale'>
  links: Pick<LinkService, 'create'>
  mailer: Mailer
  sms: SmsSender
  emails: EmailRenderer
  log: Logger
  config: { dataKeys: Keyring; manageCodeKey: Buffer; PUBLIC_URL: string; MAIL_FROM: string }
}

export type SendOutcome = 'done' | 'skipped'

export function createAppointmentNotificationService({ db, routing, links, mailer, sms, emails, log, config }: Deps) {
  const repo = createAppointmentRepository(db)
  const fromAddress = /<([^>]+)>/.exec(config.MAIL_FROM)?.[1] ?? config.MAIL_FROM

  async function details(a: Appointment) {
    const identity = JSON.parse(decryptField(config.dataKeys, a.identityEnc)) as StoredIdentity
    const ml = await routing.missionLocale(a.missionLocaleId)
    const place = a.siteId ? (await routing.places(a.missionLocaleId)).find((p) => p.id === a.siteId) : undefined
    const where =
      a.modality === 'in_person' && place
        ? `${place.name}, ${place.address}, ${place.postcode} ${place.communeName ?? ''}`.trim()
        : a.modality === 'phone'
          ? `Par téléphone : la Mission Locale vous appelle${identity.phone ? ` au ${identity.phone}` : ''}.`
          : 'En visio : la Mission Locale vous envoie le lien de connexion avant le rendez-vous.'
    const manageUrl = `${config.PUBLIC_URL.replace(/\/$/, '')}/r/gerer/${derivedCode(config.manageCodeKey, `manage:${a.id}`)}`
    return {
      identity,
      data: {
        firstName: identity.firstName,
        missionLocaleName: ml?.name ?? 'la Mission Locale',
        date: longDate.format(a.startsAt),
        time: hour.format(a.startsAt).replace(':', ' h '),
        modalityLabel: MODALITY_LABELS[a.modality],
        where,
        manageUrl,
        contactPhone: ml?.phone ?? '',
        minor: a.minor,
      },
      ml,
    }
  }

  return {
    async sendConfirmation(appointmentId: string): Promise<SendOutcome> {
      const a = await repo.claimConfirmation(appointmentId)
      if (!a) {
        return 'skipped'
      }
      try {
        const { identity, data, ml } = await details(a)
        if (!identity.email) {
          // Phone only: the confirmation page was the confirmation; the reminders go by SMS.
          return 'skipped'
        }
        const mail = emails.render('appointment-confirmed', data)
        const ics = appointmentIcs({
          uid: `${a.id}@repere`,
          startsAt: a.startsAt,
          endsAt: a.endsAt,
          summary: `Rendez-vous ${ml?.shortName ?? 'Mission Locale'} (${MODALITY_LABELS[a.modality]})`,
          description: `${data.where}\nPour annuler ou déplacer : ${data.manageUrl}`,
          location: data.where,
          organizer: { name: ml?.name ?? 'Mission Locale', email: ml?.email ?? fromAddress },
          url: data.manageUrl,
        })
        await mailer.send({
          to: identity.email,
          ...mail,
          attachments: [{ filename: 'rendez-vous.ics', content: ics, contentType: 'text/calendar; charset=utf-8; method=REQUEST' }],
        })
        log.info({ appointmentId }, 'appointment confirmation sent')
        return 'done'
      } catch (err) {
        await repo.releaseClaim(appointmentId, 'confirmation')
        throw err
      }
    },

    /**
     * After a no-show, once: « on reprend rendez-vous ? » with a new personal link, to the e-mail
     * the student gave when booking. Nothing when the student gave no e-mail, when a counsellor
     * paused the case's automatic messages, or when the appointment is no longer a no-show.
     */
    async sendNoShowFollowUp(appointmentId: string): Promise<SendOutcome> {
      const current = await repo.byId(appointmentId)
      const c = current?.caseId ? await createCaseRepository(db).byId(current.caseId) : undefined
      if (!current || c?.remindersPaused || c?.status === 'closed') {
        return 'skipped'
      }
      const a = await repo.claimNoShowFollowUp(appointmentId)
      if (!a) {
        return 'skipped'
      }
      try {
        const { identity, data } = await details(a)
        const oldLink = a.linkId ? await createLinkRepository(db).byId(a.linkId) : undefined
        if (!identity.email || !oldLink) {
          return 'skipped'
        }
        const link = await links.create({ studentId: oldLink.studentId, missionLocaleId: a.missionLocaleId })
        await mailer.send({
          to: identity.email,
          ...emails.render('appointment-no-show', {
            firstName: data.firstName,
            missionLocaleName: data.missionLocaleName,
            date: data.date,
            time: data.time,
            url: link.url,
            contactPhone: data.contactPhone,
          }),
        })
        log.info({ appointmentId }, 'no-show follow-up sent')
        return 'done'
      } catch (err) {
        await repo.releaseClaim(appointmentId, 'no_show')
        throw err
      }
    },

    async sendReminder(appointmentId: string, step: ReminderStep): Promise<SendOutcome> {
      const a = await repo.claimReminder(appointmentId, step)
      if (!a) {
        return 'skipped'
      }
      try {
        const { identity, data } = await details(a)
        const reminderData = { ...data, when: step === '48h' ? 'dans deux jours' : 'dans deux heures' }
        let sent = 0
        if (identity.email) {
          await mailer.send({ to: identity.email, ...emails.render('appointment-reminder', reminderData) })
          sent++
        }
        if (identity.phone) {
          await sms.send({
            to: identity.phone,
            text: `Rappel : rendez-vous ${reminderData.missionLocaleName} le ${data.date} à ${data.time} (${data.modalityLabel}). Annuler ou déplacer : ${data.manageUrl}`,
          })
          sent++
        }
        log.info({ appointmentId, step, channels: sent }, 'appointment reminder sent')
        return sent > 0 ? 'done' : 'skipped'
      } catch (err) {
        await repo.releaseClaim(appointmentId, step)
        throw err
      }
    },
  }
}
export type AppointmentNotificationService = ReturnType<typeof createAppointmentNotificationService>
