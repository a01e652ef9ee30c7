import { defineHandler } from '../job-context.ts'

/**
 * `import.process`: parse, validate, COPY and merge one import, all or nothing. Its follow-ups
 * (scoring, the uploader's e-mail) are written to the outbox in the transaction that ends it.
 */
export const processImportJob = defineHandler('import.process', ['importProcessor'], async (payload, { services, job }) => {
  const outcome = await services.importProcessor.process(payload, async (progress) => {
    await job.updateProgress(progress)
  })
  return outcome === 'succeeded' ? 'done' : outcome
})

/**
 * `import.fail`: the catalogue's final-failure follow-up of `import.process`. Guarded (only this
 * run, only from `processing`); the e-mail goes through the outbox. If this job is lost, the
 * reconciler finds the failed job and does the same.
 */
export const failImportJob = defineHandler('import.fail', ['importProcessor'], async ({ importId, run }, { services }) =>
  (await services.importProcessor.markFailed(importId, run)) ? 'done' : 'skipped',
)
