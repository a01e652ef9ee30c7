/**
 * The demo cohort (scripts/demo/cohort.ts) must import without a single row error, through the
 * project's own reader, header resolution and validator, and be byte-identical from one run to the
 * next (the platform refuses a file it already imported, by sha256: that keeps the demo seed idempotent).
 */
import { createHash } from 'node:crypto'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { writeDemoCohort, describeDemoCohort, type DemoFile, type DemoKind } from '../../scripts/demo/cohort.ts'
import { openCsv, type CsvDelimiter, type CsvEncoding } from '../../server/lib/csv/reader.ts'
import { resolveHeaders } from '../../server/services/imports/headers.ts'
import { detectIdentifierValues } from '../../server/services/imports/identifiers.ts'
import { IMPORT_KINDS, KINDS, naturalKeyFor, type RowValues } from '../../server/services/imports/kinds/index.ts'
import { compileValidator, type RowError } from '../../server/services/imports/validate.ts'

const INTENDED: Record<DemoKind, { encoding: CsvEncoding; delimiter: CsvDelimiter; shape?: 'session' }> = {
  etudiants: { encoding: 'windows-1252', delimiter: ';' },
  assiduite: { encoding: 'utf-8-bom', delimiter: ';', shape: 'session' },
  resultats: { encoding: 'utf-8', delimiter: '\t' },
  activite_ent: { encoding: 'utf-8', delimiter: ';' },
  contacts: { encoding: 'utf-8-bom', delimiter: ';' },
  devenir: { encoding: 'utf-8', delimiter: ',' },
}

interface Parsed {
  file: DemoFile
  encoding: CsvEncoding
  delimiter: CsvDelimiter
  shape: string | undefined
  missing: string[]
  unknown: string[]
  duplicates: string[]
  identifiers: string[]
  valueFindings: string[]
  errors: RowError[]
  rows: RowValues[]
  indicators: Record<string, number | null>[]
  duplicateKeys: number
}

/** Reads one file exactly as the import worker does, keeping every parsed row. */
async function parse(file: DemoFile): Promise<Parsed> {
  const csv = await openCsv(file.path)
  const resolution = resolveHeaders(file.kind, csv.headers)
  const def = KINDS[file.kind]
  const validate = compileValidator(def, resolution)
  const keyColumns = naturalKeyFor(def, resolution.shape)
  const keys = new Set<string>()
  const out: Parsed = {
    file,
    encoding: csv.encoding,
    delimiter: csv.delimiter,
    shape: resolution.shape,
    missing: resolution.missing.map((c) => c.key),
    unknown: resolution.unknown,
    duplicates: resolution.duplicates.map((d) => d.key),
    identifiers: resolution.identifiers.map((f) => f.header),
    valueFindings: detectIdentifierValues(csv.sample, csv.headers, { kind: file.kind, resolution }).map((f) => f.header),
    errors: [],
    rows: [],
    indicators: [],
    duplicateKeys: 0,
  }
  for await (const batch of csv.batches) {
    for (const row of batch) {
      const r = validate(row.fields, row.line)
      if (!r.ok) {
        out.errors.push(...r.errors)
        continue
      }
      const key = keyColumns.map((k) => String(r.values[k] ?? '')).join('|')
      if (keys.has(key)) {
        out.duplicateKeys++
      }
      keys.add(key)
      out.rows.push(r.values)
      out.indicators.push(r.indicators)
    }
  }
  return out
}

async function sha256(path: string): Promise<string> {
  return createHash('sha256')
    .update(await readFile(path))
    .digest('hex')
}

const dirs: string[] = []
async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'repere-demo-'))
  dirs.push(dir)
  return dir
}

afterAll(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })))
})

