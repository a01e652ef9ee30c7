import type { JobHandler } from '../registry.ts'

/** `import.process`: parse, validate, COPY and merge one import, all or nothing. */
export const processImportJob: JobHandler<'import.process'> = async ({ importId }, { services, job }) => {
  const outcome = await services.importProcessor.process(importId, async (progress) => {
    await job.updateProgress(progress)
  })
  if (outcome !== 'skipped') {
    await services.notifications.importFinished(importId)
  }
  return outcome === 'succeeded' ? 'done' : outcome
}
