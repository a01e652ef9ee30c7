/**
 * The job catalogue: every queue and every job, defined once — name, queue, payload schema,
 * deterministic job id, attempts and backoff, run-time limit, repeat schedule, and what happens
 * when the last attempt fails. Producers (server/lib/queue.ts, the outbox) and consumers
 * (workers/) both import this module; it imports neither of them, nor any service.
 *
 * Payloads carry ids, never personal data; job ids are deterministic and colon-free so that
 * enqueuing the same work twice is a no-op while the first is still known to BullMQ.
 * @see https://docs.bullmq.io/guide/jobs/job-ids
 */
import Type, { type Static, type TSchema } from 'typebox'
import type { JobsOptions } from 'bullmq'

/** How many jobs of a queue one worker process runs at once (`config` = WORKER_CONCURRENCY), and an optional rate limit. */
export type QueueDefinition = {
  concurrency: number | 'config'
  /** BullMQ's limiter: at most `max` jobs per `durationMs` across every worker of the queue. */
  limiter?: { max: number; durationMs: number }
}

export const QUEUES = {
  imports: { concurrency: 'config' },
  scoring: { concurrency: 'config' },
  notifications: { concurrency: 'config' },
  // Campaign messages: the tick queues them (rate, window, capacity), each send reserves its pacing slot; the claim keeps each to one send.
  campaigns: { concurrency: 'config' },
  // The reconciler and the campaign tick: one at a time is enough, and two would only race for the
  // same rows. The tick is here, not behind thousands of message.send jobs, so it runs every 10 s.
  maintenance: { concurrency: 1 },
} as const satisfies Record<string, QueueDefinition>

export type QueueName = keyof typeof QUEUES
export const QUEUE_NAMES = Object.keys(QUEUES) as QueueName[]

/** A job the worker records when another one has failed for good (the reconciler catches it if that enqueue is lost). */
export type FollowUp = { name: string; payload: Record<string, unknown> }

export type JobDefinition<S extends TSchema = TSchema> = {
  queue: QueueName
  payload: S
  jobId: (payload: Static<S>) => string
  attempts: number
  backoff?: { type: 'exponential' | 'fixed'; delay: number }
  /** A run longer than this is reported by the worker heartbeat and /health (the job is not killed). */
  limitMs: number
  /** Repeatable jobs: the workers upsert this schedule at start (every N ms, or a cron in a time zone). */
  repeat?: { everyMs: number } | { cron: string; tz: string }
  /** What the last failed attempt leads to; without it a final failure is only logged (and kept in BullMQ). */
  onFinalFailure?: (payload: Static<S>) => FollowUp
  /** How many finished jobs BullMQ keeps, for the queue dashboard. */
  keep?: { completed: number; failed: number }
}

const job = <S extends TSchema>(definition: JobDefinition<S>): JobDefinition<S> => definition

const Uuid = Type.String({ format: 'uuid' })
const Run = Type.Integer({ minimum: 1 })
const Id = Type.Integer({ minimum: 1 })
const payload = <P extends Record<string, TSchema>>(properties: P) => Type.Object(properties, { additionalProperties: false })

