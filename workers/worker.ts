/**
 * Builds the BullMQ workers for every queue, sharing the same services as the HTTP server.
 * Separate from main.ts so tests can start workers in-process against the test database.
 */
import { UnrecoverableError, Worker, type Job } from 'bullmq'
import Value from 'typebox/value'
import type { Redis } from 'ioredis'
import type { Config } from '../server/config.ts'
import type { Container } from '../server/container.ts'
import type { Logger } from '../server/lib/logger.ts'
import { createRedis } from '../server/lib/redis.ts'
import { startHeartbeat, type ActiveJob, type Heartbeat } from '../server/lib/heartbeat.ts'
import {
  JOB_NAMES,
  JOBS,
  JobPayloadSchemas,
  QUEUES,
  QUEUE_NAMES,
  isJobName,
  jobIdOf,
  jobOptions,
  type JobDefinition,
  type JobName,
  type QueueDefinition,
} from '../server/jobs/catalogue.ts'
import { assertEveryJobHasHandler, handlers as defaultHandlers, type Handlers } from './handlers.ts'

export type Workers = { workers: Worker[]; heartbeat: Heartbeat; close(): Promise<void> }

export function startWorkers(opts: {
  config: Config
  services: Container
  log: Logger
  handlers?: Handlers
  lockDurationMs?: number
  /** Upsert the repeatable jobs of the catalogue (the reconciler); tests may drive it by hand. */
  schedules?: boolean
  heartbeat?: { intervalMs?: number; ttlMs?: number }
}): Workers {
  const reg = opts.handlers ?? defaultHandlers
  assertEveryJobHasHandler(reg)
  const { config, services, log } = opts
  const connections: Redis[] = []
  // What this process runs right now, for the heartbeat (and /health: a job past its limit).
  const active = new Map<string, ActiveJob>()

  const processor = async (job: Job) => {
    if (!isJobName(job.name)) {
      throw new UnrecoverableError(`no handler for job ${job.name}`)
    }
    const name: JobName = job.name
    const handler = reg[name]
    // Payloads are re-validated on this side: a bad payload is a bug, not a transient failure.
    const schema = JobPayloadSchemas[name]
    if (!Value.Check(schema, job.data)) {
      throw new UnrecoverableError(`invalid payload for ${job.name}`)
    }
    const started = Date.now()
    const key = `${job.queueName}/${job.id ?? ''}/${started}`
    active.set(key, { name, id: job.id ?? '', startedAt: started, limitMs: JOBS[name].limitMs })
    try {
      const outcome = await handler.handle(job.data as never, {
        // Only what the handler names: a job's reach is visible in its definition.
        services: pick(services, handler.uses),
        log,
        job: { id: job.id ?? '', attemptsMade: job.attemptsMade, updateProgress: (p: object) => job.updateProgress(p) },
      })
      // A job repeated every few seconds (the reconciler) would drown the log: debug level for it.
      const repeat = JOBS[name].repeat
      const frequent = repeat !== undefined && 'everyMs' in repeat && repeat.everyMs < 60_000
      log[frequent ? 'debug' : 'info']({ job: job.name, jobId: job.id, outcome, ms: Date.now() - started }, 'job finished')
      return outcome
    } finally {
      active.delete(key)
    }
  }

  const workers = QUEUE_NAMES.map((queue) => {
    const connection = createRedis(config.REDIS_URL, 'worker')
    connections.push(connection)
    const def: QueueDefinition = QUEUES[queue]
    const worker = new Worker(queue, processor, {
      connection,
      prefix: config.REDIS_PREFIX,
      concurrency: def.concurrency === 'config' ? config.WORKER_CONCURRENCY : def.concurrency,
      ...(def.limiter ? { limiter: { max: def.limiter.max, duration: def.limiter.durationMs } } : {}),
      lockDuration: opts.lockDurationMs ?? 30_000,
      stalledInterval: opts.lockDurationMs ?? 30_000,
      maxStalledCount: 1,
    })
    worker.on('failed', (job, err) => {
      if (!job) {
        return
      }
      const final = job.attemptsMade >= (job.opts.attempts ?? 1) || err instanceof UnrecoverableError
      log.warn({ job: job.name, jobId: job.id, attemptsMade: job.attemptsMade, final, err: { message: err.message } }, 'job failed')
      const followUp = final && isJobName(job.name) ? (JOBS[job.name] as JobDefinition).onFinalFailure?.(job.data as never) : undefined
      if (followUp) {
        // The catalogue says what a final failure leads to; if this enqueue is lost (Redis down,
        // process killed), the domain's sweep in the reconciler finds the failed job and does it.
        void enqueueFollowUp(services, followUp).catch((e: unknown) =>
          log.error(
            { job: job.name, followUp: followUp.name, err: { message: (e as Error).message } },
            'final-failure follow-up not enqueued',
          ),
        )
      }
    })
    worker.on('error', (err) => log.error({ err: { message: err.message }, queue }, 'worker error'))
    return worker
  })

  // Heartbeat and schedules share one fail-fast connection: a beat that cannot reach Redis is skipped.
  const control = createRedis(config.REDIS_URL, 'producer')
  connections.push(control)
  control.connect().catch((err: unknown) => log.warn({ err: { message: (err as Error).message } }, 'heartbeat: Redis unreachable'))
  const heartbeat = startHeartbeat({
    redis: control,
    prefix: config.REDIS_PREFIX,
    activeJobs: () => [...active.values()],
    ...opts.heartbeat,
    onError: (err) => log.debug({ err: { message: err.message } }, 'heartbeat not written'),
  })
  let scheduleTimer: NodeJS.Timeout | undefined
  if (opts.schedules ?? true) {
    void upsertSchedules(services).catch((err: unknown) =>
      log.error({ err: { message: (err as Error).message } }, 'repeatable jobs not scheduled: the reconciler will not run'),
    )
    // A Redis that restarted empty lost the schedules too (the tick, the reconciler): put back any
    // that is missing, soon after a reconnection and every SCHEDULE_CHECK_MS anyway.
    const ensure = () =>
      void upsertSchedules(services, true)
        .then((restored) => {
          if (restored.length > 0) {
            log.warn({ restored }, 'repeatable jobs were missing from Redis: scheduled again')
          }
        })
        .catch((err: unknown) => log.debug({ err: { message: (err as Error).message } }, 'repeatable jobs not checked'))
    let readyOnce = false
    control.on('ready', () => {
      if (readyOnce) {
        setTimeout(ensure, 500).unref()
      }
      readyOnce = true
    })
    scheduleTimer = setInterval(ensure, SCHEDULE_CHECK_MS)
    scheduleTimer.unref()
  }

  return {
    workers,
    heartbeat,
    async close() {
      clearInterval(scheduleTimer)
      await Promise.all(workers.map((w) => w.close()))
      await heartbeat.stop()
      for (const c of connections) {
        c.disconnect()
      }
    },
  }
}

