/**
 * A deterministic synthetic cohort of URCA students for the demo: one CSV file per import kind,
 * written the way university staff would produce them (Apogée/Excel in Windows-1252, Excel "CSV UTF-8"
 * with a BOM, tab-separated extractions, a Moodle report, a comma-separated BI export).
 *
 *   npx tsx scripts/demo/cohort.ts [dir] [--students=1200] [--seed=20261128]
 *
 * The data tell a story the scoring can find, on purpose noisy rather than a caricature: about 15 % of
 * the current students "drift" (attendance falls, mostly from October on, with more unjustified
 * absences; Moodle logins fade a little earlier), and drifting is more likely in L1, in law and STAPS
 * first years, for "oui si" admissions, grant holders of high échelons, late registrations and students
 * living far from their campus. Last year's results and outcomes (2025/2026) carry the same
 * correlations, so a model trained on them finds the same signals.
 *
 * Same arguments → byte-identical files (the platform refuses a file it already imported, by sha256,
 * which keeps the demo seed idempotent): every random draw comes from a seeded generator (rng.ts), and
 * every date is fixed. "Today" is 2026-11-28: the academic year 2026/2027 started in September 2026.
 *
 * Pseudonyms are 22 base64url characters of sha256('demo-' + index), like the keyed hashes of
 * scripts/pseudonymise.ts. Names, e-mails (`.test` domain) and phone numbers (ARCEP's range reserved
 * for fiction, 06 39 98 xx xx) are invented.
 */
import { createHash } from 'node:crypto'
import { mkdir, writeFile } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import iconv from 'iconv-lite'
import {
  CAMPUS,
  CAMPUS_TOWN,
  FIRST_NAMES,
  LEVEL_SHARES,
  OUTSIDE_MARNE,
  PROGRAMMES,
  SURNAMES,
  day,
  elpCode,
  firstSemester,
  frDate,
  isoDate,
  isoWeekLabel,
  kindOfLevel,
  loadMarneCommunes,
  mailPart,
  stepCode,
  stepLabel,
  usualBirthYear,
  weekday,
  type Commune,
  type Level,
  type Programme,
} from './catalogue.ts'
import { Rng, WeightedTable, sigmoid } from './rng.ts'

export type DemoKind = 'etudiants' | 'assiduite' | 'resultats' | 'activite_ent' | 'contacts' | 'devenir'

export interface DemoFile {
  kind: DemoKind
  fileName: string
  path: string
  /** Data rows (header excluded). */
  rows: number
  bytes: number
}

export const DEFAULT_STUDENTS = 1200
export const DEFAULT_SEED = 20261128

const CURRENT_YEAR = 2026
const PREVIOUS_YEAR = 2025
const TERM_START = day(2026, 9, 7)
const TERM_END = day(2026, 11, 27)
/** Autumn break (pause pédagogique de la Toussaint) and Armistice day: no classes. */
const BREAK = [day(2026, 10, 26), day(2026, 10, 31)] as const
const HOLIDAYS = new Set([day(2026, 11, 11)])
const TERM_WEEKS = Math.floor((TERM_END - TERM_START) / 7) + 1

// ---------------------------------------------------------------------------------------------
// People
// ---------------------------------------------------------------------------------------------

type Outcome = 'reinscrit' | 'diplome' | 'abandon' | 'reorientation'
/** How a 2025/2026 year ended: passed to the next level, repeated, moved programme, graduated, left. */
type Path = 'pass' | 'repeat' | 'reorient_in' | 'graduate' | 'abandon' | 'reorient_out'

interface Enrolment {
  year: number
  programme: Programme
  level: Level
  birthYear: number
  echelon: string | null
  commune: Commune
  registered: number
  iaStatus: 'VALIDE' | 'ANNULE'
  ipStatus: 'O' | 'N'
  regime: string
  ouiSi: boolean | null
  tutorat: boolean
}

interface PastYear {
  enrolment: Enrolment
  path: Path
  outcome: Outcome
  /** Day the outcome was observed (devenir file), or null when unknown. */
  observed: number | null
}

interface Person {
  index: number
  id: string
  /** Latent risk: structural features plus a personal part (engagement, circumstances). */
  z: number
  past: PastYear | null
  current: Enrolment | null
}

interface Trajectory {
  drift: boolean
  /** Enrolled but never really started (classic L1 pattern): everything absent from day one. */
  ghost: boolean
  onset: number
  ramp: number
  floor: number
  /** Usual attendance rate before any drift. */
  base: number
  /** A week or two of illness (justified absences), for noise. */
  dip: [number, number] | null
  group: number
}

export function pseudoId(index: number): string {
  return createHash('sha256').update(`demo-${index}`).digest('base64url').slice(0, 22)
}

const LEVEL_RISK: Record<Level, number> = { L1: 0.8, L2: 0.35, L3: 0.1, M1: -0.3, M2: -0.55, BUT1: 0.35, BUT2: -0.1 }
const DISTANCE_RISK = [0, 0.15, 0.35, 0.6] as const
const ECHELONS: readonly { echelon: string; weight: number; risk: number }[] = [
  { echelon: '0bis', weight: 28, risk: 0.05 },
  { echelon: '1', weight: 9, risk: 0.1 },
  { echelon: '2', weight: 7, risk: 0.18 },
  { echelon: '3', weight: 7, risk: 0.22 },
  { echelon: '4', weight: 9, risk: 0.28 },
  { echelon: '5', weight: 13, risk: 0.5 },
  { echelon: '6', weight: 12, risk: 0.55 },
  { echelon: '7', weight: 15, risk: 0.6 },
]
/** Intercept of the drift probability, tuned for ~15 % of drifting students with the default cohort. */
const DRIFT_INTERCEPT = -3.1

interface Context {
  seed: number
  marne: WeightedTable<Commune>
  reims: Commune
  chalons: Commune
  outside: WeightedTable<Commune>
  programmesByKind: Record<'licence' | 'master' | 'but', Programme[]>
}

function buildContext(seed: number): Context {
  const communes = loadMarneCommunes()
  const find = (insee: string): Commune => {
    const c = communes.find((x) => x.insee === insee)
    if (c === undefined) {
      throw new Error(`communes-marne.csv: commune ${insee} missing`)
    }
    return c
  }
  return {
    seed,
    marne: new WeightedTable(communes, (c) => c.population),
    reims: find('51454'),
    chalons: find('51108'),
    outside: new WeightedTable<Commune>(OUTSIDE_MARNE, (c) => (c as (typeof OUTSIDE_MARNE)[number]).weight),
    programmesByKind: {
      licence: PROGRAMMES.filter((p) => p.kind === 'licence'),
      master: PROGRAMMES.filter((p) => p.kind === 'master'),
      but: PROGRAMMES.filter((p) => p.kind === 'but'),
    },
  }
}

