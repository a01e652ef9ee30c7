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
import { JobPayloadSchemas, QUEUE_NAMES, type JobName } from './queues.ts'
import { assertEveryJobHasHandler, registry, type Registry } from './registry.ts'

export type Workers = { workers: Worker[]; close(): Promise<void> }

export function startWorkers(opts: {
  config: Config
  services: Container
  log: Logger
  registry?: Registry
  lockDurationMs?: number
}): Workers {
  const reg = opts.registry ?? registry
  assertEveryJobHasHandler(reg)
  const { config, services, log } = opts
  const connections: Redis[] = []

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
    const outcome = await handler(job.data, {
      services,
      log,
      job: { id: job.id ?? '', attemptsMade: job.attemptsMade, updateProgress: (p: object) => job.updateProgress(p) },
    })
    log.info({ job: job.name, jobId: job.id, outcome, ms: Date.now() - started }, 'job finished')
    return outcome
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
        const { importId } = job.data as { importId: string }
        void services.importProcessor
          .markFailed(importId)
          .then(() => services.notifications.importFinished(importId))
          .catch((e: unknown) => log.error({ err: e }, 'could not mark import failed'))
      }
    })
    worker.on('error', (err) => log.error({ err: { message: err.message }, queue }, 'worker error'))
    return worker
  })

  return {
    workers,
    async close() {
      await Promise.all(workers.map((w) => w.close()))
      for (const c of connections) {
        c.disconnect()
      }
    },
  }
}
