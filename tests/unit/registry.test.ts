import Value from 'typebox/value'
import { describe, expect, it } from 'vitest'
import { JOB_NAMES, JOBS, JobPayloadSchemas } from '../../workers/queues.ts'
import { assertEveryJobHasHandler, registry } from '../../workers/registry.ts'

describe('job registry', () => {
  it('has a handler, options and a payload schema for every job name', () => {
    expect(() => assertEveryJobHasHandler(registry)).not.toThrow()
    for (const name of JOB_NAMES) {
      expect(typeof registry[name]).toBe('function')
      expect(JOBS[name].queue).toMatch(/^[a-z]+$/)
      expect(JobPayloadSchemas[name]).toBeDefined()
    }
  })

  it('refuses to start when a job has no handler, naming it', () => {
    const { 'score.cohort': _dropped, ...partial } = registry
    expect(() => assertEveryJobHasHandler(partial)).toThrow(/score\.cohort/)
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
      expect(JOBS[name].jobId({ importId: id, run: 3, universityId: id, academicYear: '2026/2027' } as never)).not.toContain(':')
    }
  })

  it('gives every job a run-time limit, and schedules the reconciler', () => {
    for (const name of JOB_NAMES) {
      expect(JOBS[name].limitMs).toBeGreaterThan(0)
    }
    expect(JOBS['outbox.reconcile'].repeat?.everyMs).toBeLessThanOrEqual(10_000)
  })

  it('accepts ids only in payloads: no personal data, nothing extra', () => {
    const schema = JobPayloadSchemas['import.process']
    expect(Value.Check(schema, { importId: '6f1c6a4e-8f1e-4c57-9a53-0a7a1f0b9c11' })).toBe(true)
    expect(Value.Check(schema, { importId: 'pas-un-uuid' })).toBe(false)
    expect(Value.Check(schema, { importId: '6f1c6a4e-8f1e-4c57-9a53-0a7a1f0b9c11', email: 'x@example.fr' })).toBe(false)
  })
})