function drawProgramme(ctx: Context, rng: Rng, level: Level, not?: Programme): Programme {
  const list = ctx.programmesByKind[kindOfLevel(level)].filter((p) => p !== not)
  return rng.weighted(list, (p) => p.weight)
}

function drawCommune(ctx: Context, rng: Rng, campus: string): Commune {
  if (rng.chance(0.1)) {
    return ctx.outside.draw(rng)
  }
  const town = CAMPUS_TOWN[campus as keyof typeof CAMPUS_TOWN]
  if (rng.chance(town === '51108' ? 0.3 : 0.38)) {
    return town === '51108' ? ctx.chalons : ctx.reims
  }
  return ctx.marne.draw(rng)
}

function distanceClass(commune: Commune, campus: string): number {
  return campus === CAMPUS.chalons ? commune.distanceToChalons : commune.distanceToReims
}

interface Profile {
  enrolment: Enrolment
  /** Structural risk (without the personal part). */
  risk: number
  late: boolean
}

/** Registration day: Parcoursup admissions in July, re-enrolments July to September, a late tail. */
function drawRegistration(rng: Rng, year: number, newcomer: boolean): { day: number; late: boolean } {
  const x = rng.next()
  if (newcomer) {
    if (x < 0.6) {
      return { day: day(year, 7, 2) + rng.int(0, 22), late: false }
    }
    if (x < 0.94) {
      return { day: day(year, 8, 24) + rng.int(0, 18), late: false }
    }
    return { day: day(year, 9, 14) + rng.int(0, 11), late: true }
  }
  if (x < 0.45) {
    return { day: day(year, 7, 6) + rng.int(0, 20), late: false }
  }
  if (x < 0.95) {
    return { day: day(year, 8, 24) + rng.int(0, 22), late: false }
  }
  return { day: day(year, 9, 16) + rng.int(0, 12), late: true }
}

/** Skips weekends (registration offices are closed). */
function weekdayOnOrAfter(d: number): number {
  const w = weekday(d)
  return w === 5 ? d + 2 : w === 6 ? d + 1 : d
}

function drawProfile(
  ctx: Context,
  rng: Rng,
  opts: { year: number; level: Level; programme: Programme; ageGap: number; newcomer: boolean; ouiSi?: boolean | null; commune?: Commune },
): Profile {
  const { year, level, programme } = opts
  const commune = opts.commune ?? drawCommune(ctx, rng, programme.campus)
  const distance = distanceClass(commune, programme.campus)
  let grantP = 0.4
  if (commune.departement === '08' || commune.departement === '02') {
    grantP += 0.08
  }
  if (level === 'M1' || level === 'M2') {
    grantP -= 0.1
  }
  const grant = rng.chance(grantP) ? rng.weighted(ECHELONS, (e) => e.weight) : null
  let ouiSi: boolean | null = null
  if (level === 'L1') {
    ouiSi = opts.ouiSi ?? rng.chance(0.09)
  } else if (level === 'BUT1') {
    ouiSi = false
  }
  const tutorat =
    level === 'L1' ? rng.chance(ouiSi ? 0.85 : 0.12) : level === 'L2' || level === 'BUT1' ? rng.chance(0.07) : rng.chance(0.02)
  let regime = 'FI'
  if ((level === 'M2' && rng.chance(0.25)) || (level === 'BUT2' && rng.chance(0.3))) {
    regime = 'FA'
  } else if (opts.ageGap >= 4 && rng.chance(0.4)) {
    regime = 'FC'
  }
  const reg = drawRegistration(rng, year, opts.newcomer)
  const risk =
    LEVEL_RISK[level] +
    (level === 'L1' ? programme.firstYearRisk : 0) +
    (grant ? ECHELONS.find((e) => e === grant)!.risk : 0) +
    (ouiSi ? 0.8 : 0) +
    DISTANCE_RISK[distance]! +
    (commune.rural ? 0.1 : 0) +
    (reg.late ? 0.3 : 0) +
    (opts.ageGap >= 2 ? 0.2 : 0) +
    (tutorat ? -0.2 : 0)
  return {
    risk,
    late: reg.late,
    enrolment: {
      year,
      programme,
      level,
      birthYear: usualBirthYear(level, year) - opts.ageGap,
      echelon: grant ? grant.echelon : null,
      commune,
      registered: weekdayOnOrAfter(reg.day),
      iaStatus: 'VALIDE',
      ipStatus: 'O',
      regime,
      ouiSi,
      tutorat,
    },
  }
}

function drawAgeGap(rng: Rng, atLeast = 0): number {
  const x = rng.next()
  const gap = x < 0.01 ? -1 : x < 0.73 ? 0 : x < 0.92 ? 1 : x < 0.97 ? 2 : rng.int(3, 7)
  return Math.max(gap, atLeast)
}

function drawLevel(rng: Rng): Level {
  return rng.weighted(LEVEL_SHARES, (l) => l.share).level
}

/** Where a current student was last year, given their level. */
function drawOrigin(rng: Rng, level: Level): 'pass' | 'repeat' | 'reorient_in' | 'none' {
  const x = rng.next()
  switch (level) {
    case 'L1':
      return x < 0.11 ? 'repeat' : x < 0.16 ? 'reorient_in' : 'none'
    case 'BUT1':
      return x < 0.07 ? 'repeat' : x < 0.11 ? 'reorient_in' : 'none'
    case 'L2':
      return x < 0.84 ? 'pass' : x < 0.93 ? 'repeat' : 'none'
    case 'L3':
      return x < 0.85 ? 'pass' : x < 0.92 ? 'repeat' : 'none'
    case 'M1':
      return x < 0.72 ? 'pass' : x < 0.77 ? 'repeat' : 'none'
    case 'M2':
      return x < 0.86 ? 'pass' : 'none'
    case 'BUT2':
      return x < 0.9 ? 'pass' : x < 0.95 ? 'repeat' : 'none'
  }
}

const PREVIOUS_LEVEL: Partial<Record<Level, Level>> = { L2: 'L1', L3: 'L2', M1: 'L3', M2: 'M1', BUT2: 'BUT1' }

function previousProgramme(ctx: Context, level: Level, p: Programme): Programme {
  if (level === 'M1' && p.feeder !== undefined) {
    return ctx.programmesByKind.licence.find((l) => l.key === p.feeder) ?? p
  }
  return p
}

