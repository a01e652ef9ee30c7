/**
 * The job catalogue: every job name, its queue, its payload schema and its options, in one
 * typed map shared by producers (server) and consumers (workers).
 * Payloads carry ids, never personal data; job ids are deterministic and colon-free so that
 * enqueuing the same work twice is a no-op while the first is still known to BullMQ.
 * @see https://docs.bullmq.io/guide/jobs/job-ids
 */
import Type, { type Static, type TSchema } from 'typebox'
import type { JobsOptions } from 'bullmq'

export const QUEUE_NAMES = ['imports', 'scoring', 'notifications'] as const
export type QueueName = (typeof QUEUE_NAMES)[number]

const Uuid = Type.String({ format: 'uuid' })

export const JobPayloadSchemas = {
  'import.process': Type.Object({ importId: Uuid }, { additionalProperties: false }),
  'score.cohort': Type.Object(
    { universityId: Uuid, academicYear: Type.String({ pattern: '^\\d{4}/\\d{4}$' }), importId: Uuid },
    { additionalProperties: false },
  ),
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
}

const KEEP = { removeOnComplete: { count: 1_000, age: 7 * 24 * 3600 }, removeOnFail: { count: 5_000 } }

/** Job options live here and only here. */
export const JOBS: { [K in JobName]: JobDefinition<K> } = {
  'import.process': {
    queue: 'imports',
    jobId: (p) => `import-${p.importId}`,
    // A crash mid-import rolls the transaction back; the job is retried, then marked failed.
    opts: { attempts: 3, backoff: { type: 'exponential', delay: 5_000 }, ...KEEP },
  },
  'score.cohort': {
    queue: 'scoring',
    jobId: (p) => `score-${p.importId}`,
    opts: { attempts: 5, backoff: { type: 'exponential', delay: 10_000 }, ...KEEP },
  },
  'appointment.confirm': {
    queue: 'notifications',
    jobId: (p) => `appointment-confirm-${p.appointmentId}`,
    // A mail server that is down delays the confirmation; the claim column keeps it to one send.
    opts: { attempts: 8, backoff: { type: 'exponential', delay: 15_000 }, ...KEEP },
  },
  'appointment.remind': {
    queue: 'notifications',
    jobId: (p) => `appointment-remind-${p.appointmentId}-${p.step}`,
    opts: { attempts: 5, backoff: { type: 'exponential', delay: 30_000 }, ...KEEP },
  },
}
