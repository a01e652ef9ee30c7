/**
 * Booking an appointment through a personal link, and managing it with the manage code.
 *
 * `book` is one transaction: the appointment (the exclusion constraint `appointments_no_overlap`
 * refuses a second booking of the counsellor's time, SQLSTATE 23P01 → SlotTaken), the case in the
 * Mission Locale's queue, and the follow-up jobs (confirmation e-mail, reminders 48 h and 2 h
 * before). A repeated submission with the same idempotency key returns the same booking and the
 * same manage code: the code is derived from the appointment id with a key (HMAC), so it can be
 * given again without ever being stored in clear (only its sha256 is, for the lookup).
 */
import type { Db, Tx } from '../../db/client.ts'
import { isExclusionViolation, isUniqueViolation } from '../../db/pg-errors.ts'
import { createAppointmentRepository } from '../../db/repositories/appointments.repository.ts'
import { createAvailabilityRepository } from '../../db/repositories/availability.repository.ts'
import { createCaseEventRepository } from '../../db/repositories/case-events.repository.ts'
import { createCaseRepository } from '../../db/repositories/cases.repository.ts'
import type { Appointment } from '../../db/schema/appointments.ts'
import { REMINDER_OFFSETS_MS, REMINDER_STEPS, type SiteModality } from '../../db/vocabulary/index.ts'
import { CODE_PATTERN, derivedCode, hashCode } from '../lib/codes.ts'
import { decryptField, encryptField, type Keyring } from '../lib/crypto.ts'
import { addDays, dueAfterWorkingDays, parisDay, parisToUtc } from '../lib/paris-time.ts'
import { AlreadyBooked, AppointmentNotFound, BadInput, NotFound, SlotTaken, TooLateToChange, TooOld, TooYoung } from '../errors.ts'
import { inScope, organisationFilter, type Principal } from './access.ts'
import type { AuditContext, AuditService } from './audit.service.ts'
import type { AvailabilityService, CheckedSlot } from './availability.service.ts'
import type { LinkService } from './link.service.ts'
import type { OutboxService } from './outbox.service.ts'
import type { MissionLocaleContact, RoutingService } from './routing.service.ts'
import { normaliseEmail } from './suppression.service.ts'

/** Cancel or move online until this long before the appointment; after, the page gives the phone number. */
export const CHANGE_CUTOFF_MS = 4 * 3600_000

export type Identity = {
  firstName: string
  lastName: string
  email?: string | null
  phone?: string | null
  /** `YYYY-MM-DD`. */
  birthDate: string
  message?: string | null
  /** The student agreed that this information goes to the Mission Locale. Must be true. */
  consentToShare: boolean
}
export type StoredIdentity = Omit<Identity, 'consentToShare'> & { consentAt: string }

export type AppointmentView = {
  id: string
  status: Appointment['status']
  startsAt: Date
  endsAt: Date
  modality: SiteModality
  place: { id: string; name: string; address: string } | null
  missionLocale: MissionLocaleContact | null
  /** False from 4 h before the start, or when no longer booked. */
  canChange: boolean
  /** 16–17: the counsellor checks the obligation de formation. */
  minor: boolean
}

export type BookInput = { linkId: string; slotKey: string; identity: Identity; idempotencyKey: string }
export type BookResult = { appointment: AppointmentView; manageCode: string; manageUrl: string; replayed: boolean }

/** Whole years between a birth date and a day (both `YYYY-MM-DD`). */
export function ageOn(birthDate: string, day: string): number {
  const [by, bm, bd] = birthDate.split('-').map(Number) as [number, number, number]
  const [y, m, d] = day.split('-').map(Number) as [number, number, number]
  return y - by - (m < bm || (m === bm && d < bd) ? 1 : 0)
}

