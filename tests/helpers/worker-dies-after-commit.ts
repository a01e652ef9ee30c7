/**
 * A worker process that dies (SIGKILL, as the OOM killer would) right after an import's
 * transaction commits, before it enqueues anything: the moment issue #7 says work was lost.
 * Built like workers/main.ts; only the after-commit dispatch is replaced by the kill.
 * Run by tests/integration/import-stuck.test.ts.
 */
import { createDatabase } from '../../db/client.ts'
import { loadConfig } from '../../server/config.ts'
import { createContainer } from '../../server/container.ts'
import { createLogger } from '../../server/lib/logger.ts'
import { memoryMailer } from '../../server/lib/mailer.ts'
import { createQueues } from '../../server/lib/queue.ts'
import { connectRedis, createRedis } from '../../server/lib/redis.ts'
import { startWorkers } from '../../workers/worker.ts'

const config = loadConfig(process.env)
const log = createLogger(config, 'worker')
const database = createDatabase(config.DATABASE_URL, { max: 4, appName: 'repere-test-dying-worker' })
const producer = await connectRedis(createRedis(config.REDIS_URL, 'producer'))
const queues = createQueues(producer, config.REDIS_PREFIX)
const services = createContainer({ config, database, redis: producer, queues, mailer: memoryMailer(), log })
services.outbox.dispatch = (ids) => {
  if (ids.length > 0) {
    process.kill(process.pid, 'SIGKILL')
  }
  return Promise.resolve()
}
startWorkers({ config, services, log, lockDurationMs: config.WORKER_LOCK_MS, schedules: false })
