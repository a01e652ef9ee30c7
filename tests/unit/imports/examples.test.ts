import { readFileSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import {
  IMPORT_KINDS,
  KINDS,
  compileValidator,
  detectIdentifierValues,
  openCsv,
  resolveHeaders,
  type RowError,
} from '../../../server/services/imports/index.ts'
import { EXAMPLES, EXAMPLES_DIR, renderExample } from '../../fixtures/imports/examples.ts'

describe('example files (templates/examples)', () => {
  it('cover every kind and both attendance shapes', () => {
    expect(new Set(EXAMPLES.map((e) => e.kind))).toEqual(new Set(IMPORT_KINDS))
    expect(EXAMPLES.filter((e) => e.kind === 'assiduite').map((e) => e.shape)).toEqual(['session', 'week'])
    expect(readdirSync(EXAMPLES_DIR).sort()).toEqual(EXAMPLES.map((e) => e.file).sort())
  })

  it.each(EXAMPLES)('$file is up to date with tests/fixtures/imports/examples.ts', (example) => {
    expect(readFileSync(join(EXAMPLES_DIR, example.file), 'utf8')).toBe(renderExample(example))
  })

  it.each(EXAMPLES)('$file validates cleanly', async (example) => {
    const csv = await openCsv(join(EXAMPLES_DIR, example.file))
    expect(csv.encoding).toBe('utf-8-bom')
    expect(csv.delimiter).toBe(';')
    const resolution = resolveHeaders(example.kind, csv.headers)
    expect(resolution.shape).toBe(example.shape)
    expect(resolution.missing).toEqual([])
    expect(resolution.unknown).toEqual([])
    expect(resolution.identifiers).toEqual([])
    expect(resolution.duplicates).toEqual([])
    expect(detectIdentifierValues(csv.sample, csv.headers, { kind: example.kind, resolution })).toEqual([])
    const validate = compileValidator(KINDS[example.kind], resolution)
    const errors: RowError[] = []
    let rows = 0
    for await (const row of csv.rows) {
      const r = validate(row.fields, row.line)
      rows++
      if (!r.ok) {
        errors.push(...r.errors)
      }
    }
    expect(errors).toEqual([])
    expect(rows).toBeGreaterThanOrEqual(5)
    expect(rows).toBeLessThanOrEqual(10)
  })
})

describe('docs/imports.md', () => {
  const doc = readFileSync(new URL('../../../docs/imports.md', import.meta.url), 'utf8')

  it('documents every kind and column', () => {
    for (const kind of IMPORT_KINDS) {
      expect(doc, kind).toContain(`\`${kind}\``)
      for (const column of KINDS[kind].columns) {
        expect(doc, `${kind}.${column.key}`).toContain(`\`${column.key}\``)
      }
    }
  })

  it('keeps the API section for the upload route', () => {
    expect(doc).toMatch(/^## Uploading with the API$/m)
  })
})
