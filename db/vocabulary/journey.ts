/**
 * The student journey (issue #9): personal links, appointments, callbacks, objections, and the
 * cases they open in a Mission Locale's queue.
 */

/** What a personal link code resolves to. `objected`: the student said no; nothing more is sent. */
export const LINK_STATUSES = ['ok', 'expired', 'unknown', 'objected'] as const
export type LinkStatus = (typeof LINK_STATUSES)[number]

/** `held`: the appointment took place; `no_show`: the student did not come. Only `booked` holds the slot. */
export const APPOINTMENT_STATUSES = ['booked', 'cancelled', 'held', 'no_show'] as const
export type AppointmentStatus = (typeof APPOINTMENT_STATUSES)[number]

/** How a case reached the Mission Locale's queue (the inbox issue adds the referral paths). */
export const CASE_ORIGINS = ['booking', 'callback', 'self_referral', 'partner_referral'] as const
export type CaseOrigin = (typeof CASE_ORIGINS)[number]

/**
 * Where a case stands in the Mission Locale's follow-up (issue #11). `new` is « à traiter »
 * (nobody has acted yet), `in_progress` « pris en charge » (claimed); the others are the
 * follow-up statuses Missions Locales use (docs/inbox.md#statuses). `closed` carries an outcome.
 * Values are only ever appended (a PostgreSQL enum value cannot be removed).
 */
export const CASE_STATUSES = [
  'new',
  'in_progress',
  'closed',
  'appointment_booked',
  'contacted_no_reply',
  'unreachable',
  'wrong_contact',
  'already_followed',
  'new_project',
  'other',
] as const
export type CaseStatus = (typeof CASE_STATUSES)[number]

export const CASE_STATUS_LABELS: Record<CaseStatus, string> = {
  new: 'À traiter',
  in_progress: 'Pris en charge',
  closed: 'Clos',
  appointment_booked: 'RDV pris',
  contacted_no_reply: 'Contacté sans retour',
  unreachable: 'Injoignable après relances',
  wrong_contact: 'Coordonnées incorrectes',
  already_followed: 'Déjà accompagné',
  new_project: 'Nouveau projet',
  other: 'Autre',
}

/** The statuses a counsellor sets by hand (« clos » goes through closing, with an outcome). */
export const SETTABLE_CASE_STATUSES = [
  'new',
  'appointment_booked',
  'contacted_no_reply',
  'unreachable',
  'wrong_contact',
  'already_followed',
  'new_project',
  'other',
] as const satisfies readonly CaseStatus[]
export type SettableCaseStatus = (typeof SETTABLE_CASE_STATUSES)[number]

/** Statuses that put an open case in the « injoignable » list. */
export const UNREACHABLE_STATUSES = ['unreachable', 'wrong_contact'] as const satisfies readonly CaseStatus[]

/** What became of the contact, set when closing (docs/inbox.md#outcomes). */
export const CASE_OUTCOMES = [
  'first_reception',
  'pacea',
  'cej',
  'training',
  'employment',
  'partner_referral',
  'out_of_scope',
  'no_follow_up',
] as const
export type CaseOutcome = (typeof CASE_OUTCOMES)[number]

export const CASE_OUTCOME_LABELS: Record<CaseOutcome, string> = {
  first_reception: 'Premier accueil réalisé',
  pacea: 'Entrée PACEA',
  cej: 'Entrée CEJ',
  training: 'Orientation formation',
  employment: 'Emploi',
  partner_referral: 'Réorienté vers un partenaire',
  out_of_scope: 'Hors cible',
  no_follow_up: 'Sans suite',
}

/**
 * The counsellor's verdict on the risk model, optional when closing: stored as feedback for the
 * next training, by pseudonymous id only (table `model_feedback`).
 */
export const CASE_VERDICTS = ['false_alarm', 'already_reoriented'] as const
export type CaseVerdict = (typeof CASE_VERDICTS)[number]
export const CASE_VERDICT_LABELS: Record<CaseVerdict, string> = {
  false_alarm: 'Fausse alerte (pas en difficulté)',
  already_reoriented: 'Déjà réorienté',
}

/** The inbox's work lists, in display order (docs/inbox.md#work-lists). */
export const CASE_LISTS = ['a_traiter', 'prioritaire', 'en_cours', 'injoignable', 'clos'] as const
export type CaseList = (typeof CASE_LISTS)[number]
export const CASE_LIST_LABELS: Record<CaseList, string> = {
  a_traiter: 'À traiter',
  prioritaire: 'Prioritaire',
  en_cours: 'En cours',
  injoignable: 'Injoignable',
  clos: 'Clos',
}

/** One line of a case's history. Notes' text is encrypted (`case_events.note_enc`); the payload never holds personal data. */
export const CASE_EVENT_KINDS = [
  'opened',
  'claim',
  'assign',
  'note',
  'contact_attempt',
  'status',
  'outcome',
  'appointment',
  'reminders',
  'follow_up',
] as const
export type CaseEventKind = (typeof CASE_EVENT_KINDS)[number]

export const CONTACT_CHANNELS = ['phone', 'sms', 'email'] as const
export type ContactChannel = (typeof CONTACT_CHANNELS)[number]
export const CONTACT_CHANNEL_LABELS: Record<ContactChannel, string> = { phone: 'Téléphone', sms: 'SMS', email: 'E-mail' }

export const CONTACT_RESULTS = ['answered', 'no_answer', 'wrong_number'] as const
export type ContactResult = (typeof CONTACT_RESULTS)[number]
export const CONTACT_RESULT_LABELS: Record<ContactResult, string> = {
  answered: 'A répondu',
  no_answer: 'Pas de réponse',
  wrong_number: 'Mauvais numéro',
}

/** Age bands of the inbox filter (from the birth date the student gave). */
export const AGE_BANDS = ['16-17', '18-21', '22-25', '26-29'] as const
export type AgeBand = (typeof AGE_BANDS)[number]

/** Due-date defaults, in working days (weekends and French public holidays excluded), per Mission Locale. */
export const DUE_DEFAULTS = { callbackWorkingDays: 2, bookingAckWorkingDays: 1, noShowFollowUpWorkingDays: 1 } as const

/** When a student prefers to be called back: matin 9 h–12 h, après-midi 12 h–17 h, soir 17 h–19 h. */
export const CALLBACK_MOMENTS = ['matin', 'apres_midi', 'soir'] as const
export type CallbackMoment = (typeof CALLBACK_MOMENTS)[number]

/** What a suppression row is a keyed hash of. */
export const SUPPRESSION_KINDS = ['pseudo_id', 'email', 'phone'] as const
export type SuppressionKind = (typeof SUPPRESSION_KINDS)[number]

/** Who an audit entry is about: staff (a user), a student acting through a link (by link id), or the system. */
export const AUDIT_ACTOR_KINDS = ['staff', 'student_link', 'system'] as const
export type AuditActorKind = (typeof AUDIT_ACTOR_KINDS)[number]

/** The reminders `appointment.remind` sends, and how long before the appointment. */
export const REMINDER_STEPS = ['48h', '2h'] as const
export type ReminderStep = (typeof REMINDER_STEPS)[number]
export const REMINDER_OFFSETS_MS: Record<ReminderStep, number> = { '48h': 48 * 3600_000, '2h': 2 * 3600_000 }
