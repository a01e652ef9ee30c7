import type { JobHandler } from '../registry.ts'

/**
 * `outbox.reconcile`, repeatable: first each domain's sweep (work left half-way: imports left
 * `queued` or `processing` without a live job), which may record new outbox rows, then the
 * outbox flush, which enqueues every pending row. Later domains add their sweep here.
 */
export const reconcileJob: JobHandler<'outbox.reconcile'> = async (_payload, { services, log }) => {
  const imports = await services.importRecovery.sweep()
  const flushed = await services.outbox.flush()
  const pruned = await services.outbox.prune()
  if (imports.requeued || imports.failed || flushed.enqueued || flushed.failed || pruned) {
    log.info({ imports, outbox: flushed, pruned }, 'reconciled')
  }
  return flushed.failed > 0 ? 'failed' : 'done'
}
