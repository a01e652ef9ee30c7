/**
 * Code comments and docs cite only what is in the repository (docs/principles.md#code-conventions):
 * every `docs/<file>.md#<anchor>` and Markdown link to a `.md` file must reach an existing file and
 * heading, and nothing may cite the research notes kept outside the repository.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..')
const SELF = relative(ROOT, fileURLToPath(import.meta.url))
const SKIP_DIRS = new Set(['node_modules', '.git', 'var', 'coverage', 'test-results', 'tmp'])
const SCANNED = /\.(ts|js|cjs|mjs|hbs|md)$/

/** Notes that live outside the repository, and their "§3.2" section numbers. Built in pieces so this file does not match itself. */
const OUTSIDE = [new RegExp(['domain-fr', 'design\\.md', 'style\\.md', '/work/' + 'shared'].join('|')), new RegExp('\u00a7\\s*\\d')]

/** GitHub's heading anchor: lower case, punctuation dropped (letters, digits, `-`, `_` kept), spaces → `-`. */
function slug(heading: string): string {
  const text = heading
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1') // links and images keep their text
    .replace(/<[^>]+>/g, '') // inline HTML
    .trim()
    .toLowerCase()
  return text.replace(/[^\p{L}\p{N}\p{M}\s_-]/gu, '').replace(/\s/g, '-')
}

