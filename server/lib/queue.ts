/**
 * The producer side of the job catalogue (server/jobs/catalogue.ts): one BullMQ Queue per queue
 * name, sharing one producer Redis connection, and a typed `enqueue`.
 */
import { Queue } from 'bullmq'
import type { Redis } from 'ioredis'
import { JOBS, QUEUE_NAMES, jobIdOf, jobOptions, type JobName, type JobPayloads, type QueueName } from '../jobs/catalogue.ts'

export type Queues = {
  enqueue<K extends JobName>(name: K, payload: JobPayloads[K], opts?: { delayMs?: number }): Promise<string>
  all(): Queue[]
  get(name: QueueName): Queue
  close(): Promise<void>
}

export function createQueues(connection: Redis, prefix: string): Queues {
  const queues = new Map<QueueName, Queue>(QUEUE_NAMES.map((name) => [name, new Queue(name, { connection, prefix })]))
  const get = (name: QueueName): Queue => {
    const q = queues.get(name)
    if (!q) {
      throw new Error(`unknown queue ${name}`)
    }
    return q
  }
  return {
    async enqueue(name, payload, opts = {}) {
      const jobId = jobIdOf(name, payload)
      await get(JOBS[name].queue).add(name, payload, { ...jobOptions(name), jobId, ...(opts.delayMs ? { delay: opts.delayMs } : {}) })
      return jobId
    },
    all: () => [...queues.values()],
    get,
    async close() {
      await Promise.all([...queues.values()].map((q) => q.close()))
    },
  }
}
