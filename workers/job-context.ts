/**
 * What a job handler receives and returns. A handler names the services it uses and gets only
 * those (a `Pick` of the container), so a job's reach is visible in its definition.
 */
import type { Container } from '../server/container.ts'
import type { JobName, JobPayloads } from '../server/jobs/catalogue.ts'
import type { Logger } from '../server/lib/logger.ts'

export type JobContext<S extends keyof Container = never> = {
  services: Pick<Container, S>
  log: Logger
  job: { id: string; attemptsMade: number; updateProgress(progress: object): Promise<void> }
}

/** What a handler reports; BullMQ stores it as the job's return value. */
export type JobOutcome = 'done' | 'skipped' | 'failed'

export type JobHandler<K extends JobName = JobName, S extends keyof Container = keyof Container> = {
  name: K
  uses: readonly S[]
  handle(payload: JobPayloads[K], ctx: JobContext<S>): Promise<JobOutcome>
}

/** `defineHandler('import.process', ['importProcessor'], async (payload, { services }) => …)`. */
export function defineHandler<K extends JobName, S extends keyof Container>(
  name: K,
  uses: readonly S[],
  handle: (payload: JobPayloads[K], ctx: JobContext<S>) => Promise<JobOutcome>,
): JobHandler<K, S> {
  return { name, uses, handle }
}
