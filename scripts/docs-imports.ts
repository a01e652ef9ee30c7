/** Rewrites the generated tables of docs/imports.md from the kind definitions (`npm run docs:imports`). */
import { readFileSync, writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { renderImportDocs } from './lib/import-docs.ts'

const file = fileURLToPath(new URL('../docs/imports.md', import.meta.url))
const before = readFileSync(file, 'utf8')
const after = renderImportDocs(before)
if (after === before) {
  console.log('docs/imports.md is up to date')
} else {
  writeFileSync(file, after)
  console.log('docs/imports.md: generated tables rewritten')
}
