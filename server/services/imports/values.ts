/**
 * Cell-level parsing for university CSV imports: header normalisation, French dates, decimal commas,
 * O/N booleans, academic years, ISO weeks, e-mails and French phone numbers.
 *
 * Every parser takes a cell that is already trimmed and not empty (the column wrapper in kinds.ts
 * handles empty cells and required columns) and returns a `ParseResult` whose failure reason is
 * French, because it ends up in the error report staff download.
 *
 * These functions run once per cell on files of a million rows: they avoid regular expressions and
 * allocations on the common path, and return shared frozen results where they can.
 *
 * @see /work/shared/domain-fr.md §3.5 (French CSV conventions)
 */
import { getISOWeeksInYear, setISOWeek, startOfISOWeek } from 'date-fns'
import { getCountryCallingCode, parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js/min'
import { isEmailAddress } from '../../lib/formats.ts'

export type CellValue = string | number | boolean | null
export type ParseResult = { ok: true; value: CellValue } | { ok: false; reason: string }
export type Parser = (cell: string) => ParseResult

export function ok(value: CellValue): ParseResult {
  return { ok: true, value }
}
export function fail(reason: string): ParseResult {
  return { ok: false, reason }
}

export const NULL_RESULT: ParseResult = Object.freeze({ ok: true, value: null })
export const TRUE_RESULT: ParseResult = Object.freeze({ ok: true, value: true })
export const FALSE_RESULT: ParseResult = Object.freeze({ ok: true, value: false })
export const MISSING_REASON = 'valeur obligatoire manquante'
export const MISSING_RESULT: ParseResult = Object.freeze({ ok: false, reason: MISSING_REASON })

// ---------------------------------------------------------------------------------------------
// Text and headers
// ---------------------------------------------------------------------------------------------

/** Removes accents (NFD + combining marks) and expands the French ligatures œ and æ. */
export function stripAccents(s: string): string {
  return s
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/œ/g, 'oe')
    .replace(/Œ/g, 'OE')
    .replace(/æ/g, 'ae')
    .replace(/Æ/g, 'AE')
}

/**
 * Header normalisation: accents stripped, lower case, and every run of characters that are not
 * letters or digits (spaces, underscores, hyphens, dots, apostrophes, °…) collapsed to one space,
 * trimmed. `"Numéro_d'étudiant "` → `"numero d etudiant"`.
 */
export function normaliseHeader(header: string): string {
  return stripAccents(header)
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, ' ')
    .trim()
}

/**
 * The key headers are matched on: `normaliseHeader` without any separator, so that
 * `Code ELP`, `code_elp`, `CODE-ELP` and `Code.Elp` all give `codeelp`.
 */
export function headerMatchKey(header: string): string {
  return normaliseHeader(header).replace(/ /g, '')
}

/** snake_case identifier from a header: `"Indicateur – Heures de tutorat"` → `"indicateur_heures_de_tutorat"`. */
export function slugify(header: string): string {
  return normaliseHeader(header).replace(/ /g, '_')
}

function isSpaceCode(c: number): boolean {
  return c <= 32 || c === 0xa0 || c === 0xfeff || c === 0x202f || c === 0x2007
}

/** Trims spaces (including no-break spaces) without allocating when there is nothing to trim. */
export function trimCell(s: string): string {
  const n = s.length
  if (n === 0) {
    return s
  }
  if (!isSpaceCode(s.charCodeAt(0)) && !isSpaceCode(s.charCodeAt(n - 1))) {
    return s
  }
  return s.replace(/^[\s\u00a0\ufeff\u202f\u2007]+|[\s\u00a0\ufeff\u202f\u2007]+$/g, '')
}

/** Shortens a value for messages and error reports. */
export function excerpt(s: string, max = 200): string {
  return s.length <= max ? s : `${s.slice(0, max - 1)}…`
}

/** Free text: trimmed, at most `maxLength` characters. */
export function textParser(maxLength = 500): Parser {
  return (s) => (s.length <= maxLength ? { ok: true, value: s } : fail(`texte trop long : ${s.length} caractères (${maxLength} au plus)`))
}

