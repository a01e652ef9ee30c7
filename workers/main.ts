/**
 * Worker process entry point: no HTTP. On SIGINT/SIGTERM it stops taking jobs, lets running
 * ones finish (an import left mid-way is rolled back and retried), then closes the queues,
 * Redis and the database, in that order.
 */
import { loadConfigOrExit } from '../server/config.ts'
import { createContainer } from '../server/container.ts'
import { createDatabase } from '../db/client.ts'
import { createLogger } from '../server/lib/logger.ts'
import { createSmtpMailer } from '../server/lib/mailer.ts'
import { createQueues } from '../server/lib/queue.ts'
import { connectRedis, createRedis } from '../server/lib/redis.ts'
import { startWorkers } from './worker.ts'

const config = loadConfigOrExit()
const log = createLogger(config, 'worker')
const database = createDatabase(config.DATABASE_URL, { max: config.WORKER_CONCURRENCY * 2 + 2, appName: 'repere-worker' })
const producer = createRedis(config.REDIS_URL, 'producer')
try {
  await connectRedis(producer)
  await database.sql`select 1`
} catch (err) {
  log.fatal({ err: { message: (err as Error).message } }, 'worker could not reach PostgreSQL or Redis')
  process.exit(1)
}
const queues = createQueues(producer, config.REDIS_PREFIX)
// Pooled: a campaign sends thousands of messages, each reusing an open connection.
const mailer = createSmtpMailer(config, { pool: true })
const services = createContainer({ config, database, redis: producer, queues, mailer, log })
const workers = startWorkers({ config, services, log, lockDurationMs: config.WORKER_LOCK_MS })
log.info({ queues: workers.workers.map((w) => w.name), concurrency: config.WORKER_CONCURRENCY }, 'workers started')

let closing = false
async function shutdown(signal: string) {
  if (closing) {
    return
  }
  closing = true
  log.info({ signal }, 'workers closing')
  const force = setTimeout(() => {
    log.error('workers did not close within 30 s: exiting')
    process.exit(1)
  }, 30_000)
  force.unref()
  try {
    await workers.close()
    await queues.close()
    producer.disconnect()
    await mailer.close()
    await database.close()
  } finally {
    clearTimeout(force)
  }
  process.exit(0)
}
process.on('SIGINT', () => void shutdown('SIGINT'))
process.on('SIGTERM', () => void shutdown('SIGTERM'))
