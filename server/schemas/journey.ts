import Type from 'typebox'
import { SITE_MODALITIES } from '../../db/vocabulary/index.ts'

const Uuid = Type.String({ format: 'uuid' })
const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()])
export const Modality = Type.Enum(SITE_MODALITIES)
export const DayString = Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$', maxLength: 10, description: 'a day, YYYY-MM-DD (Europe/Paris)' })
const Time = Type.String({ pattern: '^([01]\\d|2[0-3]):[0-5]\\d$', description: 'HH:MM, Europe/Paris wall-clock time' })

export const CreateLink = Type.Object(
  {
    studentId: Type.Optional(Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER })),
    universityId: Type.Optional(Uuid),
    pseudoId: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    missionLocaleId: Type.Optional(Nullable(Uuid)),
    expiresInDays: Type.Optional(Type.Integer({ minimum: 1, maximum: 365 })),
  },
  { description: 'Either studentId, or universityId with pseudoId.' },
)
export const CreatedLink = Type.Object({
  linkId: Uuid,
  code: Type.String({ description: 'shown once: only its hash is stored' }),
  url: Type.String(),
  missionLocaleId: Nullable(Uuid),
  expiresAt: Type.String({ format: 'date-time' }),
})

export const MissionLocaleParams = Type.Object({ missionLocaleId: Uuid })
export const RuleParams = Type.Object({ missionLocaleId: Uuid, id: Uuid })

export const Settings = Type.Object({
  minNoticeMinutes: Type.Integer(),
  horizonDays: Type.Integer(),
  closedOnPublicHolidays: Type.Boolean(),
  callbackDueWorkingDays: Type.Integer({ description: 'call a callback request back within this many working days' }),
  bookingAckWorkingDays: Type.Integer({ description: 'acknowledge a booking within this many working days' }),
  publicPhone: Nullable(Type.String()),
  publicEmail: Nullable(Type.String()),
})
export const SettingsPatch = Type.Object({
  minNoticeMinutes: Type.Optional(Type.Integer({ minimum: 0, maximum: 20_160 })),
  horizonDays: Type.Optional(Type.Integer({ minimum: 1, maximum: 180 })),
  closedOnPublicHolidays: Type.Optional(Type.Boolean()),
  callbackDueWorkingDays: Type.Optional(Type.Integer({ minimum: 1, maximum: 10 })),
  bookingAckWorkingDays: Type.Optional(Type.Integer({ minimum: 1, maximum: 10 })),
  publicPhone: Type.Optional(Nullable(Type.String({ maxLength: 30 }))),
  publicEmail: Type.Optional(Nullable(Type.String({ maxLength: 200 }))),
})
export const Rule = Type.Object({
  id: Uuid,
  counsellorId: Uuid,
  counsellorName: Type.String(),
  siteId: Nullable(Uuid),
  siteName: Nullable(Type.String()),
  modality: Modality,
  weekday: Type.Integer(),
  startTime: Type.String(),
  endTime: Type.String(),
  slotMinutes: Type.Integer(),
  validFrom: Type.String(),
  validTo: Nullable(Type.String()),
})
export const NewRule = Type.Object({
  counsellorId: Uuid,
  siteId: Type.Optional(Nullable(Uuid)),
  modality: Modality,
  weekday: Type.Integer({ minimum: 1, maximum: 7, description: '1 = Monday … 7 = Sunday' }),
  startTime: Time,
  endTime: Time,
  slotMinutes: Type.Optional(Type.Integer({ minimum: 10, maximum: 240 })),
  validFrom: Type.Optional(DayString),
  validTo: Type.Optional(Nullable(DayString)),
})
export const AvailabilityException = Type.Object({
  id: Uuid,
  counsellorId: Nullable(Uuid),
  siteId: Nullable(Uuid),
  startsAt: Type.String({ format: 'date-time' }),
  endsAt: Type.String({ format: 'date-time' }),
  reason: Type.String(),
})
export const NewException = Type.Object({
  counsellorId: Type.Optional(Nullable(Uuid)),
  siteId: Type.Optional(Nullable(Uuid)),
  startsAt: Type.String({ format: 'date-time' }),
  endsAt: Type.String({ format: 'date-time' }),
  reason: Type.String({ minLength: 1, maxLength: 200 }),
})
export const Availability = Type.Object({ settings: Settings, rules: Type.Array(Rule), exceptions: Type.Array(AvailabilityException) })

export const AppointmentsQuery = Type.Object({
  day: Type.Optional(DayString),
  siteId: Type.Optional(Uuid),
  missionLocaleId: Type.Optional(Uuid),
})
export const AppointmentRow = Type.Object({
  id: Uuid,
  missionLocaleId: Uuid,
  counsellorName: Type.String(),
  siteId: Nullable(Uuid),
  siteName: Nullable(Type.String()),
  modality: Modality,
  startsAt: Type.String({ format: 'date-time' }),
  endsAt: Type.String({ format: 'date-time' }),
  status: Type.String(),
  minor: Type.Boolean(),
  caseId: Nullable(Uuid),
})
export const Identity = Type.Object({
  firstName: Type.String(),
  lastName: Type.Optional(Type.String()),
  email: Type.Optional(Nullable(Type.String())),
  phone: Type.Optional(Nullable(Type.String())),
  birthDate: Type.Optional(Type.String()),
  message: Type.Optional(Nullable(Type.String())),
})