/** The 2025/2026 enrolment of someone enrolled in 2026/2027 (same person, one year earlier). */
function pastEnrolment(ctx: Context, rng: Rng, cur: Enrolment, level: Level, programme: Programme): Enrolment {
  const moved = rng.chance(0.08)
  const commune = moved ? drawCommune(ctx, rng, programme.campus) : cur.commune
  let echelon = cur.echelon
  if (echelon !== null && rng.chance(0.15)) {
    const i = ECHELONS.findIndex((e) => e.echelon === echelon)
    echelon = ECHELONS[Math.min(ECHELONS.length - 1, Math.max(0, i + (rng.chance(0.5) ? 1 : -1)))]!.echelon
  } else if (echelon === null && rng.chance(0.05)) {
    echelon = rng.weighted(ECHELONS, (e) => e.weight).echelon
  }
  const ouiSi = level === 'L1' ? (cur.level === 'L1' ? cur.ouiSi : rng.chance(0.06)) : level === 'BUT1' ? false : null
  const reg = drawRegistration(rng, PREVIOUS_YEAR, level === 'L1' || level === 'BUT1')
  return {
    year: PREVIOUS_YEAR,
    programme,
    level,
    birthYear: cur.birthYear,
    echelon,
    commune,
    registered: weekdayOnOrAfter(reg.day),
    iaStatus: 'VALIDE',
    ipStatus: 'O',
    regime: level === 'M1' || level === 'L3' ? 'FI' : cur.regime,
    ouiSi,
    tutorat: level === 'L1' ? rng.chance(ouiSi ? 0.85 : 0.12) : rng.chance(0.05),
  }
}

function makeCurrent(ctx: Context, index: number): { person: Person; trajectory: Trajectory } {
  const rng = new Rng(ctx.seed, 'etudiant', index)
  const level = drawLevel(rng)
  const programme = drawProgramme(ctx, rng, level)
  const origin = drawOrigin(rng, level)
  const newcomer = origin === 'none' && (level === 'L1' || level === 'BUT1')
  const ageGap = drawAgeGap(rng, origin === 'repeat' || origin === 'reorient_in' ? 1 : 0)
  const profile = drawProfile(ctx, rng, { year: CURRENT_YEAR, level, programme, ageGap, newcomer })
  const cur = profile.enrolment
  const personal = rng.normal(0, 0.85)
  const z = profile.risk + personal + (origin === 'repeat' ? 0.3 : 0) + (origin === 'reorient_in' ? 0.2 : 0)

  let past: PastYear | null = null
  if (origin !== 'none') {
    let pastLevel: Level
    let pastProgramme: Programme
    if (origin === 'pass') {
      pastLevel = PREVIOUS_LEVEL[level]!
      pastProgramme = previousProgramme(ctx, level, programme)
    } else if (origin === 'repeat') {
      pastLevel = level
      pastProgramme = programme
    } else if (level === 'L1' && rng.chance(0.7)) {
      pastLevel = 'L1'
      pastProgramme = drawProgramme(ctx, rng, 'L1', programme)
    } else {
      pastLevel = level === 'L1' ? 'BUT1' : 'L1'
      pastProgramme = drawProgramme(ctx, rng, pastLevel)
    }
    const enrolment = pastEnrolment(ctx, rng, cur, pastLevel, pastProgramme)
    const outcome: Outcome = origin === 'reorient_in' ? 'reorientation' : origin === 'pass' && level === 'M1' ? 'diplome' : 'reinscrit'
    const observed = outcome === 'diplome' ? day(2026, 7, 3) + rng.int(0, 7) : rng.chance(0.6) ? cur.registered : day(2026, 10, 15)
    past = { enrolment, path: origin, outcome, observed: rng.chance(0.04) ? null : observed }
  }

  // Current year trajectory.
  const ghost = level === 'L1' && newcomer && rng.chance(0.035 + (profile.late ? 0.05 : 0))
  const drift = ghost || rng.chance(sigmoid(z + DRIFT_INTERCEPT))
  if (ghost && rng.chance(0.7)) {
    cur.ipStatus = 'N'
  } else if (!ghost && rng.chance(drift ? 0.03 : 0.008)) {
    cur.ipStatus = 'N'
  }
  const x = rng.next()
  const onset = ghost
    ? TERM_START
    : x < 0.12
      ? day(2026, 9, 14) + rng.int(0, 14)
      : x < 0.7
        ? day(2026, 10, 1) + rng.int(0, 22)
        : day(2026, 11, 2) + rng.int(0, 12)
  const trajectory: Trajectory = {
    drift,
    ghost,
    onset,
    ramp: rng.int(10, 28),
    floor: ghost ? 0.04 : rng.uniform(0.15, 0.6),
    base: Math.min(0.985, Math.max(0.62, 0.965 - 0.065 * Math.abs(rng.normal(0, 1)) - (drift ? 0.03 : 0) - 0.03 * Math.max(0, z - 1))),
    dip: !drift && rng.chance(0.08) ? ((d) => [d, d + rng.int(4, 11)] as [number, number])(TERM_START + rng.int(7, 70)) : null,
    group: rng.int(0, 3),
  }
  return { person: { index, id: pseudoId(index), z, past, current: cur }, trajectory }
}

/** Leaving rates at the end of 2025/2026, by level (graduates included for L3). */
const LEAVING_RATE: Partial<Record<Level, number>> = { L1: 0.33, L2: 0.15, L3: 0.38, M1: 0.1, BUT1: 0.15 }

function makeLeaver(ctx: Context, index: number, level: Level): Person {
  const rng = new Rng(ctx.seed, 'sortant', index)
  const graduate = level === 'L3' && rng.chance(0.78)
  // Dropouts are drawn with the same generator, then kept with a probability that grows with risk.
  let chosen: { profile: Profile; z: number } | null = null
  for (let attempt = 0; attempt < 60; attempt++) {
    const programme = drawProgramme(ctx, rng, level)
    const newcomer = level === 'L1' || level === 'BUT1'
    const ageGap = drawAgeGap(rng)
    const profile = drawProfile(ctx, rng, { year: PREVIOUS_YEAR, level, programme, ageGap, newcomer })
    const personal = rng.normal(0, 0.85)
    const z = profile.risk + personal
    chosen = { profile, z }
    if (graduate ? rng.chance(sigmoid(-1.2 * (z - 0.4))) : rng.chance(sigmoid(2.5 * (profile.risk - 1.4) + 0.9 * personal))) {
      break
    }
  }
  const { profile, z } = chosen!
  const enrolment = profile.enrolment
  let path: Path
  let outcome: Outcome
  if (graduate) {
    path = 'graduate'
    outcome = 'diplome'
  } else if (rng.chance((level === 'BUT1' ? 0.5 : 0.6) + (z > 2 ? 0.15 : 0))) {
    path = 'abandon'
    outcome = 'abandon'
  } else {
    path = 'reorient_out'
    outcome = 'reorientation'
  }
  let observed: number | null = outcome === 'diplome' ? day(2026, 7, 3) + rng.int(0, 7) : day(2026, 10, 15)
  if (path === 'abandon' && level === 'L1' && rng.chance(0.1)) {
    // Left in the first weeks without a pedagogical enrolment: the registration cancelled (no
    // results), or left standing, as the administrative enrolment often is.
    enrolment.iaStatus = rng.chance(0.5) ? 'ANNULE' : 'VALIDE'
    enrolment.ipStatus = 'N'
    observed = day(2025, 10, 6) + rng.int(0, 30)
  } else if (rng.chance(0.04)) {
    observed = null
  }
  return { index, id: pseudoId(index), z, past: { enrolment, path, outcome, observed }, current: null }
}

