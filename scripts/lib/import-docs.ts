/**
 * The tables of docs/imports.md, generated from the kind definitions (server/services/imports/kinds)
 * so the reference staff and developers read cannot drift from what the validator does.
 * Each generated block sits between `<!-- generated: <what> -->` and `<!-- /generated -->`;
 * `npm run docs:imports` rewrites them, and tests/unit/imports/docs.test.ts fails when they differ.
 */
import { KINDS, columnsFor, naturalKeyFor, type AttendanceShape, type KindDef } from '../../server/services/imports/kinds/index.ts'
import { GENERIC_ABSENCE, IMPORT_KINDS, PRESENCE_CODES, type ImportKind } from '../../db/vocabulary/index.ts'

const code = (s: string) => `\`${s.replace(/`/g, "'")}\``
const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ')

function kindsTable(): string {
  const rows = ['| kind | label (shown to staff) | analytics | natural key |', '|---|---|---|---|']
  for (const kind of IMPORT_KINDS) {
    const def: KindDef = KINDS[kind]
    const shapes: (AttendanceShape | undefined)[] = def.shapes ? (Object.keys(def.shapes) as AttendanceShape[]) : [undefined]
    for (const shape of shapes) {
      const label = shape && def.shapes ? `${def.label} — ${def.shapes[shape].label.toLowerCase()}` : def.label
      const name = shape ? `${code(kind)} (${shape} shape)` : code(kind)
      rows.push(`| ${name} | ${cell(label)} | ${def.analytics ? 'yes' : '**no**'} | ${naturalKeyFor(def, shape).map(code).join(', ')} |`)
    }
  }
  return rows.join('\n')
}

function columnsTable(kind: ImportKind, shape?: AttendanceShape): string {
  const rows = [
    '| key | label | accepted headers (first = canonical) | req. | format (as shown to staff) | example |',
    '|---|---|---|---|---|---|',
  ]
  for (const c of columnsFor(KINDS[kind], shape)) {
    rows.push(
      `| ${code(c.key)} | ${cell(c.label)} | ${c.aliases.map(code).join(', ')} | ${c.required ? '**yes**' : 'no'} | ${cell(c.format)} | ${code(c.example)} |`,
    )
  }
  return rows.join('\n')
}

/** Presence codes grouped by the value stored; the generic absences depend on the `justif` column. */
function presenceTable(): string {
  const groups = new Map<string, string[]>()
  for (const [raw, value] of Object.entries(PRESENCE_CODES)) {
    const target = GENERIC_ABSENCE.has(raw)
      ? `${code(value)}, or ${code('absent_justified')} when ${code('justif')} is ${code('O')}`
      : code(value)
    groups.set(target, [...(groups.get(target) ?? []), raw])
  }
  const rows = ['| code in the file (any case, accents ignored) | `statut_presence` |', '|---|---|']
  for (const [target, raws] of groups) {
    rows.push(`| ${raws.map(code).join(', ')} | ${target} |`)
  }
  return rows.join('\n')
}

function render(what: string): string {
  const [name, kind, shape] = what.trim().split(/\s+/)
  if (name === 'kinds') {
    return kindsTable()
  }
  if (name === 'presence-codes') {
    return presenceTable()
  }
  if (name === 'columns' && kind && (IMPORT_KINDS as readonly string[]).includes(kind)) {
    if (shape !== undefined && shape !== 'session' && shape !== 'week') {
      throw new Error(`docs/imports.md: unknown shape "${shape}" in <!-- generated: ${what} -->`)
    }
    return columnsTable(kind as ImportKind, shape)
  }
  throw new Error(`docs/imports.md: unknown generated block <!-- generated: ${what} -->`)
}

const BLOCK = /(<!-- generated: ([^>]+?) -->\n)[\s\S]*?(\n<!-- \/generated -->)/g

/** The same document with every generated block rendered afresh. */
export function renderImportDocs(markdown: string): string {
  return markdown.replace(BLOCK, (_all, open: string, what: string, close: string) => `${open}${render(what)}${close}`)
}
