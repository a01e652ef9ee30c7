import type { JobHandler } from '../registry.ts'

/**
 * `import.process`: parse, validate, COPY and merge one import, all or nothing. Its follow-ups
 * (scoring, the uploader's e-mail) are written to the outbox in the transaction that ends it.
 */
export const processImportJob: JobHandler<'import.process'> = async (payload, { services, job }) => {
  const outcome = await services.importProcessor.process(payload, async (progress) => {
    await job.updateProgress(progress)
  })
  return outcome === 'succeeded' ? 'done' : outcome
}