const CODE_RE = /^[A-Za-z0-9][A-Za-z0-9_\-./]*$/

/** A code such as an Apogée step or course unit (`L1DROI`, `7WGA4`): letters, digits, `_-./`, upper-cased. */
export function codeParser(maxLength = 30): Parser {
  return (s) => {
    let c = s
    if (!CODE_RE.test(c)) {
      c = stripAccents(c)
      if (!CODE_RE.test(c)) {
        return fail(`code invalide : lettres, chiffres, tirets, points ou soulignés uniquement, sans espace (ex. 7DRT101)`)
      }
    }
    if (c.length > maxLength) {
      return fail(`code trop long : ${c.length} caractères (${maxLength} au plus)`)
    }
    return { ok: true, value: c.toUpperCase() }
  }
}

// ---------------------------------------------------------------------------------------------
// Lookups (codes and French words)
// ---------------------------------------------------------------------------------------------

/** Key used by `lookupParser`: accents stripped, lower case, letters and digits only. */
export function lookupKey(s: string): string {
  // Fast path for plain ASCII letters/digits, which is what codes look like.
  let plain = true
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i)
    if (!((c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122))) {
      plain = false
      break
    }
  }
  return plain ? s.toLowerCase() : headerMatchKey(s)
}

/**
 * A parser for closed vocabularies: `entries` maps accepted spellings (matched with `lookupKey`,
 * so `Présent`, `PRESENT` and `présent` are one entry) to the normalised value. An unknown value
 * fails with `expected` (a French list of what is accepted).
 */
export function lookupParser(entries: Record<string, CellValue>, expected: string, what: string): Parser {
  const table = new Map<string, ParseResult>()
  for (const [spelling, value] of Object.entries(entries)) {
    table.set(lookupKey(spelling), Object.freeze({ ok: true, value }))
  }
  const reasonFor = (s: string): string => `${what} inconnu(e) « ${excerpt(s, 40)} » : attendu ${expected}`
  return (s) => table.get(s) ?? table.get(lookupKey(s)) ?? fail(reasonFor(s))
}

// ---------------------------------------------------------------------------------------------
// Booleans
// ---------------------------------------------------------------------------------------------

const BOOLEAN_WORDS: Record<string, boolean> = {
  o: true,
  oui: true,
  y: true,
  yes: true,
  '1': true,
  true: true,
  vrai: true,
  n: false,
  non: false,
  no: false,
  '0': false,
  false: false,
  faux: false,
}
const BOOLEAN_TABLE = new Map<string, ParseResult>()
for (const [word, value] of Object.entries(BOOLEAN_WORDS)) {
  const result = value ? TRUE_RESULT : FALSE_RESULT
  BOOLEAN_TABLE.set(word, result)
  BOOLEAN_TABLE.set(word.toUpperCase(), result)
  BOOLEAN_TABLE.set(word[0]!.toUpperCase() + word.slice(1), result)
}
export const BOOLEAN_REASON = 'valeur oui/non invalide : attendu O ou N (oui/non, 1/0, true/false, yes/no)'

/** O/N, oui/non, 1/0, true/false, yes/no, vrai/faux (any case) → boolean. */
export function parseBoolean(s: string): ParseResult {
  return BOOLEAN_TABLE.get(s) ?? BOOLEAN_TABLE.get(s.toLowerCase()) ?? fail(BOOLEAN_REASON)
}

/** The boolean value of a cell, or undefined when it is not a recognised yes/no word. */
export function booleanOf(s: string): boolean | undefined {
  const r = BOOLEAN_TABLE.get(s) ?? BOOLEAN_TABLE.get(s.toLowerCase())
  return r === undefined ? undefined : (r as { value: boolean }).value
}

// ---------------------------------------------------------------------------------------------
// Numbers
// ---------------------------------------------------------------------------------------------

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57
}

/**
 * Decimal with a comma or a dot (`12,5`, `12.5`, `-3`, `,5`). Thousands separators are refused:
 * `1.234,5` is ambiguous between the French and English habits.
 * Returns NaN when the text is not a number.
 */