interface Cohort {
  current: { person: Person; trajectory: Trajectory }[]
  leavers: Person[]
}

function makeCohort(ctx: Context, students: number): Cohort {
  const current = Array.from({ length: students }, (_, i) => makeCurrent(ctx, i))
  const stayers = new Map<Level, number>()
  for (const { person } of current) {
    const level = person.past?.enrolment.level
    if (level !== undefined) {
      stayers.set(level, (stayers.get(level) ?? 0) + 1)
    }
  }
  const leavers: Person[] = []
  let index = students
  for (const level of ['L1', 'L2', 'L3', 'M1', 'BUT1'] as const) {
    const q = LEAVING_RATE[level]!
    const n = Math.round(((stayers.get(level) ?? 0) * q) / (1 - q))
    for (let k = 0; k < n; k++) {
      leavers.push(makeLeaver(ctx, index++, level))
    }
  }
  return { current, leavers }
}

// ---------------------------------------------------------------------------------------------
// CSV writing
// ---------------------------------------------------------------------------------------------

type FileEncoding = 'windows-1252' | 'utf-8' | 'utf-8-bom'

interface CsvSpec {
  delimiter: ';' | '\t' | ','
  eol: '\r\n' | '\n'
  encoding: FileEncoding
}

function cell(value: string, delimiter: string): string {
  return value.includes(delimiter) || value.includes('"') || value.includes('\n') || value.includes('\r')
    ? `"${value.replace(/"/g, '""')}"`
    : value
}

function encodeCsv(header: string[], rows: string[][], spec: CsvSpec): Buffer {
  const lines = [header, ...rows].map((r) => r.map((v) => cell(v, spec.delimiter)).join(spec.delimiter))
  const text = lines.join(spec.eol) + spec.eol
  if (spec.encoding === 'windows-1252') {
    const bytes = iconv.encode(text, 'windows-1252')
    if (iconv.decode(bytes, 'windows-1252') !== text) {
      throw new Error('demo cohort: a character cannot be written in Windows-1252')
    }
    return bytes
  }
  const utf8 = Buffer.from(text, 'utf8')
  return spec.encoding === 'utf-8-bom' ? Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), utf8]) : utf8
}

/** Grade with a decimal comma and at most `digits` decimals, without trailing zeros (`12,5`, `9,333`, `14`). */
function frNumber(x: number, digits = 3): string {
  const f = 10 ** digits
  const r = Math.round(x * f) / f
  const s = r.toFixed(digits).replace(/\.?0+$/, '')
  return s.replace('.', ',')
}

// ---------------------------------------------------------------------------------------------
// etudiants
// ---------------------------------------------------------------------------------------------

const ETUDIANTS_HEADER = [
  'Identifiant pseudonymisé',
  'Année universitaire',
  'Composante',
  'Code étape',
  'Libellé étape',
  'Niveau',
  'Campus',
  'Année de naissance',
  'Boursier',
  'Échelon',
  'Code commune INSEE',
  'Code postal',
  'Date IA',
  'Statut IA',
  'Statut IP',
  'Régime',
  'Oui si',
  'indicateur_tutorat',
]

function enrolmentRow(id: string, e: Enrolment): string[] {
  return [
    id,
    `${e.year}/${e.year + 1}`,
    e.programme.faculty,
    stepCode(e.programme, e.level),
    stepLabel(e.programme, e.level),
    e.level,
    e.programme.campus,
    String(e.birthYear),
    e.echelon === null ? 'N' : 'O',
    e.echelon ?? '',
    e.commune.insee,
    e.commune.postcode,
    frDate(e.registered),
    e.iaStatus,
    e.ipStatus,
    e.regime,
    e.ouiSi === null ? '' : e.ouiSi ? 'O' : 'N',
    e.tutorat ? 'oui' : 'non',
  ]
}

function etudiantsRows(cohort: Cohort): string[][] {
  const rows: string[][] = []
  for (const { person } of cohort.current) {
    rows.push(enrolmentRow(person.id, person.current!))
  }
  const past: Person[] = [...cohort.current.map((c) => c.person).filter((p) => p.past !== null), ...cohort.leavers]
  for (const p of past) {
    rows.push(enrolmentRow(p.id, p.past!.enrolment))
  }
  return rows
}

// ---------------------------------------------------------------------------------------------
// assiduite (one row per student and session, L1 and L2 course units)
// ---------------------------------------------------------------------------------------------

interface Slot {
  elp: string
  type: 'CM' | 'TD' | 'TP'
  weekday: number
  time: string
  /** For classes every other week: the parity of the weeks they take place. */
  parity: 0 | 1 | null
}

const TIMES = ['08:00', '10:15', '13:30', '15:45'] as const
/** Monday to Friday × four slots, Wednesday afternoon kept free (sport, associations). */
const GRID = Array.from({ length: 20 }, (_, i) => ({ weekday: Math.floor(i / 4), time: TIMES[i % 4]! })).filter(
  (s) => !(s.weekday === 2 && (s.time === '13:30' || s.time === '15:45')),
)

type UnitPlan = { unit: number; cm: boolean; td: boolean; tp: 'weekly' | 'fortnightly' | null; tdFortnightly?: boolean }

function unitPlans(style: Programme['style'], level: Level): UnitPlan[] {
  switch (style) {
    case 'sciences':
      return [
        { unit: 1, cm: true, td: true, tp: null },
        { unit: 2, cm: true, td: true, tp: 'fortnightly' },
        { unit: 3, cm: true, td: true, tp: 'fortnightly' },
        { unit: 4, cm: false, td: true, tp: null },
        { unit: 5, cm: false, td: true, tp: null },
      ]
    case 'staps':
      return [
        { unit: 1, cm: true, td: true, tp: null },
        { unit: 2, cm: true, td: true, tp: null },
        { unit: 3, cm: false, td: false, tp: 'weekly' },
        { unit: 4, cm: true, td: false, tp: null },
        { unit: 5, cm: false, td: true, tp: null },
      ]
    case 'cours':
    case 'but': {
      const plans: UnitPlan[] = [
        { unit: 1, cm: true, td: true, tp: null },
        { unit: 2, cm: true, td: true, tp: null },
        { unit: 3, cm: true, td: true, tp: null },
        { unit: 4, cm: true, td: false, tp: null },
        { unit: 5, cm: false, td: true, tp: null },
      ]
      if (level === 'L1') {
        // Méthodologie du travail universitaire, every other week.
        plans.push({ unit: 6, cm: false, td: true, tp: null, tdFortnightly: true })
      }
      return plans
    }
  }
}

