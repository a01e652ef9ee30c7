import Value from 'typebox/value'
import { describe, expect, it } from 'vitest'
import { JOB_NAMES, JOBS, JobPayloadSchemas, QUEUES, isJobName, jobOptions, type JobDefinition } from '../../server/jobs/catalogue.ts'
import { assertEveryJobHasHandler, handlers } from '../../workers/handlers.ts'

describe('job catalogue and handlers', () => {
  it('has a handler, a queue, options and a payload schema for every job name', () => {
    expect(() => assertEveryJobHasHandler(handlers)).not.toThrow()
    for (const name of JOB_NAMES) {
      expect(handlers[name].name).toBe(name)
      expect(typeof handlers[name].handle).toBe('function')
      expect(Object.keys(QUEUES)).toContain(JOBS[name].queue)
      expect(JobPayloadSchemas[name]).toBeDefined()
      expect(jobOptions(name).attempts).toBe(JOBS[name].attempts)
    }
  })

  it('refuses to start when a job has no handler, naming it', () => {
    const { 'score.cohort': _dropped, ...partial } = handlers
    expect(() => assertEveryJobHasHandler(partial)).toThrow(/score\.cohort/)
    // A handler filed under another job's name is as good as missing.
    expect(() => assertEveryJobHasHandler({ ...handlers, 'score.cohort': handlers['score.run'] })).toThrow(/score\.cohort/)
  })

  it('builds deterministic, colon-free job ids from payload ids only', () => {
    const id = '6f1c6a4e-8f1e-4c57-9a53-0a7a1f0b9c11'
    expect(JOBS['import.process'].jobId({ importId: id })).toBe(`import-${id}`)
    expect(JOBS['import.process'].jobId({ importId: id })).not.toContain(':')
    expect(JOBS['score.cohort'].jobId({ importId: id, universityId: id, academicYear: '2026/2027' })).toBe(`score-${id}`)
    // A retry or a takeover is a new run, hence a new job; run 1 keeps the id jobs had before runs.
    expect(JOBS['import.process'].jobId({ importId: id, run: 1 })).toBe(`import-${id}`)
    expect(JOBS['import.process'].jobId({ importId: id, run: 2 })).toBe(`import-${id}-r2`)
    expect(JOBS['import.notify'].jobId({ importId: id, run: 2 })).toBe(`import-notify-${id}-r2`)
    for (const name of JOB_NAMES) {
      const def: JobDefinition = JOBS[name]
      expect(
        def.jobId({ importId: id, run: 3, universityId: id, academicYear: '2026/2027', runId: 1, fromId: 1, toId: 2, modelId: id }),
      ).not.toContain(':')
    }
  })

  it('gives every job a run-time limit, and schedules the reconciler and the nightly scoring', () => {
    for (const name of JOB_NAMES) {
      expect(JOBS[name].limitMs).toBeGreaterThan(0)
    }
    expect(JOBS['outbox.reconcile'].repeat).toEqual({ everyMs: expect.any(Number) as number })
    expect((JOBS['outbox.reconcile'].repeat as { everyMs: number }).everyMs).toBeLessThanOrEqual(10_000)
    expect(JOBS['score.nightly'].repeat).toEqual({ cron: '0 3 * * *', tz: 'Europe/Paris' })
  })

  it('names, for every final-failure follow-up, a job of the catalogue with a valid payload', () => {
    const id = '6f1c6a4e-8f1e-4c57-9a53-0a7a1f0b9c11'
    const followUp = JOBS['import.process'].onFinalFailure?.({ importId: id })
    expect(followUp).toEqual({ name: 'import.fail', payload: { importId: id, run: 1 } })
    for (const name of JOB_NAMES) {
      const def: JobDefinition = JOBS[name]
      const f = def.onFinalFailure?.({ importId: id, run: 2, messageId: id, n: 1 })
      if (f) {
        expect(isJobName(f.name), f.name).toBe(true)
        expect(Value.Check(JobPayloadSchemas[f.name as keyof typeof JobPayloadSchemas], f.payload)).toBe(true)
      }
    }
  })

  it('accepts ids only in payloads: no personal data, nothing extra', () => {
    const schema = JobPayloadSchemas['import.process']
    expect(Value.Check(schema, { importId: '6f1c6a4e-8f1e-4c57-9a53-0a7a1f0b9c11' })).toBe(true)
    expect(Value.Check(schema, { importId: 'pas-un-uuid' })).toBe(false)
    expect(Value.Check(schema, { importId: '6f1c6a4e-8f1e-4c57-9a53-0a7a1f0b9c11', email: 'x@example.fr' })).toBe(false)
  })
})