export function decimalOf(s: string): number {
  const n = s.length
  let i = 0
  let c = s.charCodeAt(0)
  if (c === 43 || c === 45) {
    i = 1
  }
  let digits = 0
  let sep = -1
  for (; i < n; i++) {
    c = s.charCodeAt(i)
    if (isDigit(c)) {
      digits++
    } else if ((c === 44 || c === 46) && sep === -1) {
      sep = i
    } else {
      return Number.NaN
    }
  }
  if (digits === 0) {
    return Number.NaN
  }
  return Number(sep !== -1 && s.charCodeAt(sep) === 44 ? s.replace(',', '.') : s)
}

function rangeText(min: number | undefined, max: number | undefined): string {
  const f = (x: number): string => String(x).replace('.', ',')
  if (min !== undefined && max !== undefined) {
    return `entre ${f(min)} et ${f(max)}`
  }
  if (min !== undefined) {
    return min === 0 ? 'positif ou nul' : `supérieur ou égal à ${f(min)}`
  }
  return `inférieur ou égal à ${f(max ?? 0)}`
}

export function decimalParser(opts: { min?: number; max?: number } = {}): Parser {
  const { min, max } = opts
  const outOfRange = `nombre hors limites : attendu ${rangeText(min, max)}`
  return (s) => {
    const v = decimalOf(s)
    if (Number.isNaN(v)) {
      return fail(`nombre invalide : attendu un nombre comme 12,5 (virgule ou point décimal, sans espace)`)
    }
    if ((min !== undefined && v < min) || (max !== undefined && v > max)) {
      return fail(outOfRange)
    }
    return { ok: true, value: v }
  }
}

/**
 * Whole number. `12,0` and `12.00` are accepted (spreadsheets add zero decimals), `12,5` is not.
 * Returns NaN when the text is not an integer.
 */
export function integerOf(s: string): number {
  const n = s.length
  let i = 0
  let c = s.charCodeAt(0)
  if (c === 43 || c === 45) {
    i = 1
  }
  const start = i
  let v = 0
  for (; i < n; i++) {
    c = s.charCodeAt(i)
    if (isDigit(c)) {
      v = v * 10 + (c - 48)
    } else {
      break
    }
  }
  if (i === start) {
    return Number.NaN
  }
  if (i < n) {
    // Only a separator followed by zeros may remain.
    c = s.charCodeAt(i)
    if (c !== 44 && c !== 46) {
      return Number.NaN
    }
    for (i++; i < n; i++) {
      if (s.charCodeAt(i) !== 48) {
        return Number.NaN
      }
    }
  }
  if (!Number.isSafeInteger(v)) {
    return Number.NaN
  }
  return s.charCodeAt(0) === 45 ? -v : v
}

export function integerParser(opts: { min?: number; max?: number } = {}): Parser {
  const { min, max } = opts
  const outOfRange = `nombre hors limites : attendu un entier ${rangeText(min, max)}`
  return (s) => {
    const v = integerOf(s)
    if (Number.isNaN(v)) {
      return fail(`nombre entier invalide : attendu un entier comme 12 (sans virgule ni espace)`)
    }
    if ((min !== undefined && v < min) || (max !== undefined && v > max)) {
      return fail(outOfRange)
    }
    return { ok: true, value: v }
  }
}

// ---------------------------------------------------------------------------------------------
// Dates
// ---------------------------------------------------------------------------------------------

export const DATE_REASON = 'date invalide : attendu jj/mm/aaaa (ou aaaa-mm-jj)'
const MIN_YEAR = 1900
const MAX_YEAR = 2100

function isLeap(y: number): boolean {
  return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0
}
export function daysInMonth(y: number, m: number): number {
  return m === 2 ? (isLeap(y) ? 29 : 28) : m === 4 || m === 6 || m === 9 || m === 11 ? 30 : 31
}

function pad2(n: number): string {
  return n < 10 ? `0${n}` : String(n)
}