export const JOBS = {
  /** Parse, validate, COPY and merge one import, all or nothing. `run` (1 when absent): see `imports.run`. */
  'import.process': job({
    queue: 'imports',
    payload: payload({ importId: Uuid, run: Type.Optional(Run) }),
    // Run 1 keeps the id jobs had before runs existed; a retry or a takeover is a new job.
    jobId: (p) => ((p.run ?? 1) === 1 ? `import-${p.importId}` : `import-${p.importId}-r${p.run}`),
    // A crash mid-import rolls the transaction back; the job is retried, then the import is failed.
    attempts: 3,
    backoff: { type: 'exponential', delay: 5_000 },
    limitMs: 30 * 60_000,
    onFinalFailure: (p) => ({ name: 'import.fail', payload: { importId: p.importId, run: p.run ?? 1 } }),
  }),
  /** Records that an import's run failed for good (guarded: only that run, only from `processing`). */
  'import.fail': job({
    queue: 'imports',
    payload: payload({ importId: Uuid, run: Run }),
    jobId: (p) => `import-fail-${p.importId}-r${p.run}`,
    attempts: 5,
    backoff: { type: 'exponential', delay: 5_000 },
    limitMs: 60_000,
  }),
  /** Tells the uploader that a run of an import ended (at most one e-mail per run). */
  'import.notify': job({
    queue: 'notifications',
    payload: payload({ importId: Uuid, run: Run }),
    jobId: (p) => `import-notify-${p.importId}-r${p.run}`,
    // A mail server that is down delays the e-mail; it never fails the import.
    attempts: 8,
    backoff: { type: 'exponential', delay: 15_000 },
    limitMs: 2 * 60_000,
  }),
  /** New data for a cohort: opens or joins its pending (debounced) scoring run. */
  'score.cohort': job({
    queue: 'scoring',
    payload: payload({ universityId: Uuid, academicYear: Type.String({ pattern: '^\\d{4}/\\d{4}$' }), importId: Uuid }),
    jobId: (p) => `score-${p.importId}`,
    attempts: 5,
    backoff: { type: 'exponential', delay: 10_000 },
    limitMs: 30 * 60_000,
  }),
  /**
   * A cohort's run, after the debounce delay: plans the batches. `wake` (absent on the run's first
   * job) names what woke a run that waited: the run that ended before it, or the nightly sweep.
   */
  'score.run': job({
    queue: 'scoring',
    payload: payload({ runId: Id, wake: Type.Optional(Type.String({ pattern: '^[a-z0-9-]{1,40}$' })) }),
    jobId: (p) => (p.wake ? `score-run-${p.runId}-${p.wake}` : `score-run-${p.runId}`),
    attempts: 5,
    backoff: { type: 'exponential', delay: 10_000 },
    limitMs: 5 * 60_000,
  }),
  /** A few hundred students: features, model, scores, in one transaction. */
  'score.batch': job({
    queue: 'scoring',
    payload: payload({ runId: Id, fromId: Id, toId: Id }),
    jobId: (p) => `score-batch-${p.runId}-${p.fromId}`,
    attempts: 5,
    backoff: { type: 'exponential', delay: 5_000 },
    limitMs: 10 * 60_000,
  }),
  /** Every cohort, every night at 03:00 in Paris, after the nightly exports of the universities. */
  'score.nightly': job({
    queue: 'scoring',
    payload: payload({}),
    jobId: () => 'score-nightly',
    attempts: 3,
    backoff: { type: 'exponential', delay: 60_000 },
    limitMs: 10 * 60_000,
    repeat: { cron: '0 3 * * *', tz: 'Europe/Paris' },
  }),
  /** Fits a model on a labelled cohort and stores its metrics; never activates it. */
  'model.train': job({
    queue: 'scoring',
    payload: payload({ modelId: Uuid }),
    jobId: (p) => `train-${p.modelId}`,
    attempts: 2,
    backoff: { type: 'exponential', delay: 30_000 },
    limitMs: 30 * 60_000,
  }),
  /** The confirmation e-mail (with its .ics) of a booked appointment; claimed first, so sent at most once. */
  'appointment.confirm': job({
    queue: 'notifications',
    payload: payload({ appointmentId: Uuid }),
    jobId: (p) => `appointment-confirm-${p.appointmentId}`,
    // A mail server that is down delays the confirmation; the claim column keeps it to one send.
    attempts: 8,
    backoff: { type: 'exponential', delay: 15_000 },
    limitMs: 2 * 60_000,
  }),
  /** A reminder 48 h or 2 h before, by the channels the student gave; skipped once cancelled. */
  'appointment.remind': job({
    queue: 'notifications',
    payload: payload({ appointmentId: Uuid, step: Type.Union([Type.Literal('48h'), Type.Literal('2h')]) }),
    jobId: (p) => `appointment-remind-${p.appointmentId}-${p.step}`,
    attempts: 5,
    backoff: { type: 'exponential', delay: 30_000 },
    limitMs: 2 * 60_000,
  }),
  /** After a no-show: « on reprend rendez-vous ? » with a new link, once (claim column), if the student gave an e-mail. */
  'appointment.no_show_follow_up': job({
    queue: 'notifications',
    payload: payload({ appointmentId: Uuid }),
    jobId: (p) => `appointment-no-show-${p.appointmentId}`,
    attempts: 8,
    backoff: { type: 'exponential', delay: 15_000 },
    limitMs: 2 * 60_000,
  }),
  /** Every running campaign: start the due ones, queue the next messages within rate, window and capacity, recover stale claims. */
  'campaign.tick': job({
    queue: 'maintenance',
    payload: payload({}),
    jobId: () => 'campaign-tick',
    attempts: 1,
    limitMs: 60_000,
    repeat: { everyMs: 10_000 },
    keep: { completed: 100, failed: 100 },
  }),
  /** One campaign message: claim the row, re-check consent and suppression, render, send. `n`: the dispatch number. */
  'message.send': job({
    queue: 'campaigns',
    payload: payload({ messageId: Uuid, n: Type.Integer({ minimum: 1 }) }),
    jobId: (p) => `message-${p.messageId}-${p.n}`,
    // Transient SMTP or provider failures: retried with backoff; the claim keeps each to one send.
    attempts: 5,
    backoff: { type: 'exponential', delay: 30_000 },
    limitMs: 2 * 60_000,
    onFinalFailure: (p) => ({ name: 'message.fail', payload: { messageId: p.messageId } }),
  }),
  /** A message given up on after its last attempt (only if nobody sent it meanwhile). */
  'message.fail': job({
    queue: 'campaigns',
    payload: payload({ messageId: Uuid }),
    jobId: (p) => `message-fail-${p.messageId}`,
    attempts: 5,
    backoff: { type: 'exponential', delay: 10_000 },
    limitMs: 60_000,
  }),
  /** The reconciler: domain sweeps, then the outbox flush. A failed run is simply the next one. */
  'outbox.reconcile': job({
    queue: 'maintenance',
    payload: payload({}),
    jobId: () => 'outbox-reconcile',
    attempts: 1,
    limitMs: 60_000,
    repeat: { everyMs: 5_000 },
    keep: { completed: 100, failed: 100 },
  }),
}

