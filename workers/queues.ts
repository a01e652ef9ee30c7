/**
 * The job catalogue: every job name, its queue, its payload schema and its options, in one
 * typed map shared by producers (server) and consumers (workers).
 * Payloads carry ids, never personal data; job ids are deterministic and colon-free so that
 * enqueuing the same work twice is a no-op while the first is still known to BullMQ.
 * @see https://docs.bullmq.io/guide/jobs/job-ids
 */
import Type, { type Static, type TSchema } from 'typebox'
import type { JobsOptions } from 'bullmq'

export const QUEUE_NAMES = ['imports', 'scoring', 'notifications', 'maintenance'] as const
export type QueueName = (typeof QUEUE_NAMES)[number]

const Uuid = Type.String({ format: 'uuid' })

export const JobPayloadSchemas = {
  /** `run` (1 when absent, as in jobs queued before runs existed): see `imports.run`. */
  'import.process': Type.Object({ importId: Uuid, run: Type.Optional(Type.Integer({ minimum: 1 })) }, { additionalProperties: false }),
  'import.notify': Type.Object({ importId: Uuid, run: Type.Integer({ minimum: 1 }) }, { additionalProperties: false }),
  'score.cohort': Type.Object(
    { universityId: Uuid, academicYear: Type.String({ pattern: '^\\d{4}/\\d{4}$' }), importId: Uuid },
    { additionalProperties: false },
  ),
  'outbox.reconcile': Type.Object({}, { additionalProperties: false }),
  /** The confirmation e-mail (with its .ics) of a booked appointment. */
  'appointment.confirm': Type.Object({ appointmentId: Uuid }, { additionalProperties: false }),
  /** A reminder 48 h or 2 h before, by the channels the student gave. */
  'appointment.remind': Type.Object(
    { appointmentId: Uuid, step: Type.Union([Type.Literal('48h'), Type.Literal('2h')]) },
    { additionalProperties: false },
  ),
} satisfies Record<string, TSchema>

export type JobName = keyof typeof JobPayloadSchemas
export type JobPayloads = { [K in JobName]: Static<(typeof JobPayloadSchemas)[K]> }
export const JOB_NAMES = Object.keys(JobPayloadSchemas) as JobName[]

type JobDefinition<K extends JobName> = {
  queue: QueueName
  jobId: (payload: JobPayloads[K]) => string
  opts: JobsOptions
  /** A run longer than this is reported by the worker heartbeat and /health (the job is not killed). */
  limitMs: number
  /** Repeatable jobs: the workers upsert this schedule at start. */
  repeat?: { everyMs: number }
}

const KEEP = { removeOnComplete: { count: 1_000, age: 7 * 24 * 3600 }, removeOnFail: { count: 5_000 } }

/** Job options live here and only here. */
export const JOBS: { [K in JobName]: JobDefinition<K> } = {
  'import.process': {
    queue: 'imports',
    // Run 1 keeps the id jobs had before runs existed; a retry or a takeover is a new job.
    jobId: (p) => ((p.run ?? 1) === 1 ? `import-${p.importId}` : `import-${p.importId}-r${p.run}`),
    // A crash mid-import rolls the transaction back; the job is retried, then marked failed.
    opts: { attempts: 3, backoff: { type: 'exponential', delay: 5_000 }, ...KEEP },
    limitMs: 30 * 60_000,
  },
  'import.notify': {
    queue: 'notifications',
    jobId: (p) => `import-notify-${p.importId}-r${p.run}`,
    // A mail server that is down delays the e-mail; it never fails the import.
    opts: { attempts: 8, backoff: { type: 'exponential', delay: 15_000 }, ...KEEP },
    limitMs: 2 * 60_000,
  },
  'score.cohort': {
    queue: 'scoring',
    jobId: (p) => `score-${p.importId}`,
    opts: { attempts: 5, backoff: { type: 'exponential', delay: 10_000 }, ...KEEP },
    limitMs: 30 * 60_000,
  },
  'outbox.reconcile': {
    queue: 'maintenance',
    jobId: () => 'outbox-reconcile',
    // Repeats every few seconds: a failed run is simply the next one.
    opts: { attempts: 1, removeOnComplete: { count: 100 }, removeOnFail: { count: 100 } },
    limitMs: 60_000,
    repeat: { everyMs: 5_000 },
  },
  'appointment.confirm': {
    queue: 'notifications',
    jobId: (p) => `appointment-confirm-${p.appointmentId}`,
    // A mail server that is down delays the confirmation; the claim column keeps it to one send.
    opts: { attempts: 8, backoff: { type: 'exponential', delay: 15_000 }, ...KEEP },
    limitMs: 2 * 60_000,
  },
  'appointment.remind': {
    queue: 'notifications',
    jobId: (p) => `appointment-remind-${p.appointmentId}-${p.step}`,
    opts: { attempts: 5, backoff: { type: 'exponential', delay: 30_000 }, ...KEEP },
    limitMs: 2 * 60_000,
  },
}