function pick<T extends object, K extends keyof T>(from: T, keys: readonly K[]): Pick<T, K> {
  return Object.fromEntries(keys.map((k) => [k, from[k]])) as Pick<T, K>
}

async function enqueueFollowUp(services: Pick<Container, 'queues'>, followUp: { name: string; payload: Record<string, unknown> }) {
  if (!isJobName(followUp.name) || !Value.Check(JobPayloadSchemas[followUp.name], followUp.payload)) {
    throw new Error(`the catalogue's follow-up ${followUp.name} is not a job of the catalogue or has a wrong payload`)
  }
  await services.queues.enqueue(followUp.name, followUp.payload)
}

/** How often a worker checks that the repeatable jobs still exist in Redis. */
const SCHEDULE_CHECK_MS = 15_000

/**
 * Upserts the catalogue's repeatable jobs: idempotent, so every worker does it at start and
 * BullMQ keeps one schedule per job (one run per tick across all workers). With `onlyMissing`,
 * only those Redis no longer has (it restarted empty); returns the names scheduled.
 * @see https://docs.bullmq.io/guide/job-schedulers
 */
async function upsertSchedules(services: Pick<Container, 'queues'>, onlyMissing = false): Promise<string[]> {
  const done: string[] = []
  for (const name of JOB_NAMES) {
    const def: JobDefinition = JOBS[name]
    const queue = services.queues.get(def.queue)
    if (def.repeat && !onlyMissing) {
      // A schedule the catalogue moved to another queue (campaign.tick did) must not run twice.
      for (const other of QUEUE_NAMES.filter((q) => q !== def.queue)) {
        await services.queues.get(other).removeJobScheduler(jobIdOf(name, {}))
      }
    }
    if (def.repeat && !(onlyMissing && (await queue.getJobScheduler(jobIdOf(name, {}))))) {
      const every = 'everyMs' in def.repeat ? { every: def.repeat.everyMs } : { pattern: def.repeat.cron, tz: def.repeat.tz }
      await queue.upsertJobScheduler(jobIdOf(name, {}), every, { name, data: {}, opts: jobOptions(name) })
      done.push(name)
    }
  }
  return done
}