function timetable(seed: number, cache: Map<string, Slot[]>, p: Programme, level: Level, group: number): Slot[] {
  const key = `${p.key}|${level}|${group}`
  const hit = cache.get(key)
  if (hit !== undefined) {
    return hit
  }
  const plans = unitPlans(p.style, level)
  const semester = firstSemester(level)
  const cmCount = plans.filter((u) => u.cm).length
  const cmSlots = new Rng(seed, 'edt', p.key, level).shuffle(GRID).slice(0, cmCount)
  const free = new Rng(seed, 'edt', p.key, level, 'groupe', group).shuffle(GRID.filter((s) => !cmSlots.includes(s)))
  const slots: Slot[] = []
  let c = 0
  let f = 0
  for (const u of plans) {
    const elp = elpCode(p, semester, u.unit)
    if (u.cm) {
      const s = cmSlots[c++]!
      slots.push({ elp, type: 'CM', weekday: s.weekday, time: s.time, parity: null })
    }
    if (u.td) {
      const s = free[f++]!
      slots.push({ elp, type: 'TD', weekday: s.weekday, time: s.time, parity: u.tdFortnightly ? ((group % 2) as 0 | 1) : null })
    }
    if (u.tp !== null) {
      const s = free[f++]!
      slots.push({ elp, type: 'TP', weekday: s.weekday, time: s.time, parity: u.tp === 'fortnightly' ? ((group % 2) as 0 | 1) : null })
    }
  }
  // In the order of the week, as an attendance tool exports them.
  const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0)
  slots.sort((x, y) => x.weekday - y.weekday || cmp(x.time, y.time) || cmp(x.elp, y.elp) || cmp(x.type, y.type))
  cache.set(key, slots)
  return slots
}

/** A term of classes: the days sessions are held, and the label of its random stream. */
interface Term {
  year: number
  start: number
  end: number
  breakDays: readonly [number, number]
  holidays: ReadonlySet<number>
  /** Stream label: 'assiduite' for the current year keeps its file byte-identical. */
  stream: string
}

const CURRENT_TERM: Term = {
  year: CURRENT_YEAR,
  start: TERM_START,
  end: TERM_END,
  breakDays: BREAK,
  holidays: HOLIDAYS,
  stream: 'assiduite',
}

/**
 * 2025/2026's first semester (Monday 8 September to Friday 19 December 2025, Toussaint break
 * and Armistice day off): last year's attendance, so that a model trained on last year's outcomes
 * sees last year's students as they looked at the same week of their year.
 */
const PAST_TERM: Term = {
  year: PREVIOUS_YEAR,
  start: day(2025, 9, 8),
  end: day(2025, 12, 19),
  breakDays: [day(2025, 10, 27), day(2025, 11, 1)],
  holidays: new Set([day(2025, 11, 11)]),
  stream: 'assiduite-2025',
}

function isClassDay(term: Term, d: number): boolean {
  return !(d >= term.breakDays[0] && d <= term.breakDays[1]) && !term.holidays.has(d)
}

/** Multiplier of the usual attendance on day `d` (1 before the drift starts, down to the floor). */
function driftFactor(t: Trajectory, d: number): number {
  if (!t.drift || d < t.onset) {
    return 1
  }
  return Math.max(t.floor, 1 - ((1 - t.floor) * (d - t.onset)) / t.ramp)
}

const ASSIDUITE_HEADER = ['id_pseudo', 'Année univ', 'Code UE', 'Type', 'Date', 'Heure', 'Présence', 'Justificatif']

/** One row per session of the L1 and L2 students with a pedagogical enrolment. */
function sessionRows(
  ctx: Context,
  term: Term,
  entries: readonly { person: Person; enrolment: Enrolment; trajectory: Trajectory }[],
): string[][] {
  const rows: string[][] = []
  const cache = new Map<string, Slot[]>()
  const year = `${term.year}/${term.year + 1}`
  const span = term.end - term.start
  const weeks = Math.floor((term.end - term.start) / 7) + 1
  for (const { person, enrolment: e, trajectory: t } of entries) {
    if ((e.level !== 'L1' && e.level !== 'L2') || e.ipStatus !== 'O' || e.iaStatus !== 'VALIDE') {
      continue
    }
    const rng = new Rng(ctx.seed, term.stream, person.index)
    const slots = timetable(ctx.seed, cache, e.programme, e.level, t.group)
    for (let w = 0; w < weeks; w++) {
      for (const s of slots) {
        if (s.parity !== null && w % 2 !== s.parity) {
          continue
        }
        const d = term.start + 7 * w + s.weekday
        if (d > term.end || !isClassDay(term, d)) {
          continue
        }
        let p = t.ghost ? 0.04 : t.base * (1 - (0.05 * (d - term.start)) / span) * driftFactor(t, d)
        if (s.type === 'CM') {
          p -= 0.06
        } else if (s.type === 'TP') {
          p += 0.03
        }
        const ill = t.dip !== null && d >= t.dip[0] && d <= t.dip[1]
        if (ill) {
          p = 0.15
        }
        p = Math.min(0.99, Math.max(0.02, p))
        let status: string
        let justif = ''
        if (rng.chance(p)) {
          status = rng.chance(t.drift ? 0.06 : 0.025) ? 'RET' : 'P'
        } else if (rng.chance(ill ? 0.85 : t.drift ? 0.1 : 0.22)) {
          status = 'ABJ'
          justif = 'O'
        } else {
          status = 'ABI'
          justif = 'N'
        }
        rows.push([person.id, year, s.elp, s.type, frDate(d), s.time, status, justif])
      }
    }
  }
  return rows
}

function assiduiteRows(ctx: Context, cohort: Cohort): string[][] {
  return sessionRows(
    ctx,
    CURRENT_TERM,
    cohort.current.map(({ person, trajectory }) => ({ person, enrolment: person.current!, trajectory })),
  )
}

/** How likely last year's attendance drifted, by how the year ended (the story the model learns). */
const PAST_DRIFT: Record<Path, number> = { abandon: 0.85, reorient_out: 0.6, repeat: 0.4, reorient_in: 0.35, pass: 0, graduate: 0 }