/** Checks and trims what the student typed; French messages name the field to fix. */
export function cleanIdentity(input: Identity, today: string): StoredIdentity & { minor: boolean } {
  if (input.consentToShare !== true) {
    throw new BadInput('Pour prendre rendez-vous, cochez la case qui autorise la transmission de ces informations à la Mission Locale.')
  }
  const firstName = input.firstName.trim().slice(0, 100)
  const lastName = input.lastName.trim().slice(0, 100)
  if (!firstName || !lastName) {
    throw new BadInput('Indiquez votre prénom et votre nom.')
  }
  const email = input.email?.trim() ? normaliseEmail(input.email) : null
  const phone = input.phone?.trim() ? input.phone.trim().slice(0, 30) : null
  if (!email && !phone) {
    throw new BadInput('Indiquez une adresse e-mail ou un numéro de téléphone, pour que la Mission Locale puisse vous joindre.')
  }
  if (email && !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email)) {
    throw new BadInput('L’adresse e-mail semble incomplète (exemple : prenom.nom@exemple.fr).')
  }
  if (phone && !/^\+?[\d\s.-]{9,20}$/.test(phone)) {
    throw new BadInput('Le numéro de téléphone semble incomplet (exemple : 06 12 34 56 78).')
  }
  if (!/^\d{4}-\d{2}-\d{2}$/.test(input.birthDate) || Number.isNaN(Date.parse(input.birthDate))) {
    throw new BadInput('Indiquez votre date de naissance (jour, mois, année).')
  }
  const age = ageOn(input.birthDate, today)
  if (age < 16) {
    throw new TooYoung()
  }
  if (age > 29) {
    throw new TooOld()
  }
  return {
    firstName,
    lastName,
    email,
    phone,
    birthDate: input.birthDate,
    message: input.message?.trim() ? input.message.trim().slice(0, 1000) : null,
    consentAt: new Date().toISOString(),
    minor: age < 18,
  }
}

type Deps = {
  db: Db
  config: { dataKeys: Keyring; manageCodeKey: Buffer; PUBLIC_URL: string }
  links: Pick<LinkService, 'usable'>
  availability: Pick<AvailabilityService, 'checkSlot' | 'isFree'>
  routing: Pick<RoutingService, 'places' | 'missionLocale'>
  outbox: Pick<OutboxService, 'add' | 'dispatch'>
  audit: Pick<AuditService, 'record'>
}

