/**
 * The synthetic attendance export of the ingest benchmark: one row per student and session, as a
 * university would send it (Windows-1252, `;`, CRLF, dd/mm/yyyy dates, P/ABI/ABJ/RET codes), and
 * the same rows already resolved for a raw `COPY` into `attendance_sessions`.
 *
 * Row `i` is a pure function of `i`, so the file and the raw COPY carry exactly the same data and
 * nothing is ever held in memory: both are generated chunk by chunk.
 *
 * Row `i` belongs to student `i mod 28,000`; its k-th row (k = ⌊i / 28,000⌋) takes slot
 * `(k·STRIDE + offset) mod SLOTS` of the student's 8 course units × teaching days × 4 session
 * types. STRIDE is prime to SLOTS, so a student never gets the same slot twice: the natural key
 * (student, course unit, date, type) is unique in every file of up to 28,000 × SLOTS rows.
 */
import { createWriteStream } from 'node:fs'
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import iconv from 'iconv-lite'

export const STUDENTS = 28_000
export const FILE_HEADER = 'id_pseudo;code_elp;type_seance;date_seance;statut_presence;justif'

const COURSES_PER_STUDENT = 8
const PROGRAMMES = 60
const DISCIPLINES = ['DRT', 'ECO', 'HIS', 'LET', 'MAT', 'PHY', 'BIO', 'CHI', 'INF', 'PSY', 'SOC', 'GEO'] as const
/**
 * How the file spells each session type, and the code the import stores. "Contrôle continu" goes
 * through the French-label lookup and carries a Windows-1252 accent (ô = 0xF4).
 */
const TYPES = [
  { file: 'CM', code: 'CM' },
  { file: 'TD', code: 'TD' },
  { file: 'TP', code: 'TP' },
  { file: 'Contrôle continu', code: 'CC' },
] as const
const PRESENCES = [
  { raw: 'P', presence: 'present', justif: '', justified: '\\N' },
  { raw: 'ABI', presence: 'absent_unjustified', justif: 'N', justified: 'f' },
  { raw: 'ABJ', presence: 'absent_justified', justif: 'O', justified: 't' },
  { raw: 'RET', presence: 'late', justif: '', justified: '\\N' },
] as const

/** Weekdays of the 2024/2025 academic year, outside the Christmas break: [dd/mm/yyyy, yyyy-mm-dd]. */
const TEACHING_DAYS: readonly (readonly [string, string])[] = (() => {
  const days: [string, string][] = []
  for (let t = Date.UTC(2024, 8, 2); t <= Date.UTC(2025, 4, 30); t += 86_400_000) {
    const d = new Date(t)
    const iso = d.toISOString().slice(0, 10)
    const weekday = d.getUTCDay()
    if (weekday === 0 || weekday === 6 || (iso >= '2024-12-21' && iso <= '2025-01-05')) {
      continue
    }
    days.push([`${iso.slice(8, 10)}/${iso.slice(5, 7)}/${iso.slice(0, 4)}`, iso])
  }
  return days
})()

const SLOTS = COURSES_PER_STUDENT * TYPES.length * TEACHING_DAYS.length
const STRIDE = 7_919
const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b))
if (gcd(STRIDE, SLOTS) !== 1) {
  throw new Error(`bench data: STRIDE ${STRIDE} must be prime to SLOTS ${SLOTS}`)
}
export const MAX_ROWS = STUDENTS * SLOTS

/** The pseudonym of student n: same form as `pseudo()` in tests/helpers/imports.ts (which imports vitest). */
export function pseudo(n: number): string {
  return `ps${n.toString(36).padStart(6, '0')}Xq7Lm2Zt9Rw4`
}

/** The course codes of each programme, Apogée-like (`3ECO245`). */
const COURSE_CODES: readonly string[][] = Array.from({ length: PROGRAMMES }, (_, g) =>
  Array.from(
    { length: COURSES_PER_STUDENT },
    (_, c) => `${1 + (g % 6)}${DISCIPLINES[g % DISCIPLINES.length]}${100 + ((g * COURSES_PER_STUDENT + c) % 900)}`,
  ),
)
const PSEUDOS: readonly string[] = Array.from({ length: STUDENTS }, (_, s) => pseudo(s))

