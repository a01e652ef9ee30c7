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
import { startHeartbeat, type ActiveJob, type Heartbeat } from './heartbeat.ts'
import { JOB_NAMES, JOBS, JobPayloadSchemas, QUEUE_NAMES, type JobName } from './queues.ts'
import { assertEveryJobHasHandler, registry, type Registry } from './registry.ts'

export type Workers = { workers: Worker[]; heartbeat: Heartbeat; close(): Promise<void> }

export function startWorkers(opts: {
  config: Config
  services: Container
  log: Logger
  registry?: Registry
  lockDurationMs?: number
  /** Upsert the repeatable jobs of the catalogue (the reconciler); tests may drive it by hand. */
  schedules?: boolean
  heartbeat?: { intervalMs?: number; ttlMs?: number }
}): Workers {
  const reg = opts.registry ?? registry
  assertEveryJobHasHandler(reg)
  const { config, services, log } = opts
  const connections: Redis[] = []
  // What this process runs right now, for the heartbeat (and /health: a job past its limit).
  const active = new Map<string, ActiveJob>()

  const processor = async (job: Job) => {
    const name = job.name as JobName
    const handler = reg[name] as ((p: unknown, ctx: unknown) => Promise<string>) | undefined
    if (!handler) {
      throw new UnrecoverableError(`no handler for job ${job.name}`)
    }
    // Payloads are re-validated on this side: a bad payload is a bug, not a transient failure.
    const schema = JobPayloadSchemas[name]
    if (!Value.Check(schema, job.data)) {
      throw new UnrecoverableError(`invalid payload for ${job.name}`)
    }
    const started = Date.now()
    const key = `${job.queueName}/${job.id ?? ''}/${started}`
    active.set(key, { name, id: job.id ?? '', startedAt: started, limitMs: JOBS[name].limitMs })
    try {
      const outcome = await handler(job.data, {
        services,
        log,
        job: { id: job.id ?? '', attemptsMade: job.attemptsMade, updateProgress: (p: object) => job.updateProgress(p) },
      })
      log.info({ job: job.name, jobId: job.id, outcome, ms: Date.now() - started }, 'job finished')
      return outcome
    } finally {
      active.delete(key)
    }
  }

  const workers = QUEUE_NAMES.map((queue) => {
    const connection = createRedis(config.REDIS_URL, 'worker')
    connections.push(connection)
    const worker = new Worker(queue, processor, {
      connection,
      prefix: config.REDIS_PREFIX,
      concurrency: config.WORKER_CONCURRENCY,
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
      if (final && job.name === 'import.process') {
        // Guarded (only this run, only from `processing`); the e-mail goes through the outbox.
        // If this process dies before it runs, the reconciler finds the failed job and does it.
        const { importId, run } = job.data as { importId: string; run?: number }
        void services.importProcessor
          .markFailed(importId, run ?? 1)
          .catch((e: unknown) => log.error({ importId, err: { message: (e as Error).message } }, 'could not mark import failed'))
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
  if (opts.schedules ?? true) {
    void upsertSchedules(services).catch((err: unknown) =>
      log.error({ err: { message: (err as Error).message } }, 'repeatable jobs not scheduled: the reconciler will not run'),
    )
  }

  return {
    workers,
    heartbeat,
    async close() {
      await Promise.all(workers.map((w) => w.close()))
      await heartbeat.stop()
      for (const c of connections) {
        c.disconnect()
      }
    },
  }
}

/**
 * Upserts the catalogue's repeatable jobs: idempotent, so every worker does it at start and
 * BullMQ keeps one schedule per job (one run per tick across all workers).
 * @see https://docs.bullmq.io/guide/job-schedulers
 */
async function upsertSchedules(services: Container): Promise<void> {
  for (const name of JOB_NAMES) {
    const def = JOBS[name]
    if (def.repeat) {
      await services.queues
        .get(def.queue)
        .upsertJobScheduler(def.jobId({} as never), { every: def.repeat.everyMs }, { name, data: {}, opts: def.opts })
    }
  }
}