export function createBookingService({ db, config, links, availability, routing, outbox, audit }: Deps) {
  const manageCodeOf = (appointmentId: string) => derivedCode(config.manageCodeKey, `manage:${appointmentId}`)
  const manageUrlOf = (code: string) => `${config.PUBLIC_URL.replace(/\/$/, '')}/r/gerer/${code}`

  async function view(a: Appointment, now = new Date()): Promise<AppointmentView> {
    const place = a.siteId ? (await routing.places(a.missionLocaleId)).find((p) => p.id === a.siteId) : undefined
    return {
      id: a.id,
      status: a.status,
      startsAt: a.startsAt,
      endsAt: a.endsAt,
      modality: a.modality,
      place: place
        ? { id: place.id, name: place.name, address: `${place.address}, ${place.postcode} ${place.communeName ?? ''}`.trim() }
        : null,
      missionLocale: await routing.missionLocale(a.missionLocaleId),
      canChange: a.status === 'booked' && a.startsAt.getTime() - now.getTime() > CHANGE_CUTOFF_MS,
      minor: a.minor,
    }
  }

  /** Inserts the appointment and records its follow-ups inside `tx`. */
  async function insertBooked(
    tx: Tx,
    args: { linkId: string; slot: CheckedSlot; identityEnc: Buffer; minor: boolean; idempotencyKey: string; caseId: string },
    jobIds: number[],
  ): Promise<Appointment> {
    const id = crypto.randomUUID()
    const repo = createAppointmentRepository(tx)
    await repo.lockCounsellor(args.slot.rule.counsellorId)
    const a = await repo.insert({
      id,
      missionLocaleId: args.slot.rule.missionLocaleId,
      counsellorId: args.slot.rule.counsellorId,
      siteId: args.slot.rule.siteId,
      ruleId: args.slot.rule.id,
      linkId: args.linkId,
      caseId: args.caseId,
      modality: args.slot.rule.modality,
      startsAt: args.slot.startsAt,
      endsAt: args.slot.endsAt,
      identityEnc: args.identityEnc,
      minor: args.minor,
      idempotencyKey: args.idempotencyKey,
      manageCodeHash: hashCode(manageCodeOf(id)),
    })
    jobIds.push(await outbox.add(tx, 'appointment.confirm', { appointmentId: a.id }))
    for (const step of REMINDER_STEPS) {
      const delayMs = a.startsAt.getTime() - REMINDER_OFFSETS_MS[step] - Date.now()
      if (delayMs > 0) {
        jobIds.push(await outbox.add(tx, 'appointment.remind', { appointmentId: a.id, step }, { delayMs }))
      }
    }
    return a
  }

  function mapInsertError(err: unknown): never {
    if (isExclusionViolation(err, 'appointments_no_overlap')) {
      throw new SlotTaken()
    }
    if (isUniqueViolation(err, 'appointments_one_booked_per_link')) {
      throw new AlreadyBooked()
    }
    throw err
  }

  async function byManageCode(code: string): Promise<Appointment> {
    const a = CODE_PATTERN.test(code) ? await createAppointmentRepository(db).byManageCodeHash(hashCode(code)) : undefined
    if (!a) {
      throw new AppointmentNotFound()
    }
    return a
  }

  async function assertCanChange(a: Appointment, now: Date): Promise<void> {
    if (a.status !== 'booked' || a.startsAt.getTime() - now.getTime() <= CHANGE_CUTOFF_MS) {
      const ml = await routing.missionLocale(a.missionLocaleId)
      throw new TooLateToChange(ml?.phone ?? ml?.address ?? 'voir le site de la Mission Locale')
    }
  }

  return {
    manageUrlOf,

    async book(ctx: AuditContext, input: BookInput, now = new Date()): Promise<BookResult> {
      const key = input.idempotencyKey.trim()
      if (!/^[A-Za-z0-9_-]{8,100}$/.test(key)) {
        throw new BadInput('Clé de soumission invalide : rechargez la page et recommencez.')
      }
      const replay = await createAppointmentRepository(db).byIdempotencyKey(input.linkId, key)
      if (replay) {
        return {
          appointment: await view(replay, now),
          manageCode: manageCodeOf(replay.id),
          manageUrl: manageUrlOf(manageCodeOf(replay.id)),
          replayed: true,
        }
      }
      const link = await links.usable(input.linkId, now)
      if (!link.missionLocaleId) {
        throw new BadInput('Aucune Mission Locale partenaire ne couvre votre commune : contactez celle de votre secteur.')
      }
      const slot = await availability.checkSlot(input.slotKey, link.missionLocaleId, now)
      // Fast answer for a slot already taken; the exclusion constraint decides the races.
      if (!(await availability.isFree(slot))) {
        throw new SlotTaken()
      }
      const { minor, ...identity } = cleanIdentity(input.identity, parisDay(now))
      const identityEnc = encryptField(config.dataKeys, JSON.stringify(identity))
      const jobIds: number[] = []
      let appointment: Appointment
      try {
        appointment = await db.transaction(async (tx) => {
          // The booking is to acknowledge within the Mission Locale's working days, and before the appointment anyway.
          const settings = await createAvailabilityRepository(tx).settings(slot.rule.missionLocaleId)
          const ackDue = dueAfterWorkingDays(now, settings.bookingAckWorkingDays)
          const c = await createCaseRepository(tx).open({
            missionLocaleId: slot.rule.missionLocaleId,
            origin: 'booking',
            studentId: link.studentId,
            linkId: link.id,
            assigneeId: slot.rule.counsellorId,
            dueAt: ackDue < slot.startsAt ? ackDue : slot.startsAt,
            identityEnc,
            minor,
            details: { modality: slot.rule.modality, siteId: slot.rule.siteId },
          })
          await createCaseEventRepository(tx).add({ caseId: c.id, kind: 'opened', at: now, payload: { origin: 'booking' } })
          return insertBooked(tx, { linkId: link.id, slot, identityEnc, minor, idempotencyKey: key, caseId: c.id }, jobIds)
        })
      } catch (err) {
        // Two submissions with one key raced: the loser returns the winner's booking.
        if (isUniqueViolation(err, 'appointments_idempotency_key')) {
          const winner = await createAppointmentRepository(db).byIdempotencyKey(input.linkId, key)
          if (winner) {
            return {
              appointment: await view(winner, now),
              manageCode: manageCodeOf(winner.id),
              manageUrl: manageUrlOf(manageCodeOf(winner.id)),
              replayed: true,
            }
          }
        }
        mapInsertError(err)
      }
      await outbox.dispatch(jobIds)
      await audit.record(
        { ...ctx, studentLinkId: link.id },
        { action: 'student.book', entityType: 'appointment', entityId: appointment.id, details: { minor } },
      )
      const manageCode = manageCodeOf(appointment.id)
      return { appointment: await view(appointment, now), manageCode, manageUrl: manageUrlOf(manageCode), replayed: false }
    },

    /** The live booking of a link, with its manage code, or null (landing: « vous avez déjà rendez-vous »). */
    async forLink(
      linkId: string,
      now = new Date(),
    ): Promise<{ appointment: AppointmentView; manageCode: string; manageUrl: string } | null> {
      const a = await createAppointmentRepository(db).bookedOfLink(linkId)
      if (!a) {
        return null
      }
      const manageCode = manageCodeOf(a.id)
      return { appointment: await view(a, now), manageCode, manageUrl: manageUrlOf(manageCode) }
    },

    /** The appointment behind a manage code (the manage page). */
    async byManageCode(code: string, now = new Date()): Promise<AppointmentView> {
      return view(await byManageCode(code), now)
    },

    /** Cancels until 4 h before; the slot is free at once (the row leaves the exclusion constraint). */
    async cancel(ctx: AuditContext, code: string, now = new Date()): Promise<AppointmentView> {
      const a = await byManageCode(code)
      await assertCanChange(a, now)
      await createAppointmentRepository(db).cancel(a.id)
      await audit.record(
        { ...ctx, studentLinkId: a.linkId ?? undefined },
        { action: 'student.cancel', entityType: 'appointment', entityId: a.id },
      )
      return view({ ...a, status: 'cancelled' }, now)
    },

    /** Moves to another slot: one transaction cancels the old one and books the new one (same case). */
    async move(ctx: AuditContext, code: string, slotKey: string, now = new Date()): Promise<BookResult> {
      const a = await byManageCode(code)
      await assertCanChange(a, now)
      const slot = await availability.checkSlot(slotKey, a.missionLocaleId, now)
      const jobIds: number[] = []
      let moved: Appointment
      try {
        moved = await db.transaction(async (tx) => {
          const repo = createAppointmentRepository(tx)
          if (!(await repo.cancel(a.id))) {
            throw new AppointmentNotFound()
          }
          const next = await insertBooked(
            tx,
            {
              linkId: a.linkId as string,
              slot,
              identityEnc: a.identityEnc,
              minor: a.minor,
              idempotencyKey: `move-${a.id}`,
              caseId: a.caseId as string,
            },
            jobIds,
          )
          await repo.setReplacedBy(a.id, next.id)
          if (a.caseId) {
            await createCaseEventRepository(tx).add({
              caseId: a.caseId,
              kind: 'appointment',
              at: now,
              payload: { appointmentId: next.id, moved: a.id },
            })
          }
          return next
        })
      } catch (err) {
        mapInsertError(err)
      }
      await outbox.dispatch(jobIds)
      await audit.record(
        { ...ctx, studentLinkId: a.linkId ?? undefined },
        { action: 'student.move', entityType: 'appointment', entityId: moved.id, details: { from: a.id } },
      )
      const manageCode = manageCodeOf(moved.id)
      return { appointment: await view(moved, now), manageCode, manageUrl: manageUrlOf(manageCode), replayed: false }
    },

    // Staff side.

    /** Appointments of one Paris day (default today), optionally one place; counsellors, managers, admins. */
    async day(p: Principal, opts: { missionLocaleId?: string; siteId?: string; day: string }) {
      const missionLocaleId = organisationFilter(p) ?? opts.missionLocaleId ?? null
      return createAppointmentRepository(db).list({
        missionLocaleId,
        ...(opts.siteId ? { siteId: opts.siteId } : {}),
        from: parisToUtc(opts.day, '00:00'),
        to: parisToUtc(addDays(opts.day, 1), '00:00'),
      })
    },

    /** The identity the student gave, decrypted; every read is audited. Another Mission Locale's staff get 404. */
    async identity(ctx: AuditContext & { actor: Principal }, appointmentId: string): Promise<StoredIdentity> {
      const a = await createAppointmentRepository(db).byId(appointmentId)
      const scoped = inScope(ctx.actor, a ? { ...a, organisationId: a.missionLocaleId } : undefined)
      await audit.record(ctx, { action: 'appointment.identity_read', entityType: 'appointment', entityId: scoped.id })
      return JSON.parse(decryptField(config.dataKeys, scoped.identityEnc)) as StoredIdentity
    },

    /** An appointment for staff, without identity. */
    async get(p: Principal, appointmentId: string) {
      const a = await createAppointmentRepository(db).byId(appointmentId)
      if (!a) {
        throw new NotFound()
      }
      inScope(p, { organisationId: a.missionLocaleId })
      return view(a)
    },
  }
}
export type BookingService = ReturnType<typeof createBookingService>