describe('demo cohort, default size', () => {
  let files: DemoFile[]
  let generationMs: number
  const parsed = new Map<DemoKind, Parsed>()
  const PAST_ATTENDANCE = 'assiduite-L1-L2-S1-2025.csv'
  let pastAttendance: Parsed

  beforeAll(async () => {
    const dir = await tempDir()
    const started = performance.now()
    files = await writeDemoCohort(dir)
    generationMs = performance.now() - started
    for (const f of files) {
      // Last year's attendance is a second `assiduite` file, read on its own (`pastAttendance`).
      if (f.fileName === PAST_ATTENDANCE) {
        pastAttendance = await parse(f)
      } else {
        parsed.set(f.kind, await parse(f))
      }
    }
  }, 60_000)

  const get = (kind: DemoKind): Parsed => parsed.get(kind)!

  it('writes one file per kind, etudiants first, quickly and at a modest size', () => {
    expect(files.map((f) => f.kind)).toEqual(['etudiants', 'assiduite', 'assiduite', 'resultats', 'activite_ent', 'contacts', 'devenir'])
    expect(new Set(files.map((f) => f.kind))).toEqual(new Set(IMPORT_KINDS))
    // ~0.5 s on a laptop; the bound leaves room for a busy CI machine.
    expect(generationMs).toBeLessThan(10_000)
    const assiduite = files.find((f) => f.kind === 'assiduite')!
    expect(assiduite.rows).toBeGreaterThan(40_000)
    expect(assiduite.rows).toBeLessThanOrEqual(150_000)
  })

  it.each(IMPORT_KINDS)('%s is read with the intended encoding and delimiter', (kind) => {
    const p = get(kind)
    expect({ encoding: p.encoding, delimiter: p.delimiter }).toEqual({
      encoding: INTENDED[kind].encoding,
      delimiter: INTENDED[kind].delimiter,
    })
    expect(p.shape).toBe(INTENDED[kind].shape)
  })

  it.each(IMPORT_KINDS)('%s resolves every header, with no identifier column', (kind) => {
    const p = get(kind)
    expect(p.missing).toEqual([])
    expect(p.unknown).toEqual([])
    expect(p.duplicates).toEqual([])
    expect(p.identifiers).toEqual([])
    expect(p.valueFindings).toEqual([])
  })

  it.each(IMPORT_KINDS)('%s validates every row, with unique natural keys', (kind) => {
    const p = get(kind)
    expect(p.errors.slice(0, 5)).toEqual([])
    expect(p.errors.length).toBe(0)
    expect(p.rows.length).toBe(p.file.rows)
    expect(p.duplicateKeys).toBe(0)
  })

  it('refers only to students of the etudiants file, in the right academic years', () => {
    const etudiants = get('etudiants').rows
    const current = new Set(etudiants.filter((r) => r.annee_univ === '2026/2027').map((r) => r.id_pseudo))
    const previous = new Set(etudiants.filter((r) => r.annee_univ === '2025/2026').map((r) => r.id_pseudo))
    expect(current.size).toBe(1200)
    expect(previous.size).toBeGreaterThan(600)
    const outside = (kind: DemoKind, ok: (r: RowValues) => boolean): number => get(kind).rows.filter((r) => !ok(r)).length
    const inTerm = (d: unknown): boolean => typeof d === 'string' && d >= '2026-09-07' && d <= '2026-11-27'
    expect(outside('assiduite', (r) => current.has(r.id_pseudo) && r.annee_univ === '2026/2027' && inTerm(r.date_seance))).toBe(0)
    expect(outside('activite_ent', (r) => current.has(r.id_pseudo) && r.annee_univ === '2026/2027' && inTerm(r.semaine))).toBe(0)
    expect(outside('contacts', (r) => current.has(r.id_pseudo) && /^$|@etudiant\.univ-reims\.test$/.test(String(r.email ?? '')))).toBe(0)
    expect(outside('resultats', (r) => previous.has(r.id_pseudo) && r.annee_univ === '2025/2026')).toBe(0)
    const devenir = get('devenir').rows
    expect(new Set(devenir.map((r) => r.id_pseudo))).toEqual(previous)
    expect(devenir.every((r) => r.annee_univ === '2025/2026')).toBe(true)
  })

  it('has last year’s attendance, valid, in 2025/2026’s first semester, lower for those who dropped out', () => {
    const p = pastAttendance
    expect({ encoding: p.encoding, delimiter: p.delimiter, shape: p.shape }).toEqual({
      encoding: 'utf-8-bom',
      delimiter: ';',
      shape: 'session',
    })
    expect(p.errors.length).toBe(0)
    expect(p.duplicateKeys).toBe(0)
    expect(p.rows.length).toBeGreaterThan(30_000)
    const etudiants = get('etudiants').rows
    const previous = new Set(etudiants.filter((r) => r.annee_univ === '2025/2026').map((r) => r.id_pseudo))
    const inTerm = (d: unknown): boolean => typeof d === 'string' && d >= '2025-09-08' && d <= '2025-12-19'
    expect(p.rows.filter((r) => !(previous.has(r.id_pseudo) && r.annee_univ === '2025/2026' && inTerm(r.date_seance))).length).toBe(0)
    // The story a model can learn: in November 2025, those who later dropped out attended far less.
    const dropped = new Set(
      get('devenir')
        .rows.filter((r) => r.devenir === 'abandon')
        .map((r) => r.id_pseudo),
    )
    const rate = (test: (id: unknown) => boolean) => {
      const november = p.rows.filter(
        (r) => test(r.id_pseudo) && String(r.date_seance) >= '2025-11-03' && String(r.date_seance) <= '2025-11-28',
      )
      return november.filter((r) => r.statut_presence === 'present' || r.statut_presence === 'late').length / november.length
    }
    const droppedRate = rate((id) => dropped.has(id as string))
    const othersRate = rate((id) => !dropped.has(id as string))
    expect(droppedRate).toBeLessThan(0.5)
    expect(othersRate).toBeGreaterThan(0.7)
    expect(othersRate - droppedRate).toBeGreaterThan(0.25)
  })

  it('has the intended structure: levels, grants, oui si, home communes, contacts, tutoring', () => {
    const current = get('etudiants').rows.filter((r) => r.annee_univ === '2026/2027')
    const share = (rows: RowValues[], test: (r: RowValues) => boolean): number => rows.filter(test).length / rows.length
    const l1 = current.filter((r) => r.niveau === 'L1')
    expect(share(current, (r) => r.niveau === 'L1')).toBeCloseTo(0.45, 1)
    expect(new Set(current.map((r) => r.niveau))).toEqual(new Set(['L1', 'L2', 'L3', 'M1', 'M2', 'BUT1', 'BUT2']))
    expect(share(current, (r) => r.boursier === true)).toBeCloseTo(0.4, 1)
    expect(current.every((r) => (r.boursier === true) === (r.echelon_bourse !== null))).toBe(true)
    expect(share(l1, (r) => r.oui_si === true)).toBeGreaterThan(0.05)
    expect(share(l1, (r) => r.oui_si === true)).toBeLessThan(0.12)
    const outside = share(current, (r) => !String(r.commune_insee).startsWith('51'))
    expect(outside).toBeGreaterThan(0.06)
    expect(outside).toBeLessThan(0.14)
    expect(current.every((r) => typeof r.annee_naissance === 'number' && r.annee_naissance <= 2009)).toBe(true)
    expect(get('etudiants').indicators.every((i) => i.tutorat === 0 || i.tutorat === 1)).toBe(true)
    const contacts = get('contacts').rows.length / current.length
    expect(contacts).toBeGreaterThan(0.6)
    expect(contacts).toBeLessThan(0.7)
    expect(
      new Set(
        get('contacts')
          .rows.map((r) => r.telephone)
          .filter((t) => t !== null),
      ).size,
    ).toBe(get('contacts').rows.filter((r) => r.telephone !== null).length)
  })

  it('tells a story: about 15 % drift, attendance and Moodle activity fall in November for them', () => {
    const summary = describeDemoCohort()
    expect(summary.drifting / summary.students).toBeGreaterThan(0.12)
    expect(summary.drifting / summary.students).toBeLessThan(0.18)

    const absent = (month: string): number => {
      const rows = get('assiduite').rows.filter((r) => String(r.date_seance).slice(5, 7) === month)
      return rows.filter((r) => r.statut_presence === 'absent_unjustified' || r.statut_presence === 'absent_justified').length / rows.length
    }
    expect(absent('11')).toBeGreaterThan(absent('09') + 0.05)

    const logins = (week: string): number => {
      const rows = get('activite_ent').rows.filter((r) => r.semaine === week)
      return rows.reduce((a, r) => a + Number(r.connexions), 0) / rows.length
    }
    // Second week vs last week (the first week is inflated by the start of term).
    expect(logins('2026-11-23')).toBeLessThan(logins('2026-09-14'))

    const codes = new Set(get('resultats').rows.map((r) => r.resultat_raw))
    for (const code of ['ADM', 'AJ', 'ABI', 'ABJ', 'DEF', 'AJAC', 'ADC']) {
      expect(codes.has(code), code).toBe(true)
    }
    const outcomes = new Set(get('devenir').rows.map((r) => r.devenir))
    expect(outcomes).toEqual(new Set(['reinscrit', 'diplome', 'abandon', 'reorientation']))
  })
})