/** Last year's term as each past student lived it: those who left drifted, mostly from October. */
function pastTrajectory(ctx: Context, person: Person): Trajectory {
  const past = person.past!
  const rng = new Rng(ctx.seed, 'trajectoire-2025', person.index)
  const leftEarly = past.path === 'abandon' && past.observed !== null && past.observed < day(2026, 1, 1)
  const ghost = leftEarly || (past.path === 'abandon' && rng.chance(0.12))
  const pDrift = PAST_DRIFT[past.path] || sigmoid(person.z + DRIFT_INTERCEPT - 0.3)
  const drift = ghost || rng.chance(pDrift)
  const x = rng.next()
  const onset = ghost
    ? PAST_TERM.start + rng.int(0, 10)
    : x < 0.15
      ? day(2025, 9, 15) + rng.int(0, 14)
      : x < 0.75
        ? day(2025, 10, 1) + rng.int(0, 24)
        : day(2025, 11, 3) + rng.int(0, 20)
  const leaving = past.path === 'abandon' || past.path === 'reorient_out'
  return {
    drift,
    ghost,
    onset,
    ramp: rng.int(10, 28),
    floor: ghost ? 0.04 : leaving ? rng.uniform(0.05, 0.4) : rng.uniform(0.2, 0.65),
    base: Math.min(
      0.985,
      Math.max(0.62, 0.965 - 0.065 * Math.abs(rng.normal(0, 1)) - (drift ? 0.03 : 0) - 0.03 * Math.max(0, person.z - 1)),
    ),
    dip: !drift && rng.chance(0.08) ? ((d) => [d, d + rng.int(4, 11)] as [number, number])(PAST_TERM.start + rng.int(7, 80)) : null,
    group: rng.int(0, 3),
  }
}

function pastAssiduiteRows(ctx: Context, people: Person[]): string[][] {
  return sessionRows(
    ctx,
    PAST_TERM,
    people.map((person) => ({ person, enrolment: person.past!.enrolment, trajectory: pastTrajectory(ctx, person) })),
  )
}

// ---------------------------------------------------------------------------------------------
// resultats (2025/2026, Apogée codes)
// ---------------------------------------------------------------------------------------------

const RESULTATS_HEADER = ['id_pseudo', 'COD_ANU', 'COD_ELP', 'COD_SES', 'NOT_ELP', 'COD_TRE', 'ECTS']
const UNIT_ECTS = 6

function unitDifficulty(seed: number, elp: string): number {
  return new Rng(seed, 'difficulte', elp).normal(0, 1.1)
}

function resultatsRows(ctx: Context, people: Person[]): string[][] {
  const rows: string[][] = []
  for (const person of people) {
    const past = person.past!
    const e = past.enrolment
    if (e.iaStatus === 'ANNULE') {
      continue
    }
    const rng = new Rng(ctx.seed, 'resultats', person.index)
    const path = past.path
    const shift = { pass: 0.6, graduate: 1.0, repeat: -2.6, reorient_in: -2.2, abandon: -3.2, reorient_out: -2.0 }[path]
    let mu = 12.4 - 1.3 * (person.z - 0.8) + shift
    // Some move up with debts (AJAC: year failed, enough credits to go on): a weaker year.
    const debts =
      path === 'pass' && (e.level === 'L1' || e.level === 'L2' || e.level === 'BUT1') && rng.chance(0.1 + 0.15 * sigmoid(person.z - 1.5))
    if (debts) {
      mu = Math.min(mu, 9.2)
    } else if (path === 'pass' || path === 'graduate') {
      mu = Math.max(mu, 11.4)
    }
    const sem1 = firstSemester(e.level)
    const line = (elp: string, session: number, grade: number | null, code: string, ects: number): void => {
      rows.push([person.id, String(e.year), elp, String(session), grade === null ? '' : frNumber(grade), code, String(ects)])
    }
    let credits = 0
    let sum = 0
    let graded = 0
    let absent = false
    for (const semester of [sem1, sem1 + 1]) {
      const second = semester !== sem1
      let pAbsent = 0.015 + 0.06 * sigmoid(person.z - 1.5)
      if (path === 'abandon') {
        pAbsent = second ? 0.92 : 0.35
      } else if (path === 'reorient_out') {
        pAbsent = second ? 0.6 : 0.15
      } else if (path === 'reorient_in') {
        pAbsent = second ? 0.35 : 0.1
      } else if (path === 'repeat') {
        pAbsent = 0.12
      }
      const units: { elp: string; grade: number | null; code: string }[] = []
      for (let u = 1; u <= 5; u++) {
        const elp = elpCode(e.programme, semester, u)
        if (rng.chance(pAbsent)) {
          const code = path === 'abandon' && second ? (rng.chance(0.6) ? 'DEF' : 'ABI') : rng.chance(0.18) ? 'ABJ' : 'ABI'
          units.push({ elp, grade: null, code })
          absent = true
        } else {
          const grade = Math.min(20, Math.max(0, mu + unitDifficulty(ctx.seed, elp) + rng.normal(0, 2.3)))
          units.push({ elp, grade, code: grade >= 10 ? 'ADM' : 'AJ' })
        }
      }
      const gradedUnits = units.filter((x) => x.grade !== null)
      const semAvg = gradedUnits.length === 5 ? gradedUnits.reduce((a, x) => a + x.grade!, 0) / 5 : 0
      for (const unit of units) {
        if (unit.code === 'AJ' && semAvg >= 10 && unit.grade! >= 7) {
          unit.code = 'ADC'
        }
        const passed = unit.code === 'ADM' || unit.code === 'ADC'
        line(unit.elp, 1, unit.grade, unit.code, passed ? UNIT_ECTS : 0)
        if (unit.grade !== null) {
          sum += unit.grade
          graded++
        }
        if (passed) {
          credits += UNIT_ECTS
          continue
        }
        // Second session (rattrapage), except for those who had already left.
        if (path === 'abandon' || (path === 'reorient_out' && second && rng.chance(0.7))) {
          continue
        }
        const pAbsent2 = path === 'repeat' || path === 'reorient_in' || path === 'reorient_out' ? 0.3 : 0.06
        if (rng.chance(pAbsent2)) {
          line(unit.elp, 2, null, 'ABI', 0)
          continue
        }
        const base = unit.grade ?? mu + unitDifficulty(ctx.seed, unit.elp)
        const grade2 = Math.min(20, Math.max(0, base + rng.normal((path === 'pass' && !debts) || path === 'graduate' ? 2 : 0.8, 2)))
        const ok = grade2 >= 10
        line(unit.elp, 2, grade2, ok ? 'ADM' : 'AJ', ok ? UNIT_ECTS : 0)
        if (ok) {
          credits += UNIT_ECTS
        }
      }
    }
    // Year decision, on the step code.
    const average = graded > 0 ? sum / graded : null
    let code: string
    let ects = credits
    switch (path) {
      case 'pass':
      case 'graduate':
        if (debts) {
          code = credits >= 60 ? 'ADM' : 'AJAC'
        } else {
          code = average !== null && average >= 10 ? 'ADM' : 'ADJ'
        }
        if (code !== 'AJAC') {
          ects = 60
        }
        break
      case 'abandon':
        code = rng.chance(0.8) ? 'DEF' : 'DEM'
        break
      case 'repeat':
      case 'reorient_in':
      case 'reorient_out':
        code = absent ? 'DEF' : 'AJ'
        break
    }
    const yearGrade = code === 'DEF' || code === 'DEM' || average === null ? null : average
    line(stepCode(e.programme, e.level), 1, yearGrade, code, Math.min(60, ects))
  }
  return rows
}

