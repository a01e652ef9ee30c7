/**
 * "A job must follow this database change", for the journey's services. The shape is the one of
 * the transactional outbox (h1b's `outbox.service.ts`: `add(tx, name, payload, { delayMs })` in the
 * transaction, `dispatch(ids)` after the commit), so switching to it is a one-line change in
 * server/container.ts once it lands on main.
 * TODO(outbox): until then `direct` keeps the jobs in memory and enqueues them after the commit:
 * a crash between the commit and the enqueue loses them (the outbox closes that gap).
 */
import type { DbOrTx } from '../../db/client.ts'
import type { JobName, JobPayloads } from '../../workers/queues.ts'
import type { Queues } from '../lib/queue.ts'
import type { Logger } from '../lib/logger.ts'

export type FollowUps = {
  add<K extends JobName>(q: DbOrTx, name: K, payload: JobPayloads[K], opts?: { delayMs?: number }): Promise<number>
  dispatch(ids: number[]): Promise<void>
}

export function directFollowUps({ queues, log }: { queues: Pick<Queues, 'enqueue'>; log: Logger }): FollowUps {
  let next = 0
  const pending = new Map<number, () => Promise<string>>()
  return {
    add(_q, name, payload, opts = {}) {
      const id = ++next
      pending.set(id, () => queues.enqueue(name, payload, opts))
      return Promise.resolve(id)
    },
    async dispatch(ids) {
      for (const id of ids) {
        const run = pending.get(id)
        pending.delete(id)
        try {
          await run?.()
        } catch (err) {
          log.warn({ err: { message: (err as Error).message } }, 'follow-up job could not be enqueued')
        }
      }
    },
  }
}