/** `2025-02-31` style checks; returns the ISO date or a French reason. */
function checkedDate(y: number, m: number, d: number): ParseResult {
  if (y < MIN_YEAR || y > MAX_YEAR) {
    return fail(`date invalide : année ${y} hors de ${MIN_YEAR}–${MAX_YEAR}`)
  }
  if (m < 1 || m > 12) {
    return fail(`date invalide : mois ${m} inexistant (attendu jj/mm/aaaa)`)
  }
  if (d < 1 || d > daysInMonth(y, m)) {
    return fail(`date inexistante : le ${pad2(d)}/${pad2(m)}/${y} n'existe pas au calendrier`)
  }
  return { ok: true, value: `${y}-${pad2(m)}-${pad2(d)}` }
}

function digitsAt(s: string, from: number, to: number): number {
  let v = 0
  for (let i = from; i < to; i++) {
    const c = s.charCodeAt(i)
    if (c < 48 || c > 57) {
      return -1
    }
    v = v * 10 + (c - 48)
  }
  return v
}

const DMY_RE = /^(\d{1,2})([/.-])(\d{1,2})\2(\d{4})(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?)?$/
const YMD_RE = /^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/

/**
 * `dd/mm/yyyy`, `d/m/yyyy`, `dd-mm-yyyy`, `dd.mm.yyyy` or ISO `yyyy-mm-dd`, optionally followed by a
 * time which is ignored (spreadsheets often add ` 00:00:00`) → ISO `yyyy-mm-dd`, calendar-checked.
 */
export function parseDate(s: string): ParseResult {
  if (s.length === 10) {
    const c2 = s.charCodeAt(2)
    // Fast path: dd/mm/yyyy, the Apogée and French Excel format.
    if (c2 === 47 && s.charCodeAt(5) === 47) {
      const d = digitsAt(s, 0, 2)
      const m = digitsAt(s, 3, 5)
      const y = digitsAt(s, 6, 10)
      if (d >= 0 && m >= 0 && y >= 0) {
        if (y >= MIN_YEAR && y <= MAX_YEAR && m >= 1 && m <= 12 && d >= 1 && d <= daysInMonth(y, m)) {
          return { ok: true, value: `${s.slice(6, 10)}-${s.slice(3, 5)}-${s.slice(0, 2)}` }
        }
        return checkedDate(y, m, d)
      }
    } else if (s.charCodeAt(4) === 45 && s.charCodeAt(7) === 45) {
      const y = digitsAt(s, 0, 4)
      const m = digitsAt(s, 5, 7)
      const d = digitsAt(s, 8, 10)
      if (d >= 0 && m >= 0 && y >= 0) {
        if (y >= MIN_YEAR && y <= MAX_YEAR && m >= 1 && m <= 12 && d >= 1 && d <= daysInMonth(y, m)) {
          return { ok: true, value: s }
        }
        return checkedDate(y, m, d)
      }
    }
  }
  let match = DMY_RE.exec(s)
  if (match) {
    return checkedDate(Number(match[4]), Number(match[3]), Number(match[1]))
  }
  match = YMD_RE.exec(s)
  if (match) {
    return checkedDate(Number(match[1]), Number(match[2]), Number(match[3]))
  }
  if (/^\d{5}([.,]\d+)?$/.test(s)) {
    return fail(
      `date invalide : « ${s} » ressemble à un numéro de jour Excel ; mettez la colonne au format Date ou Texte (attendu jj/mm/aaaa)`,
    )
  }
  if (/^\d{1,2}[/.-]\d{1,2}[/.-]\d{2}$/.test(s)) {
    return fail(`date invalide : année sur 2 chiffres ; attendu jj/mm/aaaa (année sur 4 chiffres)`)
  }
  return fail(DATE_REASON)
}