type Row = {
  student: number
  course: string
  day: readonly [string, string]
  type: (typeof TYPES)[number]
  presence: (typeof PRESENCES)[number]
}

/** A cheap integer hash (deterministic presence codes). */
function mix(i: number): number {
  let h = Math.imul(i ^ (i >>> 16), 0x45d9f3b)
  h = Math.imul(h ^ (h >>> 16), 0x45d9f3b)
  return (h ^ (h >>> 16)) >>> 0
}

function row(i: number): Row {
  const student = i % STUDENTS
  const k = (i - student) / STUDENTS
  const slot = (k * STRIDE + student * 131) % SLOTS
  const c = slot % COURSES_PER_STUDENT
  const t = Math.floor(slot / COURSES_PER_STUDENT) % TYPES.length
  const d = Math.floor(slot / (COURSES_PER_STUDENT * TYPES.length))
  // One student in ten is drifting: far more absences.
  const p = mix(i) % 100
  const drifting = student % 10 === 0
  const presence = drifting ? (p < 60 ? 0 : p < 85 ? 1 : p < 93 ? 2 : 3) : p < 88 ? 0 : p < 94 ? 1 : p < 97 ? 2 : 3
  return {
    student,
    course: COURSE_CODES[student % PROGRAMMES]![c]!,
    day: TEACHING_DAYS[d]!,
    type: TYPES[t]!,
    presence: PRESENCES[presence],
  }
}

function checkRows(rows: number): void {
  if (!Number.isInteger(rows) || rows < 1 || rows > MAX_ROWS) {
    throw new Error(`bench data: rows must be an integer between 1 and ${MAX_ROWS} (natural keys stay unique up to there)`)
  }
}

const CHUNK_CHARS = 1 << 20

/** The export's text, CRLF lines, in chunks of about 1 M characters. */
export function* fileTextChunks(rows: number): Generator<string> {
  checkRows(rows)
  let buf = `${FILE_HEADER}\r\n`
  for (let i = 0; i < rows; i++) {
    const r = row(i)
    buf += `${PSEUDOS[r.student]!};${r.course};${r.type.file};${r.day[0]};${r.presence.raw};${r.presence.justif}\r\n`
    if (buf.length >= CHUNK_CHARS) {
      yield buf
      buf = ''
    }
  }
  yield buf
}

/** Writes the export to disk in Windows-1252, streaming. Returns its size in bytes. */
export async function writeAttendanceFile(path: string, rows: number): Promise<number> {
  let bytes = 0
  const encoded = Readable.from(
    (function* () {
      for (const text of fileTextChunks(rows)) {
        const buf = iconv.encode(text, 'windows-1252')
        bytes += buf.length
        yield buf
      }
    })(),
  )
  await pipeline(encoded, createWriteStream(path, { highWaterMark: 1 << 20 }))
  return bytes
}

/** The COPY column list matching `copyTextChunks`. */
export const COPY_COLUMNS = 'student_id, course_unit, session_date, session_type, session_time, presence_raw, presence, justified'

/**
 * The same rows, resolved as the import resolves them (student id, ISO date, session type code,
 * '' for the absent time, raw and normalised presence, justified flag), in COPY text format.
 * `studentIds[s]` is the `students.id` of `pseudo(s)`.
 */
export function* copyTextChunks(rows: number, studentIds: readonly number[]): Generator<Buffer> {
  checkRows(rows)
  let buf = ''
  for (let i = 0; i < rows; i++) {
    const r = row(i)
    const id = studentIds[r.student]
    if (id === undefined) {
      throw new Error(`bench data: no students.id for ${pseudo(r.student)}`)
    }
    buf += `${id}\t${r.course}\t${r.day[1]}\t${r.type.code}\t\t${r.presence.raw}\t${r.presence.presence}\t${r.presence.justified}\n`
    if (buf.length >= CHUNK_CHARS) {
      yield Buffer.from(buf, 'utf8')
      buf = ''
    }
  }
  if (buf) {
    yield Buffer.from(buf, 'utf8')
  }
}
