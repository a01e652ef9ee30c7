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

/** Kept minimal: the inbox issue (#11) refines what happens between `new` and `closed`. */
export const CASE_STATUSES = ['new', 'in_progress', 'closed'] as const
export type CaseStatus = (typeof CASE_STATUSES)[number]

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