// ---------------------------------------------------------------------------------------------
// activite_ent (weekly Moodle activity, every current student)
// ---------------------------------------------------------------------------------------------

const ACTIVITE_HEADER = ['Identifiant pseudonymisé', 'Semaine ISO', 'Connexions', 'Minutes', 'Ressources consultées', 'Devoirs rendus']

function activiteRows(ctx: Context, cohort: Cohort): string[][] {
  const rows: string[][] = []
  const styleFactor = { cours: 1, sciences: 1.2, staps: 0.9, but: 1.3 } as const
  for (const { person, trajectory: t } of cohort.current) {
    const e = person.current!
    const rng = new Rng(ctx.seed, 'ent', person.index)
    const lowUser = rng.chance(0.06)
    const lambda0 = 4.2 * styleFactor[e.programme.style] * Math.exp(rng.normal(0, 0.45)) * (lowUser ? 0.25 : 1)
    const minutesPerLogin = rng.uniform(14, 38)
    const resourcesPerLogin = rng.uniform(0.8, 2.8)
    const deadlineOffset = new Rng(ctx.seed, 'devoirs', e.programme.key, e.level).int(0, 2)
    for (let w = 0; w < TERM_WEEKS; w++) {
      const monday = TERM_START + 7 * w
      const breakWeek = monday === BREAK[0]
      let lambda: number
      if (t.ghost) {
        lambda = w === 0 ? 0.8 : 0.08
      } else {
        // Moodle activity fades a few days before attendance does.
        lambda = lambda0 * driftFactor(t, monday + 8) * (breakWeek ? 0.4 : 1) * (w === 0 ? 1.25 : 1)
      }
      const logins = rng.poisson(lambda)
      const minutes = logins === 0 ? 0 : Math.round(logins * minutesPerLogin * rng.uniform(0.6, 1.4))
      const resources = logins === 0 ? 0 : rng.poisson(logins * resourcesPerLogin)
      let submitted = 0
      const due = w >= 2 && !breakWeek && (w + deadlineOffset) % 3 === 0
      if (due && logins > 0 && !t.ghost && rng.chance(0.88 * driftFactor(t, monday + 4) * (lowUser ? 0.6 : 1))) {
        submitted = rng.chance(0.12) ? 2 : 1
      }
      rows.push([person.id, isoWeekLabel(monday), String(logins), String(minutes), String(resources), String(submitted)])
    }
  }
  return rows
}

// ---------------------------------------------------------------------------------------------
// contacts (the ~65 % who consented)
// ---------------------------------------------------------------------------------------------

const CONTACTS_HEADER = [
  'Identifiant pseudonymisé',
  'Prénom',
  'Email',
  'Téléphone',
  'Consentement e-mail',
  'Consentement SMS',
  'Date du consentement',
  'Source du consentement',
]

/** ARCEP reserves 06 39 98 00 00 – 06 39 98 99 99 for fiction: a bijection on 0–9999 keeps them unique. */
function fictionPhone(n: number, style: number): string {
  const suffix = String((n * 7919 + 1234) % 10_000).padStart(4, '0')
  const a = suffix.slice(0, 2)
  const b = suffix.slice(2)
  switch (style) {
    case 0:
      return `06 39 98 ${a} ${b}`
    case 1:
      return `063998${a}${b}`
    case 2:
      return `+33 6 39 98 ${a} ${b}`
    default:
      return `06.39.98.${a}.${b}`
  }
}

function contactsRows(ctx: Context, cohort: Cohort): string[][] {
  const rows: string[][] = []
  const emails = new Set<string>()
  let phones = 0
  for (const { person, trajectory: t } of cohort.current) {
    const rng = new Rng(ctx.seed, 'contact', person.index)
    if (!rng.chance(t.drift ? 0.58 : 0.665)) {
      continue
    }
    const e = person.current!
    const first = rng.pick(FIRST_NAMES)
    const last = rng.pick(SURNAMES)
    let email: string | null = null
    if (rng.chance(0.92)) {
      const local = `${mailPart(first)}.${mailPart(last)}`
      let candidate = `${local}@etudiant.univ-reims.test`
      for (let k = 2; emails.has(candidate); k++) {
        candidate = `${local}${k}@etudiant.univ-reims.test`
      }
      emails.add(candidate)
      email = rng.chance(0.03) ? candidate.replace(/^./, (c) => c.toUpperCase()) : candidate
    }
    const phone = email === null || rng.chance(0.8) ? fictionPhone(phones++, rng.int(0, 3)) : null
    let consentEmail = email === null ? '' : rng.chance(0.95) ? 'O' : 'N'
    let consentSms = phone === null ? '' : rng.chance(0.92) ? 'O' : 'N'
    if (consentEmail !== 'O' && consentSms !== 'O') {
      if (email !== null) {
        consentEmail = 'O'
      } else {
        consentSms = 'O'
      }
    }
    let date: number
    let source: string
    const x = rng.next()
    if (person.past !== null && x < 0.3) {
      date = person.past.enrolment.registered
      source = 'Formulaire d’inscription administrative 2025'
    } else if (e.level === 'L1' && x < 0.45) {
      date = day(2026, 9, 3) + rng.int(0, 1)
      source = 'Journée d’accueil des L1, septembre 2026'
    } else if (x < 0.85) {
      date = e.registered
      source = 'formulaire inscription 2026'
    } else {
      date = day(2026, 9, 8) + rng.int(0, 45)
      source = 'Formulaire en ligne de l’ENT'
    }
    rows.push([person.id, first, email ?? '', phone ?? '', consentEmail, consentSms, frDate(date), source])
  }
  return rows
}

// ---------------------------------------------------------------------------------------------
// devenir (2025/2026 outcomes)
// ---------------------------------------------------------------------------------------------