/** Time of day `hh:mm` or `hh:mm:ss` (also `14h30`) → `hh:mm`. */
export function parseTime(s: string): ParseResult {
  const m = /^(\d{1,2})\s*[:hH]\s*(\d{2})?(?::(\d{2}))?$/.exec(s)
  if (m) {
    const h = Number(m[1])
    const min = m[2] === undefined ? 0 : Number(m[2])
    if (h <= 23 && min <= 59) {
      return { ok: true, value: `${pad2(h)}:${pad2(min)}` }
    }
  }
  return fail('heure invalide : attendu hh:mm (ex. 08:30)')
}

/**
 * ISO-week arithmetic is date-fns's (`startOfISOWeek`, `setISOWeek`, `getISOWeeksInYear`). Cells are
 * calendar dates, not instants: they become local midnight and are read back with the local getters,
 * so the result is the same in every time zone.
 */
function localDate(iso: string): Date {
  return new Date(Number(iso.slice(0, 4)), Number(iso.slice(5, 7)) - 1, Number(iso.slice(8, 10)))
}
function isoOfLocalDate(date: Date): string {
  return `${date.getFullYear()}-${pad2(date.getMonth() + 1)}-${pad2(date.getDate())}`
}

/** The Monday of the ISO week containing the given ISO date. */
export function mondayOf(iso: string): string {
  return isoOfLocalDate(startOfISOWeek(localDate(iso)))
}

/** 52 or 53: 4 January is always in week 1 of its own ISO year. */
function isoWeeksInYear(y: number): number {
  return getISOWeeksInYear(new Date(y, 0, 4))
}

/** Monday of ISO week `w` of ISO year `y`. */
export function mondayOfIsoWeek(y: number, w: number): string {
  return isoOfLocalDate(startOfISOWeek(setISOWeek(new Date(y, 0, 4), w)))
}

const ISO_WEEK_RE = /^(\d{4})\s*-?\s*[Ww]\s*(\d{1,2})(?:-?[1-7])?$/
const weekCache = new Map<string, ParseResult>()

/**
 * A week: ISO week `2024-W41` (also `2024W41`, `2024-W41-1`) or any date of the week
 * (`07/10/2024`) → the ISO date of its Monday. A date that is not a Monday is moved back to the
 * Monday of its ISO week, so exports keyed by week-ending Sunday still line up.
 */
export function parseWeek(s: string): ParseResult {
  const cached = weekCache.get(s)
  if (cached !== undefined) {
    return cached
  }
  let result: ParseResult
  const m = ISO_WEEK_RE.exec(s)
  if (m) {
    const y = Number(m[1])
    const w = Number(m[2])
    result =
      y < MIN_YEAR || y > MAX_YEAR || w < 1 || w > isoWeeksInYear(y)
        ? fail(`semaine invalide : la semaine ${w} n'existe pas en ${y}`)
        : { ok: true, value: mondayOfIsoWeek(y, w) }
  } else {
    const d = parseDate(s)
    result = d.ok
      ? { ok: true, value: mondayOf(d.value as string) }
      : fail('semaine invalide : attendu la date du lundi (jj/mm/aaaa) ou une semaine ISO comme 2024-W41')
  }
  if (weekCache.size < 10_000) {
    weekCache.set(s, result)
  }
  return result
}

// ---------------------------------------------------------------------------------------------
// Academic years and birth years
// ---------------------------------------------------------------------------------------------

const ACADEMIC_YEAR_RE = /^(\d{4})\s*[/-]\s*(\d{2}|\d{4})$/

/**
 * Academic year `2024/2025` or `2024-2025` (also `2024/25`, and `2024` alone, which is how Apogée's
 * COD_ANU names the year starting in September 2024) → `2024/2025`. The second year must follow the first.
 */
