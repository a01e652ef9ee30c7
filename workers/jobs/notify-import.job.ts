import type { JobHandler } from '../registry.ts'

/** `import.notify`: tells the uploader that run `run` of an import ended (at most one e-mail per run). */
export const notifyImportJob: JobHandler<'import.notify'> = async ({ importId, run }, { services }) =>
  (await services.notifications.importRunEnded(importId, run)) === 'sent' ? 'done' : 'skipped'
