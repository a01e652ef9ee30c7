/**
 * The student forms, read and checked field by field so each mistake is said in French next to
 * its field (WCAG 3.3.1) and the form comes back filled in. The services check again what
 * matters to them (age, slot, link); these checks only spare the student a round trip.
 */
import { CALLBACK_MOMENTS, type CallbackMoment } from './moments.ts'

export type FieldError = { field: string; message: string }
export type FormResult<T> = { ok: true; value: T } | { ok: false; errors: FieldError[]; fieldErrors: Record<string, string> }

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]{2,}$/
/** A French number: 0X XX XX XX XX, or +33 / 0033 followed by nine digits. */
const PHONE = /^(?:0|\+33|0033)[1-9]\d{8}$/
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/

const trim = (v: unknown, max: number): string => (typeof v === 'string' ? v.trim().slice(0, max) : '')

/** `06 12 34 56 78`, `06.12.34.56.78`, `+33 6 12 34 56 78` → `0612345678`; null when not a French number. */
export function normalisePhone(raw: string): string | null {
  const compact = raw.replace(/[\s.\-()]/g, '')
  if (!PHONE.test(compact)) {
    return null
  }
  return compact.replace(/^(\+33|0033)/, '0')
}

/** A real calendar date `YYYY-MM-DD` (what `<input type="date">` sends), or null. */
export function parseBirthDate(raw: string): string | null {
  const m = DATE.exec(raw)
  if (!m) {
    return null
  }
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])]
  const date = new Date(Date.UTC(y, mo - 1, d))
  return date.getUTCFullYear() === y && date.getUTCMonth() === mo - 1 && date.getUTCDate() === d ? raw : null
}

/** The form's value, or its errors by field. */
export function formResult<T>(errors: FieldError[], value: T): FormResult<T> {
  if (errors.length) {
    return { ok: false, errors, fieldErrors: Object.fromEntries(errors.map((e) => [e.field, e.message])) }
  }
  return { ok: true, value }
}

export type BookingFormValues = {
  prenom: string
  nom: string
  email: string
  telephone: string
  naissance: string
  message: string
  accord: boolean
}

export type BookingIdentity = {
  firstName: string
  lastName: string
  email?: string
  phone?: string
  birthDate: string
  message?: string
  consentToShare: true
}

/** What the student typed, as it goes back into the form. */
export function bookingValues(body: Record<string, unknown>): BookingFormValues {
  return {
    prenom: trim(body.prenom, 100),
    nom: trim(body.nom, 100),
    email: trim(body.email, 200),
    telephone: trim(body.telephone, 30),
    naissance: trim(body.naissance, 10),
    message: trim(body.message, 1000),
    accord: body.accord === 'oui',
  }
}

export function readBookingForm(values: BookingFormValues, today: string): FormResult<BookingIdentity> {
  const errors: FieldError[] = []
  if (!values.prenom) {
    errors.push({ field: 'prenom', message: 'Indiquez votre prénom.' })
  }
  if (!values.nom) {
    errors.push({ field: 'nom', message: 'Indiquez votre nom.' })
  }
  const phone = values.telephone ? normalisePhone(values.telephone) : null
  if (!values.email && !values.telephone) {
    errors.push({
      field: 'email',
      message: 'Indiquez une adresse e-mail ou un numéro de téléphone, pour que la Mission Locale puisse vous joindre.',
    })
  } else {
    if (values.email && !EMAIL.test(values.email)) {
      errors.push({ field: 'email', message: 'Cette adresse e-mail semble incomplète : vérifiez-la (exemple : prenom.nom@exemple.fr).' })
    }
    if (values.telephone && !phone) {
      errors.push({ field: 'telephone', message: 'Ce numéro ne semble pas valide : indiquez 10 chiffres, par exemple 06 12 34 56 78.' })
    }
  }
  const birthDate = parseBirthDate(values.naissance)
  if (!values.naissance) {
    errors.push({ field: 'naissance', message: 'Indiquez votre date de naissance.' })
  } else if (!birthDate || birthDate > today || birthDate < '1900-01-01') {
    errors.push({ field: 'naissance', message: 'Cette date de naissance ne semble pas valide : vérifiez le jour, le mois et l’année.' })
  }
  if (!values.accord) {
    errors.push({ field: 'accord', message: 'Cochez la case pour accepter que ces informations soient transmises à la Mission Locale.' })
  }
  return formResult(errors, {
    firstName: values.prenom,
    lastName: values.nom,
    ...(values.email ? { email: values.email.toLowerCase() } : {}),
    ...(phone ? { phone } : {}),
    birthDate: birthDate ?? '',
    ...(values.message ? { message: values.message } : {}),
    consentToShare: true as const,
  })
}

export type CallbackFormValues = { telephone: string; prenom: string; moments: CallbackMoment[]; semaine: boolean; accord: boolean }

export function callbackValues(body: Record<string, unknown>): CallbackFormValues {
  const raw = Array.isArray(body.moments) ? body.moments : body.moments === undefined ? [] : [body.moments]
  return {
    telephone: trim(body.telephone, 30),
    prenom: trim(body.prenom, 100),
    moments: CALLBACK_MOMENTS.filter((m) => raw.includes(m)),
    semaine: body.semaine === 'oui',
    accord: body.accord === 'oui',
  }
}

export type CallbackRequest = { phone: string; firstName?: string; moments: CallbackMoment[]; weekdaysOnly: boolean }

export function readCallbackForm(values: CallbackFormValues): FormResult<CallbackRequest> {
  const errors: FieldError[] = []
  const phone = values.telephone ? normalisePhone(values.telephone) : null
  if (!values.telephone) {
    errors.push({ field: 'telephone', message: 'Indiquez votre numéro de téléphone.' })
  } else if (!phone) {
    errors.push({ field: 'telephone', message: 'Ce numéro ne semble pas valide : indiquez 10 chiffres, par exemple 06 12 34 56 78.' })
  }
  if (!values.moments.length) {
    errors.push({ field: 'moments', message: 'Choisissez au moins un moment de la journée.' })
  }
  if (!values.accord) {
    errors.push({ field: 'accord', message: 'Cochez la case pour accepter que votre numéro soit transmis à la Mission Locale.' })
  }
  return formResult(errors, {
    phone: phone ?? '',
    ...(values.prenom ? { firstName: values.prenom } : {}),
    moments: values.moments,
    weekdaysOnly: values.semaine,
  })
}