/** The anchors of a Markdown file's headings, outside code fences, with GitHub's `-1`, `-2` for repeats. */
function anchorsOf(markdown: string): Set<string> {
  const anchors = new Set<string>()
  const seen = new Map<string, number>()
  let fence: string | null = null
  for (const line of markdown.split(/\r?\n/)) {
    const f = /^\s*(`{3,}|~{3,})/.exec(line)
    if (f) {
      const mark = f[1]!
      if (fence === null) {
        fence = mark[0]!.repeat(mark.length)
      } else if (mark.startsWith(fence)) {
        fence = null
      }
      continue
    }
    const h = fence === null ? /^ {0,3}#{1,6}\s+(.*?)\s*#*\s*$/.exec(line) : null
    if (h) {
      const base = slug(h[1]!)
      const n = seen.get(base) ?? 0
      seen.set(base, n + 1)
      anchors.add(n === 0 ? base : `${base}-${n}`)
    }
  }
  return anchors
}

type Reference = { target: string; anchor: string | null; line: number; text: string }

/**
 * References in a file: `docs/<file>.md[#anchor]` anywhere (from the repository root, or with `../`
 * from the file), and in Markdown files the links `](<file>.md#anchor)` and `](#anchor)`, from the
 * file's directory. Web addresses are not references.
 */
function referencesIn(file: string, content: string): Reference[] {
  const refs: Reference[] = []
  const dir = dirname(file)
  content.split(/\r?\n/).forEach((lineText, i) => {
    const line = i + 1
    for (const m of lineText.matchAll(/(?<![\w/.:-])((?:\.\.\/)*)(docs\/[\w.-]+\.md)(?:#([\w\p{L}-]+))?/gu)) {
      const target = m[1] ? join(dir, m[1], m[2]!) : m[2]!
      refs.push({ target, anchor: m[3] ?? null, line, text: m[0] })
    }
    if (!file.endsWith('.md')) {
      return
    }
    for (const m of lineText.matchAll(/\]\(([^)\s#]*)(?:#([^)\s]+))?\)/g)) {
      const path = m[1]!
      if (/^[a-z]+:/i.test(path) || (path !== '' && !path.endsWith('.md'))) {
        continue
      }
      refs.push({ target: path === '' ? file : join(dir, path), anchor: m[2] ?? null, line, text: m[0] })
    }
  })
  return refs
}

/** The broken references and outside citations of some files, as `path:line: message`. */
function problems(files: Map<string, string>, readTarget: (path: string) => string | null): string[] {
  const out: string[] = []
  const anchorCache = new Map<string, Set<string> | null>()
  for (const [file, content] of files) {
    content.split(/\r?\n/).forEach((lineText, i) => {
      for (const re of OUTSIDE) {
        const m = re.exec(lineText)
        if (m) {
          out.push(`${file}:${i + 1}: cites "${m[0]}", which is not in the repository (use docs/domain.md or docs/principles.md)`)
        }
      }
    })
    for (const ref of referencesIn(file, content)) {
      if (!anchorCache.has(ref.target)) {
        const text = readTarget(ref.target)
        anchorCache.set(ref.target, text === null ? null : anchorsOf(text))
      }
      const anchors = anchorCache.get(ref.target)
      if (anchors === null || anchors === undefined) {
        out.push(`${file}:${ref.line}: ${ref.text}: no file ${ref.target}`)
      } else if (ref.anchor !== null && !anchors.has(ref.anchor)) {
        out.push(`${file}:${ref.line}: ${ref.text}: no heading #${ref.anchor} in ${ref.target}`)
      }
    }
  }
  return out
}

function repositoryFiles(dir = ROOT): string[] {
  const files: string[] = []
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.isDirectory()) {
      if (!SKIP_DIRS.has(entry.name)) {
        files.push(...repositoryFiles(join(dir, entry.name)))
      }
    } else if (SCANNED.test(entry.name)) {
      files.push(relative(ROOT, join(dir, entry.name)))
    }
  }
  return files
}

const readFromRoot = (path: string): string | null => {
  const full = join(ROOT, path)
  return existsSync(full) ? readFileSync(full, 'utf8') : null
}

describe('GitHub heading anchors', () => {
  it('lower-cases, drops punctuation and turns spaces into hyphens', () => {
    expect(slug('Result and absence codes')).toBe('result-and-absence-codes')
    expect(slug('Nothing lost, nothing twice')).toBe('nothing-lost-nothing-twice')
    expect(slug('`etudiants` — enrolments')).toBe('etudiants--enrolments')
    expect(slug('Indicators: `indicateur_*` columns')).toBe('indicators-indicateur_-columns')
    expect(slug('Speed: `npm run bench -- score`')).toBe('speed-npm-run-bench----score')
    expect(slug('Codes Apogée')).toBe('codes-apogée')
  })

  it('ignores headings in code fences and numbers repeated headings', () => {
    const anchors = anchorsOf('# A\n```bash\n# 1. not a heading\n```\n## A\n### B #\n')
    expect([...anchors]).toEqual(['a', 'a-1', 'b'])
  })
})

describe('the reference checker', () => {
  const seedReadme = 'See [this](../../docs/domain.md#csv-habits) and [that](#seed).\n# Seed\n'
  const docs = new Map([
    ['docs/domain.md', '# Domain\n## CSV habits\n'],
    ['docs/principles.md', '# Principles\n'],
    ['db/seed-data/README.md', seedReadme],
  ])
  const read = (path: string): string | null => docs.get(path) ?? null

  it('accepts references that exist', () => {
    const files = new Map([
      ['server/x.ts', '// docs/domain.md#csv-habits and docs/principles.md'],
      ['db/seed-data/README.md', seedReadme],
      ['docs/principles.md', 'See [domain](domain.md#csv-habits), <https://example.org/docs/nope.md#x>.'],
    ])
    expect(problems(files, read)).toEqual([])
  })

  it('reports a missing file, a missing heading and outside notes', () => {
    const files = new Map([
      ['server/x.ts', '// docs/nowhere.md\n// docs/domain.md#csv\n// see domain-fr.md \u00a73.2\n'],
      ['docs/principles.md', 'See [domain](domain.md#nope) and style.md.'],
    ])
    expect(problems(files, read)).toEqual([
      'server/x.ts:3: cites "domain-fr", which is not in the repository (use docs/domain.md or docs/principles.md)',
      'server/x.ts:3: cites "\u00a73", which is not in the repository (use docs/domain.md or docs/principles.md)',
      'server/x.ts:1: docs/nowhere.md: no file docs/nowhere.md',
      'server/x.ts:2: docs/domain.md#csv: no heading #csv in docs/domain.md',
      'docs/principles.md:1: cites "style.md", which is not in the repository (use docs/domain.md or docs/principles.md)',
      'docs/principles.md:1: ](domain.md#nope): no heading #nope in docs/domain.md',
    ])
  })
})

describe('the repository', () => {
  it('cites only files and headings that exist, and no note kept outside it', () => {
    const files = new Map(
      repositoryFiles()
        .filter((f) => f !== SELF)
        .map((f) => [f, readFileSync(join(ROOT, f), 'utf8')] as const),
    )
    expect(files.size).toBeGreaterThan(50)
    expect(problems(files, readFromRoot)).toEqual([])
  })

  it('has the two docs the code cites', () => {
    const cited = new Set<string>()
    for (const f of repositoryFiles()) {
      for (const ref of referencesIn(f, readFileSync(join(ROOT, f), 'utf8'))) {
        cited.add(ref.target)
      }
    }
    expect(cited).toContain('docs/domain.md')
    expect(cited).toContain('docs/principles.md')
  })
})
