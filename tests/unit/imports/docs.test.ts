import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { renderImportDocs } from '../../../scripts/lib/import-docs.ts'
import { IMPORT_KINDS } from '../../../db/vocabulary/index.ts'
import { KINDS } from '../../../server/services/imports/kinds/index.ts'
import { RESULT_CODES } from '../../../db/vocabulary/index.ts'

const DOC = readFileSync(new URL('../../../docs/imports.md', import.meta.url), 'utf8')

describe('docs/imports.md', () => {
  it('has its generated tables up to date with the kind definitions (npm run docs:imports)', () => {
    expect(renderImportDocs(DOC)).toBe(DOC)
  })

  it('has a column table for every kind and shape', () => {
    for (const kind of IMPORT_KINDS) {
      const shapes = KINDS[kind].shapes ? Object.keys(KINDS[kind].shapes) : ['']
      for (const shape of shapes) {
        expect(DOC).toContain(`<!-- generated: columns ${kind}${shape ? ` ${shape}` : ''} -->`)
      }
    }
  })

  it('detects a drift: a changed label no longer matches', () => {
    const drifted = DOC.replace('Inscriptions des étudiants', 'Inscriptions')
    expect(drifted).not.toBe(DOC)
    expect(renderImportDocs(drifted)).toBe(DOC)
  })

  it('lists every Apogée result code, each with the value the code table gives it', () => {
    const section = DOC.slice(DOC.indexOf('### Results'), DOC.indexOf('## Indicators'))
    for (const [raw, value] of Object.entries(RESULT_CODES)) {
      const row = section.split('\n').find((l) => l.startsWith('|') && l.includes(`\`${raw}\``))
      expect(row, `result code ${raw}`).toBeDefined()
      expect(row).toContain(`\`${value}\``)
    }
  })
})