export type JobName = keyof typeof JOBS
export type JobPayloads = { [K in JobName]: Static<(typeof JOBS)[K]['payload']> }
export const JOB_NAMES = Object.keys(JOBS) as JobName[]

/** Payload schemas by job name (producers check before writing, workers re-check before running). */
export const JobPayloadSchemas = Object.fromEntries(JOB_NAMES.map((n) => [n, JOBS[n].payload])) as {
  [K in JobName]: (typeof JOBS)[K]['payload']
}

export function isJobName(name: string): name is JobName {
  return Object.hasOwn(JOBS, name)
}

/** The job's id for a payload (deterministic: the same work has the same id). */
export function jobIdOf<K extends JobName>(name: K, p: JobPayloads[K]): string {
  return (JOBS[name].jobId as (p: JobPayloads[K]) => string)(p)
}

/** BullMQ options of a job: the one place they are built. */
export function jobOptions(name: JobName): JobsOptions {
  const def: JobDefinition = JOBS[name]
  const keep = def.keep ?? { completed: 1_000, failed: 5_000 }
  return {
    attempts: def.attempts,
    ...(def.backoff ? { backoff: def.backoff } : {}),
    removeOnComplete: { count: keep.completed, age: 7 * 24 * 3600 },
    removeOnFail: { count: keep.failed },
  }
}
