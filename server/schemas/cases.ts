import Type from 'typebox'
import {
  AGE_BANDS,
  APPOINTMENT_STATUSES,
  CASE_EVENT_KINDS,
  CASE_LISTS,
  CASE_ORIGINS,
  CASE_OUTCOMES,
  CASE_STATUSES,
  CASE_VERDICTS,
  CONTACT_CHANNELS,
  CONTACT_RESULTS,
  SETTABLE_CASE_STATUSES,
  SITE_MODALITIES,
} from '../../db/vocabulary/index.ts'

const Uuid = Type.String({ format: 'uuid' })
const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()])
const DateTime = Type.String({ format: 'date-time' })
const Counts = Type.Object(
  Object.fromEntries(CASE_LISTS.map((l) => [l, Type.Integer()])) as Record<(typeof CASE_LISTS)[number], ReturnType<typeof Type.Integer>>,
)

export const CaseParams = Type.Object({ id: Uuid })

export const InboxQuery = Type.Object({
  list: Type.Optional(Type.Enum(CASE_LISTS)),
  missionLocaleId: Type.Optional(Uuid),
  origin: Type.Optional(Type.Enum(CASE_ORIGINS)),
  siteId: Type.Optional(Uuid),
  assigneeId: Type.Optional(
    Type.String({
      pattern: '^([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}|none)$',
      description: 'a user id, or `none` for the unassigned cases',
    }),
  ),
  campaignId: Type.Optional(Uuid),
  ageBand: Type.Optional(Type.Enum(AGE_BANDS)),
  minors: Type.Optional(Type.Enum(['true', 'false'], { description: '`true`: 16–17-year-olds only' })),
  q: Type.Optional(Type.String({ maxLength: 100, description: 'name search (the service decrypts the identities)' })),
})

export const InboxRow = Type.Object({
  id: Uuid,
  list: Type.Enum(CASE_LISTS),
  name: Type.String(),
  origin: Type.Enum(CASE_ORIGINS),
  originLabel: Type.String(),
  status: Type.Enum(CASE_STATUSES),
  statusLabel: Type.String(),
  outcome: Nullable(Type.Enum(CASE_OUTCOMES)),
  dueAt: Nullable(DateTime),
  overdue: Type.Boolean(),
  createdAt: DateTime,
  minor: Type.Boolean(),
  ageBand: Nullable(Type.Enum(AGE_BANDS)),
  assigneeId: Nullable(Uuid),
  assigneeName: Nullable(Type.String()),
  campaignId: Nullable(Uuid),
  siteId: Nullable(Uuid),
})
export const Inbox = Type.Object({ list: Type.Enum(CASE_LISTS), counts: Counts, rows: Type.Array(InboxRow) })
export const CaseCounts = Type.Object({
  counts: Counts,
  toDo: Type.Integer({ description: 'à traiter + prioritaire (the tab title)' }),
  newestAt: Nullable(DateTime),
})

export const CaseDetail = Type.Object({
  id: Uuid,
  missionLocaleId: Uuid,
  origin: Type.Enum(CASE_ORIGINS),
  status: Type.Enum(CASE_STATUSES),
  statusLabel: Type.String(),
  outcome: Nullable(Type.Enum(CASE_OUTCOMES)),
  dueAt: Nullable(DateTime),
  overdue: Type.Boolean(),
  createdAt: DateTime,
  closedAt: Nullable(DateTime),
  minor: Type.Boolean(),
  remindersPaused: Type.Boolean(),
  assigneeId: Nullable(Uuid),
  assigneeName: Nullable(Type.String()),
  identity: Type.Object({
    firstName: Type.Optional(Nullable(Type.String())),
    lastName: Type.Optional(Nullable(Type.String())),
    email: Type.Optional(Nullable(Type.String())),
    phone: Type.Optional(Nullable(Type.String())),
    birthDate: Type.Optional(Nullable(Type.String())),
    message: Type.Optional(Nullable(Type.String())),
  }),
  link: Nullable(Type.Object({ campaignId: Nullable(Uuid), createdAt: DateTime })),
  callback: Nullable(Type.Object({ moments: Type.Array(Type.String()), weekdaysOnly: Type.Boolean() })),
  appointments: Type.Array(
    Type.Object({
      id: Uuid,
      status: Type.Enum(APPOINTMENT_STATUSES),
      startsAt: DateTime,
      endsAt: DateTime,
      modality: Type.Enum(SITE_MODALITIES),
      placeName: Nullable(Type.String()),
      counsellorName: Type.String(),
    }),
  ),
  history: Type.Array(
    Type.Object({
      kind: Type.Enum(CASE_EVENT_KINDS),
      at: DateTime,
      actorName: Type.String(),
      payload: Type.Record(Type.String(), Type.Unknown()),
      note: Nullable(Type.String()),
    }),
  ),
})

export const Handoff = Type.Object({ caseId: Uuid, text: Type.String({ description: 'plain text, one « label : value » a line' }) })
export const AssignBody = Type.Object({ assigneeId: Uuid })
export const BulkAssignBody = Type.Object({
  caseIds: Type.Array(Uuid, { minItems: 1, maxItems: 500 }),
  assigneeId: Uuid,
  missionLocaleId: Type.Optional(Uuid),
})
export const NoteBody = Type.Object({ text: Type.String({ minLength: 1, maxLength: 2000 }) })
export const ContactBody = Type.Object({
  channel: Type.Enum(CONTACT_CHANNELS),
  result: Type.Enum(CONTACT_RESULTS),
  note: Type.Optional(Type.String({ maxLength: 2000 })),
})
export const StatusBody = Type.Object({ status: Type.Enum(SETTABLE_CASE_STATUSES) })
export const CloseBody = Type.Object({ outcome: Type.Enum(CASE_OUTCOMES), verdict: Type.Optional(Nullable(Type.Enum(CASE_VERDICTS))) })
export const RemindersBody = Type.Object({ paused: Type.Boolean() })
export const CaseState = Type.Object({
  id: Uuid,
  status: Type.Enum(CASE_STATUSES),
  outcome: Nullable(Type.Enum(CASE_OUTCOMES)),
  assigneeId: Nullable(Uuid),
  dueAt: Nullable(DateTime),
  remindersPaused: Type.Boolean(),
})
export const AttendanceBody = Type.Object({ status: Type.Union([Type.Literal('held'), Type.Literal('no_show')]) })
export const Load = Type.Object({
  counsellors: Type.Array(
    Type.Object({ id: Uuid, fullName: Type.String(), open: Type.Integer(), due: Type.Integer(), overdue: Type.Integer() }),
  ),
  unassigned: Type.Object({ open: Type.Integer(), due: Type.Integer(), overdue: Type.Integer() }),
})
export const OutcomeCountsQuery = Type.Object({ universityId: Type.Optional(Uuid), campaignId: Type.Optional(Uuid) })
export const OutcomeCounts = Type.Array(Type.Object({ outcome: Type.Enum(CASE_OUTCOMES), label: Type.String(), count: Type.Integer() }))