export function parseAcademicYear(s: string): ParseResult {
  let first: number
  let second: number
  if (s.length === 9 && (s.charCodeAt(4) === 47 || s.charCodeAt(4) === 45)) {
    first = digitsAt(s, 0, 4)
    second = digitsAt(s, 5, 9)
    if (first < 0 || second < 0) {
      return fail('année universitaire invalide : attendu aaaa/aaaa (ex. 2024/2025)')
    }
  } else if (s.length === 4) {
    first = digitsAt(s, 0, 4)
    if (first < 0) {
      return fail('année universitaire invalide : attendu aaaa/aaaa (ex. 2024/2025)')
    }
    second = first + 1
  } else {
    const m = ACADEMIC_YEAR_RE.exec(s)
    if (!m) {
      return fail('année universitaire invalide : attendu aaaa/aaaa (ex. 2024/2025)')
    }
    first = Number(m[1])
    second = m[2]!.length === 2 ? Math.floor(first / 100) * 100 + Number(m[2]) : Number(m[2])
    if (m[2]!.length === 2 && second < first) {
      second += 100
    }
  }
  if (first < 1990 || first > 2100) {
    return fail(`année universitaire invalide : ${first} hors de 1990–2100`)
  }
  if (second !== first + 1) {
    return fail(`année universitaire incohérente : la seconde année doit suivre la première (ex. ${first}/${first + 1})`)
  }
  return { ok: true, value: `${first}/${second}` }
}

/**
 * The academic year an ISO date belongs to. The French academic year runs from 1 September to
 * 31 August (code de l'éducation, art. L. 718-1 leaves the calendar to each university; September
 * is the common start).
 */
export function academicYearOf(iso: string): string {
  const y = Number(iso.slice(0, 4))
  const m = Number(iso.slice(5, 7))
  return m >= 9 ? `${y}/${y + 1}` : `${y - 1}/${y}`
}

/** A birth year between 1900 and `currentYear`. */
export function birthYearParser(currentYear: () => number = () => new Date().getFullYear()): Parser {
  return (s) => {
    const v = integerOf(s)
    if (Number.isNaN(v)) {
      return /^\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}$/.test(s)
        ? fail(
            `année de naissance invalide : une date de naissance complète est une donnée identifiante ; n'envoyez que l'année (ex. 2005)`,
          )
        : fail('année de naissance invalide : attendu une année sur 4 chiffres (ex. 2005)')
    }
    const max = currentYear()
    if (v < 1900 || v > max) {
      return fail(`année de naissance invalide : attendu une année entre 1900 et ${max}`)
    }
    return { ok: true, value: v }
  }
}

// ---------------------------------------------------------------------------------------------
// Identifiers and contact details
// ---------------------------------------------------------------------------------------------

const PSEUDO_ID_RE = /^[A-Za-z0-9_\-+/=]{16,128}$/

export const PSEUDONYMISE_HINT = 'pseudonymisez le fichier avec scripts/pseudonymise.ts avant de l\u2019envoyer'

/**
 * A pseudonymous student id: a keyed hash, at least 16 characters of hex or base64(url).
 * A bare number is refused: it is a raw student number, which identifies the student.
 */
export function parsePseudoId(s: string): ParseResult {
  if (PSEUDO_ID_RE.test(s)) {
    return { ok: true, value: s }
  }
  if (/^\d{1,15}$/.test(s)) {
    return fail(`identifiant en clair : « ${excerpt(s, 20)} » ressemble à un numéro étudiant ; ${PSEUDONYMISE_HINT}`)
  }
  if (s.includes('@')) {
    return fail(`identifiant en clair : une adresse e-mail ne peut pas servir d'identifiant ; ${PSEUDONYMISE_HINT}`)
  }
  return fail(
    `identifiant pseudonymisé invalide : attendu au moins 16 caractères (lettres, chiffres, - ou _), tel que produit par scripts/pseudonymise.ts`,
  )
}

/** An e-mail address, lower-cased. The format is ajv-formats' `email`, the one Fastify's schemas check. */
export function parseEmail(s: string): ParseResult {
  const e = s.toLowerCase()
  if (isEmailAddress(e)) {
    return { ok: true, value: e }
  }
  return fail('adresse e-mail invalide : attendu une adresse comme prenom.nom@example.fr')
}

export function looksLikeEmail(s: string): boolean {
  return isEmailAddress(s)
}

/**
 * Overseas departments and collectivities use French 10-digit numbers at home but their own country
 * code internationally (ARCEP numbering plan): 0692 xx xx xx in La Réunion is +262 692 xx xx xx.
 * libphonenumber-js knows each region's calling code but, as a separate country, not the French
 * national prefixes that reach it: this table maps them to the region.
 */