describe('demo cohort, determinism', () => {
  it('gives byte-identical files for the same arguments, and other files for another seed', async () => {
    const [a, b, c] = await Promise.all([tempDir(), tempDir(), tempDir()])
    const first = await writeDemoCohort(a, { students: 120, seed: 7 })
    const second = await writeDemoCohort(b, { students: 120, seed: 7 })
    const other = await writeDemoCohort(c, { students: 120, seed: 8 })
    expect(first.map((f) => f.fileName)).toEqual(second.map((f) => f.fileName))
    for (let i = 0; i < first.length; i++) {
      expect(await sha256(second[i]!.path), first[i]!.fileName).toBe(await sha256(first[i]!.path))
      expect(await sha256(other[i]!.path), first[i]!.fileName).not.toBe(await sha256(first[i]!.path))
    }
  })

  it('validates cleanly at a small size too', async () => {
    const files = await writeDemoCohort(await tempDir(), { students: 40, seed: 3 })
    for (const f of files) {
      const p = await parse(f)
      expect({ kind: f.kind, errors: p.errors.slice(0, 3), missing: p.missing, unknown: p.unknown, findings: p.valueFindings }).toEqual({
        kind: f.kind,
        errors: [],
        missing: [],
        unknown: [],
        findings: [],
      })
    }
  })
})
