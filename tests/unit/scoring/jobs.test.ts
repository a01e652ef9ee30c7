import Value from 'typebox/value'
import { describe, expect, it } from 'vitest'
import { JOBS, JobPayloadSchemas } from '../../../server/jobs/catalogue.ts'

describe('scoring jobs in the catalogue', () => {
  it('have deterministic, colon-free ids built from ids only', () => {
    const modelId = '6f1c6a4e-8f1e-4c57-9a53-0a7a1f0b9c11'
    const ids = [
      JOBS['score.run'].jobId({ runId: 12 }),
      JOBS['score.batch'].jobId({ runId: 12, fromId: 500, toId: 999 }),
      JOBS['score.nightly'].jobId({}),
      JOBS['model.train'].jobId({ modelId }),
    ]
    expect(ids).toEqual(['score-run-12', 'score-batch-12-500', 'score-nightly', `train-${modelId}`])
    expect(ids.every((id) => !id.includes(':'))).toBe(true)
  })

  it('refuse payloads with anything but ids', () => {
    expect(Value.Check(JobPayloadSchemas['score.batch'], { runId: 1, fromId: 1, toId: 2 })).toBe(true)
    expect(Value.Check(JobPayloadSchemas['score.batch'], { runId: 1, fromId: 1, toId: 2, pseudoId: 'x' })).toBe(false)
    expect(Value.Check(JobPayloadSchemas['model.train'], { modelId: 'pas-un-uuid' })).toBe(false)
    expect(Value.Check(JobPayloadSchemas['score.nightly'], {})).toBe(true)
  })
})