const OVERSEAS_REGIONS: Record<string, CountryCode> = {
  '0262': 'RE',
  '0263': 'RE',
  '0269': 'YT',
  '0639': 'YT',
  '0692': 'RE',
  '0693': 'RE',
  '0590': 'GP',
  '0690': 'GP',
  '0691': 'GP',
  '0594': 'GF',
  '0694': 'GF',
  '0596': 'MQ',
  '0696': 'MQ',
  '0697': 'MQ',
  '0508': 'PM',
}

export const PHONE_REASON = 'numéro de téléphone invalide : attendu un numéro français comme 06 12 34 56 78 ou +33 6 12 34 56 78'

/**
 * French phone numbers (`06 12 34 56 78`, `06.12.34.56.78`, `+33 6 12 34 56 78`, `+33 (0)6…`,
 * `0033 6…`, and `612345678` when a spreadsheet dropped the leading zero) → E.164 (`+33612345678`).
 * Overseas numbers get their own country code; other international numbers in E.164 are kept.
 *
 * Parsing and validation are libphonenumber-js's, with its `min` metadata: it checks each country's
 * number lengths and shape, not the ranges allocated today (the `max` metadata refuses
 * `07 12 34 56 78`, a well-formed French mobile number, and dummy numbers people test with).
 */
export function parsePhone(s: string): ParseResult {
  const phone = parsePhoneNumberFromString(s, { defaultCountry: 'FR', extract: false })
  if (!phone?.isValid() || phone.ext) {
    return fail(PHONE_REASON)
  }
  if (phone.countryCallingCode === '33') {
    const region = OVERSEAS_REGIONS[`0${phone.nationalNumber.slice(0, 3)}`]
    if (region) {
      return { ok: true, value: `+${getCountryCallingCode(region)}${phone.nationalNumber}` }
    }
  }
  return { ok: true, value: phone.number }
}

/** True when the text is written like a French phone number (national or +33 form). */
export function looksLikeFrenchPhone(s: string): boolean {
  const d = s.replace(/[\s.\-()\u00a0]/g, '')
  return /^(?:0|\+33|0033)[1-9]\d{8}$/.test(d) || /^\+330[1-9]\d{8}$/.test(d)
}

/** INE (identifiant national étudiant): 11 characters, e.g. `1234567404G` (INE-BEA) or `123456789AB`. */
export function looksLikeIne(s: string): boolean {
  if (s.length !== 11) {
    return false
  }
  const u = s.toUpperCase()
  if (!/^[0-9A-Z]{10}[A-Z]$/.test(u)) {
    return false
  }
  let digits = 0
  for (let i = 0; i < 11; i++) {
    if (isDigit(u.charCodeAt(i))) {
      digits++
    }
  }
  return digits >= 8
}

/**
 * NIR (numéro de sécurité sociale): 13 characters (sex 1/2, year, month, department with 2A/2B for
 * Corsica, commune, order) and optionally the 2-digit key = 97 − (number mod 97).
 */
export function looksLikeNir(s: string): boolean {
  const d = s.replace(/[\s.]/g, '').toUpperCase()
  const m = /^([12])(\d{2})(\d{2})(\d{2}|2A|2B)(\d{3})(\d{3})(\d{2})?$/.exec(d)
  if (!m) {
    return false
  }
  const month = Number(m[3])
  // 20–42 and 50–99 are pseudo-months of people whose birth month is unknown or registration is
  // temporary; without the key, accept only real months and 20–42 (a 13-digit timestamp is not a NIR).
  const usualMonth = (month >= 1 && month <= 12) || (month >= 20 && month <= 42)
  if (m[7] === undefined) {
    return usualMonth
  }
  if (!usualMonth && month < 50) {
    return false
  }
  const body = d.slice(0, 13).replace('2A', '19').replace('2B', '18')
  const key = 97 - Number(BigInt(body) % 97n)
  return key === Number(m[7])
}