const DEVENIR_HEADER = ['Identifiant pseudonymisé', 'Année universitaire', 'Devenir', 'Date du constat']

function devenirRows(ctx: Context, people: Person[]): string[][] {
  return people.map((person) => {
    const past = person.past!
    const rng = new Rng(ctx.seed, 'devenir', person.index)
    let word: string
    switch (past.outcome) {
      case 'reinscrit':
        word = past.path === 'repeat' && rng.chance(0.5) ? 'redoublement' : 'réinscrit'
        break
      case 'diplome':
        word = 'diplômé'
        break
      case 'abandon':
        word = rng.chance(0.2) ? 'décrochage' : 'abandon'
        break
      case 'reorientation':
        word = 'réorientation'
        break
    }
    return [person.id, `${PREVIOUS_YEAR}-${PREVIOUS_YEAR + 1}`, word, past.observed === null ? '' : isoDate(past.observed)]
  })
}

// ---------------------------------------------------------------------------------------------
// Entry point
// ---------------------------------------------------------------------------------------------

interface FilePlan {
  kind: DemoKind
  fileName: string
  header: string[]
  rows: string[][]
  spec: CsvSpec
}

/**
 * Writes the demo cohort into `dir`, one CSV file per kind, and returns them in import order
 * (etudiants first, so every later file refers to known students).
 */
export async function writeDemoCohort(dir: string, opts: { students?: number; seed?: number } = {}): Promise<DemoFile[]> {
  const students = opts.students ?? DEFAULT_STUDENTS
  const seed = opts.seed ?? DEFAULT_SEED
  if (!Number.isInteger(students) || students < 1) {
    throw new Error(`demo cohort: students must be a positive integer (got ${students})`)
  }
  const ctx = buildContext(seed)
  const cohort = makeCohort(ctx, students)
  const pastPeople = [...cohort.current.map((c) => c.person).filter((p) => p.past !== null), ...cohort.leavers]

  const plans: FilePlan[] = [
    {
      kind: 'etudiants',
      fileName: 'apogee-inscriptions-2025-2027.csv',
      header: ETUDIANTS_HEADER,
      rows: etudiantsRows(cohort),
      spec: { delimiter: ';', eol: '\r\n', encoding: 'windows-1252' },
    },
    {
      kind: 'assiduite',
      fileName: 'assiduite-L1-L2-S1-2026.csv',
      header: ASSIDUITE_HEADER,
      rows: assiduiteRows(ctx, cohort),
      spec: { delimiter: ';', eol: '\r\n', encoding: 'utf-8-bom' },
    },
    {
      kind: 'assiduite',
      fileName: 'assiduite-L1-L2-S1-2025.csv',
      header: ASSIDUITE_HEADER,
      rows: pastAssiduiteRows(ctx, pastPeople),
      spec: { delimiter: ';', eol: '\r\n', encoding: 'utf-8-bom' },
    },
    {
      kind: 'resultats',
      fileName: 'apogee-resultats-2025-2026.csv',
      header: RESULTATS_HEADER,
      rows: resultatsRows(ctx, pastPeople),
      spec: { delimiter: '\t', eol: '\n', encoding: 'utf-8' },
    },
    {
      kind: 'activite_ent',
      fileName: 'moodle-activite-hebdo-S1-2026.csv',
      header: ACTIVITE_HEADER,
      rows: activiteRows(ctx, cohort),
      spec: { delimiter: ';', eol: '\n', encoding: 'utf-8' },
    },
    {
      kind: 'contacts',
      fileName: 'contacts-consentis-2026.csv',
      header: CONTACTS_HEADER,
      rows: contactsRows(ctx, cohort),
      spec: { delimiter: ';', eol: '\r\n', encoding: 'utf-8-bom' },
    },
    {
      kind: 'devenir',
      fileName: 'devenir-2025-2026.csv',
      header: DEVENIR_HEADER,
      rows: devenirRows(ctx, pastPeople),
      spec: { delimiter: ',', eol: '\r\n', encoding: 'utf-8' },
    },
  ]

  await mkdir(dir, { recursive: true })
  const files: DemoFile[] = []
  for (const plan of plans) {
    const bytes = encodeCsv(plan.header, plan.rows, plan.spec)
    const path = join(dir, plan.fileName)
    await writeFile(path, bytes)
    files.push({ kind: plan.kind, fileName: plan.fileName, path, rows: plan.rows.length, bytes: bytes.length })
  }
  return files
}

/** Share of drifting students and other headline numbers, for the CLI and tests. */
export function describeDemoCohort(opts: { students?: number; seed?: number } = {}): {
  students: number
  leavers: number
  drifting: number
  ghosts: number
} {
  const ctx = buildContext(opts.seed ?? DEFAULT_SEED)
  const cohort = makeCohort(ctx, opts.students ?? DEFAULT_STUDENTS)
  return {
    students: cohort.current.length,
    leavers: cohort.leavers.length,
    drifting: cohort.current.filter((c) => c.trajectory.drift).length,
    ghosts: cohort.current.filter((c) => c.trajectory.ghost).length,
  }
}

/** The pseudonyms of the current students who drift (ghosts included): what the risk list should put first. */
export function driftingPseudoIds(opts: { students?: number; seed?: number } = {}): Set<string> {
  const ctx = buildContext(opts.seed ?? DEFAULT_SEED)
  const cohort = makeCohort(ctx, opts.students ?? DEFAULT_STUDENTS)
  return new Set(cohort.current.filter((c) => c.trajectory.drift).map((c) => c.person.id))
}

async function main(argv: string[]): Promise<void> {
  const args = argv.filter((a) => !a.startsWith('--'))
  const flag = (name: string): number | undefined => {
    const hit = argv.find((a) => a.startsWith(`--${name}=`))
    return hit === undefined ? undefined : Number(hit.slice(name.length + 3))
  }
  const dir = resolve(args[0] ?? 'var/demo-cohort')
  const opts = { students: flag('students'), seed: flag('seed') }
  const started = performance.now()
  const files = await writeDemoCohort(dir, opts)
  const ms = Math.round(performance.now() - started)
  for (const f of files) {
    process.stdout.write(
      `${f.kind.padEnd(13)} ${String(f.rows).padStart(7)} rows ${String(Math.round(f.bytes / 1024)).padStart(6)} KiB  ${f.path}\n`,
    )
  }
  const d = describeDemoCohort(opts)
  process.stdout.write(
    `${d.students} students (+${d.leavers} who left after 2025/2026), ${d.drifting} drifting (${((100 * d.drifting) / d.students).toFixed(1)} %, ${d.ghosts} never started), written in ${ms} ms\n`,
  )
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  main(process.argv.slice(2)).catch((err: unknown) => {
    process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`)
    process.exit(1)
  })
}
