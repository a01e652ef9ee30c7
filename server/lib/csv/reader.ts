/**
 * Streaming CSV reading for university exports: encoding and delimiter detection, then records
 * with their physical line numbers, never holding the whole file in memory.
 *
 * Why not csv-parse: this is the hot path of the import benchmark (parse + validate must run at
 * half the speed of a raw PostgreSQL COPY, i.e. ~650k rows/s on the reference machine). csv-parse 7
 * tops out at ~240k rows/s with `info: true` (it spreads an info object per record) and ~510k rows/s
 * with every option tuned (no `info`, line numbers read from `parser.info` in a `push` hook, latin1
 * decoding), before any validation. The splitter below handles the same dialect (RFC 4180 quoting,
 * `""` escapes, CRLF/LF/CR, quoted newlines, Excel's lenient stray quotes) with a native
 * `indexOf`/`split` fast path for lines without quotes, at ~2M rows/s. csv-parse stays the oracle
 * of the differential tests (tests/unit/lib/csv/reader.test.ts).
 *
 * @see https://www.rfc-editor.org/rfc/rfc4180
 * @see docs/domain.md#csv-habits
 */
import { createReadStream } from 'node:fs'
import { open, stat } from 'node:fs/promises'
import iconv from 'iconv-lite'
import { ImportStructureError } from '../../services/imports/errors.ts'

export type CsvEncoding = 'utf-8' | 'utf-8-bom' | 'windows-1252'
export type CsvDelimiter = ';' | '\t' | ','

export interface CsvRow {
  /** Physical line number (1-based, the header is usually line 1) where the record starts. */
  line: number
  fields: string[]
}

export interface OpenCsvOptions {
  /** Skip detection (the upload route already knows it from `Utf8Validator`). A UTF-8 BOM always wins. */
  encoding?: CsvEncoding
  delimiter?: CsvDelimiter
  /** Read size in bytes (default 1 MiB). */
  highWaterMark?: number
}

export interface CsvFile {
  encoding: CsvEncoding
  delimiter: CsvDelimiter
  /** Header cells, trimmed; trailing empty header cells are dropped. */
  headers: string[]
  /** Physical line of the header record. */
  headerLine: number
  /**
   * The data records after the header. Lines whose cells are all empty are skipped; cells beyond the
   * header's width are dropped when empty, so a row with a different number of cells than the header
   * is a row with a wrong width, left to the validator to report. Each iteration re-reads the file
   * from disk (two passes are possible); nothing is opened until iteration starts.
   */
  rows: AsyncIterable<CsvRow>
  /** The same records in batches (one per read chunk): fewer promises for consumers that can use them. */
  batches: AsyncIterable<CsvRow[]>
  /** Up to 200 data rows from the start of the file, e.g. for `detectIdentifierValues`. */
  sample: string[][]
}

const DEFAULT_HIGH_WATER_MARK = 1 << 16
/** Detection reads this much; the header record must end within it. */
const HEAD_BYTES = 1 << 20
/** A record longer than this is a broken file (unclosed quote, wrong line endings, binary data). */
const MAX_RECORD_CHARS = 4 << 20
/**
 * More header cells than this is a wrong delimiter or a pivoted export, not a university file (the
 * widest kind has a few dozen columns): refused before the mapping page would list them all.
 */
export const MAX_COLUMNS = 500
const SAMPLE_ROWS = 200

// ---------------------------------------------------------------------------------------------
// Encoding
// ---------------------------------------------------------------------------------------------

const UTF8_BOM = [0xef, 0xbb, 0xbf] as const

function hasUtf8Bom(head: Buffer): boolean {
  return head.length >= 3 && head[0] === UTF8_BOM[0] && head[1] === UTF8_BOM[1] && head[2] === UTF8_BOM[2]
}

/** True when `bytes` ends in the middle of a multi-byte UTF-8 sequence. */
function endsWithIncompleteUtf8(bytes: Uint8Array): boolean {
  const n = bytes.length
  for (let k = 1; k <= 3 && k <= n; k++) {
    const b = bytes[n - k]!
    if ((b & 0xc0) === 0x80) {
      continue
    }
    if (b >= 0xc0) {
      const needed = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : 2
      return needed > k
    }
    return false
  }
  return false
}

/**
 * Checks that a file is valid UTF-8 chunk by chunk, so the upload route can check the whole file
 * while writing it to disk, without a second pass.
 */
export class Utf8Validator {
  private readonly decoder = new TextDecoder('utf-8', { fatal: true })
  private ok = true
  private tail: Uint8Array = new Uint8Array(0)

  update(chunk: Buffer | Uint8Array): void {
    if (!this.ok || chunk.length === 0) {
      return
    }
    try {
      this.decoder.decode(chunk, { stream: true })
    } catch {
      this.ok = false
      return
    }
    if (chunk.length >= 3) {
      this.tail = chunk.subarray(chunk.length - 3)
    } else {
      const joined = new Uint8Array(this.tail.length + chunk.length)
      joined.set(this.tail)
      joined.set(chunk, this.tail.length)
      this.tail = joined.subarray(Math.max(0, joined.length - 3))
    }
  }

  /** True once an invalid sequence was seen (the file is not UTF-8 whatever follows). */
  get invalid(): boolean {
    return !this.ok
  }

  /** False as soon as an invalid sequence was seen, or when the data seen so far ends mid-character. */
  get valid(): boolean {
    return this.ok && !endsWithIncompleteUtf8(this.tail)
  }
}

function isValidUtf8Head(head: Buffer): boolean {
  try {
    // `stream: true` tolerates a character cut at the end of the head.
    new TextDecoder('utf-8', { fatal: true }).decode(head, { stream: true })
    return true
  } catch {
    return false
  }
}

/**
 * BOM → `utf-8-bom`; otherwise valid UTF-8 → `utf-8`; otherwise `windows-1252` (what Excel and
 * Apogée write on French Windows). Pass `isValidUtf8` from a `Utf8Validator` that saw the whole
 * file: the head alone is often pure ASCII even when accents come later.
 */
export function detectEncoding(head: Buffer, isValidUtf8?: boolean): CsvEncoding {
  if (hasUtf8Bom(head)) {
    return 'utf-8-bom'
  }
  const valid = isValidUtf8 ?? isValidUtf8Head(head)
  return valid ? 'utf-8' : 'windows-1252'
}

interface ChunkDecoder {
  /** Throws `InvalidBytes` at the first byte sequence invalid for the encoding. */
  write(buf: Buffer): string
  end(): string
}

/** A decoder met bytes invalid for its encoding; `before` is the text decoded up to them. */
class InvalidBytes extends Error {
  constructor(readonly before: string) {
    super('invalid byte sequence')
  }
}

/** Trailing bytes of `bytes` that start a UTF-8 sequence not finished yet (0 to 3). */
function incompleteUtf8Tail(bytes: Uint8Array): number {
  const n = bytes.length
  for (let k = 1; k <= 3 && k <= n; k++) {
    const b = bytes[n - k]!
    if ((b & 0xc0) === 0x80) {
      continue
    }
    if (b >= 0xc0) {
      const needed = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : 2
      return needed > k ? k : 0
    }
    return 0
  }
  return 0
}

/**
 * Length of the longest prefix of `bytes` without an invalid UTF-8 sequence (a sequence cut at the
 * end does not count). Binary search on the decoder itself, so "invalid" means exactly what
 * `TextDecoder` says; only used on the error path.
 */
function validUtf8PrefixLength(bytes: Uint8Array): number {
  const valid = (k: number): boolean => {
    try {
      new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(0, k), { stream: true })
      return true
    } catch {
      return false
    }
  }
  let lo = 0
  let hi = bytes.length
  while (lo < hi) {
    const mid = (lo + hi + 1) >>> 1
    if (valid(mid)) {
      lo = mid
    } else {
      hi = mid - 1
    }
  }
  return lo
}

/** Strict UTF-8: an invalid sequence is an error with its position, never a silent U+FFFD in the data. */
function utf8Decoder(): ChunkDecoder {
  const decoder = new TextDecoder('utf-8', { fatal: true })
  let pending: Uint8Array = new Uint8Array(0)
  return {
    write(buf) {
      try {
        const text = decoder.decode(buf, { stream: true })
        const joined = buf.length >= 3 ? buf : Buffer.concat([pending, buf])
        pending = joined.subarray(joined.length - incompleteUtf8Tail(joined))
        return text
      } catch {
        const bytes = Buffer.concat([pending, buf])
        const ok = validUtf8PrefixLength(bytes)
        throw new InvalidBytes(new TextDecoder('utf-8').decode(bytes.subarray(0, ok), { stream: true }))
      }
    },
    end() {
      try {
        return decoder.decode()
      } catch {
        // The file ends in the middle of a character.
        throw new InvalidBytes('')
      }
    },
  }
}

function invalidEncoding(line: number, encoding: CsvEncoding): ImportStructureError {
  const name = encoding === 'windows-1252' ? 'Windows-1252' : 'UTF-8'
  return new ImportStructureError(
    'invalid_encoding',
    `Ligne ${line} : des octets ne correspondent pas à l’encodage ${name} du reste du fichier (fichier tronqué au milieu d’un caractère, ` +
      `ou qui mélange plusieurs encodages). Enregistrez à nouveau le fichier au format « CSV UTF-8 (délimité par des points-virgules) », puis déposez-le.`,
    { line },
  )
}

function nulByte(line: number): ImportStructureError {
  return new ImportStructureError(
    'binary',
    `Ligne ${line} : le fichier contient un caractère nul (octet 0), ce qu’un fichier CSV texte ne contient jamais. ` +
      `Le fichier est probablement abîmé : exportez à nouveau les données au format CSV.`,
    { line },
  )
}

/** Windows-1252 differs from Latin-1 only in 0x80–0x9F (€ ’ œ … “ ”): take that table from iconv-lite. */
const CP1252_C1 = iconv.decode(Buffer.from(Array.from({ length: 32 }, (_, i) => 0x80 + i)), 'windows-1252')
const C1_RE = /[\u0080-\u009f]/
const C1_RE_G = /[\u0080-\u009f]/g
const c1Replace = (c: string): string => CP1252_C1[c.charCodeAt(0) - 0x80] ?? c

function makeDecoder(encoding: CsvEncoding): ChunkDecoder {
  if (encoding === 'windows-1252') {
    // Latin-1 decoding is a memcpy into a one-byte string (iconv-lite builds a two-byte one, ~2× slower
    // for everything downstream); the 32 C1 positions are then mapped to their Windows-1252 characters.
    return {
      write(buf) {
        const s = buf.toString('latin1')
        return C1_RE.test(s) ? s.replace(C1_RE_G, c1Replace) : s
      },
      end: () => '',
    }
  }
  return utf8Decoder()
}

// ---------------------------------------------------------------------------------------------
// Delimiter
// ---------------------------------------------------------------------------------------------

const DELIMITERS: readonly CsvDelimiter[] = [';', '\t', ',']

function countOutsideQuotes(line: string, ch: string): number {
  let count = 0
  let quoted = false
  for (let i = 0; i < line.length; i++) {
    const c = line[i]
    if (c === '"') {
      quoted = !quoted
    } else if (c === ch && !quoted) {
      count++
    }
  }
  return count
}

/**
 * Picks `;`, tab or `,` from the first non-empty lines: a candidate must appear on the first line
 * (outside quotes), then the one found the same number of times on the most lines wins, then the
 * most frequent, then `;` before tab before `,` (French Excel habits, docs/domain.md#csv-habits).
 */
export function detectDelimiter(firstLines: string): CsvDelimiter {
  const text = firstLines.charCodeAt(0) === 0xfeff ? firstLines.slice(1) : firstLines
  const lines = text
    .split(/\r\n|\n|\r/)
    .filter((l) => l.trim() !== '')
    .slice(0, 20)
  const sep = /^sep=(.)\s*$/i.exec(lines[0] ?? '')
  if (sep && (DELIMITERS as readonly string[]).includes(sep[1]!)) {
    return sep[1] as CsvDelimiter
  }
  let best: CsvDelimiter = ';'
  let bestScore = -1
  for (const d of DELIMITERS) {
    const counts = lines.map((l) => countOutsideQuotes(l, d))
    const first = counts[0] ?? 0
    if (first === 0) {
      continue
    }
    const consistent = counts.filter((c) => c === first).length / counts.length
    const score = consistent * 1000 + Math.min(first, 999)
    if (score > bestScore) {
      best = d
      bestScore = score
    }
  }
  return best
}

// ---------------------------------------------------------------------------------------------
// Record splitting
// ---------------------------------------------------------------------------------------------

function isBlank(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i)
    if (!(c <= 32 || c === 0xa0 || c === 0xfeff)) {
      return false
    }
  }
  return true
}

/** Pending text from which an incomplete record is re-parsed only when the text has doubled. */
const DEFER_FROM_CHARS = 1 << 18

function countOf(s: string, ch: string): number {
  let n = 0
  for (let p = s.indexOf(ch); p !== -1; p = s.indexOf(ch, p + 1)) {
    n++
  }
  return n
}

export interface CsvSplitterOptions {
  /** `\n` (LF or CRLF files, the default) or `\r` (old Mac Excel "CSV (Macintosh)" files). */
  eol?: '\n' | '\r'
  /** Width of the header: extra empty cells beyond it are dropped. 0 = keep everything. */
  width?: number
  /** Records starting on or before this line are dropped (the header and a `sep=` line). */
  skipThroughLine?: number
  maxRecordChars?: number
}

/**
 * Incremental CSV record splitter: feed it decoded text chunks, it appends complete records to `out`.
 * Blank records (all cells empty or spaces) are dropped; line numbers count every physical line.
 */
export class CsvSplitter {
  private rest = ''
  private line = 1
  /** When > 0, `push` only appends until `rest` reaches this length (see `push`). */
  private resumeAt = 0
  private readonly delimiter: string
  private readonly delimCode: number
  private readonly eol: string
  private readonly eolIsLf: boolean
  private readonly width: number
  private readonly skipThroughLine: number
  private readonly maxRecordChars: number

  constructor(delimiter: string, opts: CsvSplitterOptions = {}) {
    this.delimiter = delimiter
    this.delimCode = delimiter.charCodeAt(0)
    this.eol = opts.eol ?? '\n'
    this.eolIsLf = this.eol === '\n'
    this.width = opts.width ?? 0
    this.skipThroughLine = opts.skipThroughLine ?? 0
    this.maxRecordChars = opts.maxRecordChars ?? MAX_RECORD_CHARS
  }

  /** Physical line where the record not yet complete (if any) starts. */
  get pendingLine(): number {
    return this.line
  }

  /** Physical line reached at the end of `text` if it were pushed now (for errors found before pushing). */
  lineAfter(text: string): number {
    return this.line + countOf(this.rest, this.eol) + countOf(text, this.eol)
  }

  push(text: string, out: CsvRow[]): void {
    if (this.resumeAt > 0 && this.rest.length + text.length < this.resumeAt) {
      // A long record is still incomplete: parsing it again on every chunk would cost its length
      // each time (quadratic; the fuzz benchmark found an unclosed quote before 2 million `;` taking
      // seconds). Waiting until the pending text doubles keeps the total linear.
      this.rest += text
      if (this.rest.length > this.maxRecordChars) {
        throw this.tooLarge()
      }
      return
    }
    this.run(this.rest.length === 0 ? text : this.rest + text, false, out)
    this.resumeAt = this.rest.length >= DEFER_FROM_CHARS ? this.rest.length * 2 : 0
  }

  end(out: CsvRow[]): void {
    this.run(this.rest, true, out)
  }

  private emit(fields: string[], line: number, out: CsvRow[]): void {
    if (line <= this.skipThroughLine) {
      return
    }
    const w = this.width
    if (w > 0 && fields.length > w) {
      let extraBlank = true
      for (let i = w; i < fields.length; i++) {
        if (!isBlank(fields[i]!)) {
          extraBlank = false
          break
        }
      }
      if (extraBlank) {
        fields.length = w
      }
    }
    const f0 = fields[0]!
    if (f0.length === 0 || isBlank(f0.slice(0, 1))) {
      let blank = true
      for (let i = 0; i < fields.length; i++) {
        if (!isBlank(fields[i]!)) {
          blank = false
          break
        }
      }
      if (blank) {
        return
      }
    }
    out.push({ line, fields })
  }

  private tooLarge(): ImportStructureError {
    return new ImportStructureError(
      'record_too_large',
      `Ligne ${this.line} illisible : plus de ${Math.round(this.maxRecordChars / 1_048_576)} millions de caractères sans fin de ligne. ` +
        `Un guillemet (") ouvert n’est probablement jamais refermé, ou le fichier n’est pas un CSV.`,
      { line: this.line },
    )
  }

  private run(s: string, final: boolean, out: CsvRow[]): void {
    const n = s.length
    const eol = this.eol
    const d = this.delimiter
    let pos = 0
    let quote = s.indexOf('"')
    while (pos < n) {
      let nl = s.indexOf(eol, pos)
      if (quote !== -1 && quote < pos) {
        quote = s.indexOf('"', pos)
      }
      if (quote === -1 || (nl !== -1 && quote > nl)) {
        // Fast path: a line without quotes.
        if (nl === -1) {
          if (!final) {
            break
          }
          nl = n
        }
        let end = nl
        if (this.eolIsLf && end > pos && s.charCodeAt(end - 1) === 13) {
          end--
        }
        if (end - pos > this.maxRecordChars) {
          throw this.tooLarge()
        }
        if (end > pos) {
          this.emit(s.slice(pos, end).split(d), this.line, out)
        }
        this.line++
        pos = nl + 1
      } else {
        const next = this.quotedRecord(s, pos, final, out)
        if (next === -1) {
          break
        }
        pos = next
      }
    }
    this.rest = pos >= n ? '' : pos === 0 ? s : s.slice(pos)
    if (this.rest.length > this.maxRecordChars) {
      throw this.tooLarge()
    }
  }

  /** Index after the record starting at `pos`, or -1 when more text is needed to finish it. */
  private quotedRecord(s: string, pos: number, final: boolean, out: CsvRow[]): number {
    const n = s.length
    const d = this.delimiter
    const dc = this.delimCode
    const eol = this.eol
    const fields: string[] = []
    let newlines = 0
    let i = pos
    let nextDelim = -2
    let nextEol = -2
    // End of the unquoted text starting at i: the next delimiter or end of line.
    const stopFrom = (from: number): number => {
      if (nextDelim !== -1 && nextDelim < from) {
        nextDelim = s.indexOf(d, from)
      }
      if (nextEol !== -1 && nextEol < from) {
        nextEol = s.indexOf(eol, from)
      }
      const a = nextDelim === -1 ? n : nextDelim
      const b = nextEol === -1 ? n : nextEol
      return a < b ? a : b
    }
    for (;;) {
      if (i - pos > this.maxRecordChars) {
        throw this.tooLarge()
      }
      let value: string
      if (i < n && s.charCodeAt(i) === 34) {
        let j = i + 1
        value = ''
        for (;;) {
          const k = s.indexOf('"', j)
          if (k === -1) {
            if (!final) {
              return -1
            }
            throw new ImportStructureError(
              'unterminated_quote',
              `Ligne ${this.line} : un guillemet (") ouvert n’est jamais refermé. Vérifiez cette ligne dans un tableur ou un éditeur de texte.`,
              { line: this.line },
            )
          }
          value += s.slice(j, k)
          if (k + 1 < n && s.charCodeAt(k + 1) === 34) {
            value += '"'
            j = k + 2
            continue
          }
          if (k + 1 >= n && !final) {
            return -1
          }
          i = k + 1
          break
        }
        for (let p = value.indexOf(eol); p !== -1; p = value.indexOf(eol, p + 1)) {
          newlines++
        }
        // Excel-style leniency: text after the closing quote is kept as is.
        const stop = stopFrom(i)
        if (stop > i) {
          value += s.slice(i, stop)
        }
        i = stop
      } else {
        const stop = stopFrom(i)
        value = s.slice(i, stop)
        i = stop
      }
      if (i >= n) {
        if (!final) {
          return -1
        }
        fields.push(value)
        this.emit(fields, this.line, out)
        this.line += 1 + newlines
        return n
      }
      if (s.charCodeAt(i) === dc) {
        fields.push(value)
        i++
        continue
      }
      // End of line.
      if (this.eolIsLf && value.length > 0 && value.charCodeAt(value.length - 1) === 13) {
        value = value.slice(0, -1)
      }
      fields.push(value)
      this.emit(fields, this.line, out)
      this.line += 1 + newlines
      return i + 1
    }
  }
}

/** Splits a whole CSV text (small files, tests). Blank lines are skipped; the header is included. */
export function splitCsvText(text: string, delimiter: CsvDelimiter, eol: '\n' | '\r' = '\n'): CsvRow[] {
  const out: CsvRow[] = []
  const splitter = new CsvSplitter(delimiter, { eol })
  splitter.push(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text, out)
  splitter.end(out)
  return out
}

// ---------------------------------------------------------------------------------------------
// Opening a file
// ---------------------------------------------------------------------------------------------

function startsWith(head: Buffer, bytes: number[]): boolean {
  return head.length >= bytes.length && bytes.every((b, i) => head[i] === b)
}

/**
 * UTF-16 without a BOM: text of Latin script has a zero high byte in (nearly) every code unit, so one
 * byte position of each pair is mostly zeros and the other almost never. The decoded text must then
 * read as text (few control characters), so a binary file with a similar pattern stays "binary".
 */
function looksLikeUtf16(probe: Buffer): boolean {
  const pairs = probe.length >>> 1
  if (pairs < 2) {
    return false
  }
  let evenZeros = 0
  let oddZeros = 0
  for (let i = 0; i + 1 < probe.length; i += 2) {
    if (probe[i] === 0) {
      evenZeros++
    }
    if (probe[i + 1] === 0) {
      oddZeros++
    }
  }
  const le = oddZeros >= pairs * 0.5 && evenZeros <= pairs * 0.02
  const be = evenZeros >= pairs * 0.5 && oddZeros <= pairs * 0.02
  if (!le && !be) {
    return false
  }
  const text = new TextDecoder(le ? 'utf-16le' : 'utf-16be').decode(probe.subarray(0, pairs * 2))
  let control = 0
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (c < 32 && c !== 9 && c !== 10 && c !== 13 && c !== 12) {
      control++
    }
  }
  return control <= text.length / 100
}

/** Refuses files that are obviously not CSV text, with a message that says what to do instead. */
function checkNotBinary(head: Buffer): void {
  if (startsWith(head, [0x50, 0x4b, 0x03, 0x04]) || startsWith(head, [0xd0, 0xcf, 0x11, 0xe0])) {
    throw new ImportStructureError(
      'spreadsheet',
      'Ce fichier est un classeur Excel ou LibreOffice, pas un CSV. Ouvrez-le et choisissez « Enregistrer sous » → « CSV UTF-8 (délimité par des points-virgules) ».',
    )
  }
  if (startsWith(head, [0xff, 0xfe]) || startsWith(head, [0xfe, 0xff])) {
    throw new ImportStructureError(
      'unsupported_encoding',
      'Ce fichier est encodé en UTF-16 (« Texte Unicode » d’Excel). Enregistrez-le plutôt au format « CSV UTF-8 (délimité par des points-virgules) ».',
    )
  }
  const probe = head.subarray(0, 65_536)
  if (looksLikeUtf16(probe)) {
    throw new ImportStructureError(
      'unsupported_encoding',
      'Ce fichier est encodé en UTF-16 (« Texte Unicode » d’Excel). Enregistrez-le plutôt au format « CSV UTF-8 (délimité par des points-virgules) ».',
    )
  }
  let control = 0
  for (let i = 0; i < probe.length; i++) {
    const b = probe[i]!
    if (b === 0) {
      control = probe.length
      break
    }
    if (b < 32 && b !== 9 && b !== 10 && b !== 13 && b !== 12) {
      control++
    }
  }
  if (control > probe.length / 100) {
    throw new ImportStructureError(
      'binary',
      'Ce fichier n’est pas un fichier texte CSV (il contient des données binaires). Exportez les données au format CSV.',
    )
  }
  const start = probe.subarray(0, 512).toString('latin1').trimStart().toLowerCase()
  if (start.startsWith('<!doctype') || start.startsWith('<html') || start.startsWith('<?xml') || start.startsWith('%pdf')) {
    throw new ImportStructureError(
      'spreadsheet',
      'Ce fichier est une page HTML, un document XML ou un PDF, pas un CSV. Exportez les données au format CSV.',
    )
  }
}

async function readHead(filePath: string, size: number): Promise<Buffer> {
  const fh = await open(filePath, 'r')
  try {
    const buf = Buffer.allocUnsafe(Math.min(size, HEAD_BYTES))
    let read = 0
    while (read < buf.length) {
      const { bytesRead } = await fh.read(buf, read, buf.length - read, read)
      if (bytesRead === 0) {
        break
      }
      read += bytesRead
    }
    return buf.subarray(0, read)
  } finally {
    await fh.close()
  }
}

async function isWholeFileUtf8(filePath: string, highWaterMark: number): Promise<boolean> {
  const validator = new Utf8Validator()
  const stream = createReadStream(filePath, { highWaterMark })
  try {
    for await (const chunk of stream) {
      validator.update(chunk as Buffer)
      if (validator.invalid) {
        return false
      }
    }
  } finally {
    stream.destroy()
  }
  return validator.valid
}

interface ReadPlan {
  filePath: string
  encoding: CsvEncoding
  delimiter: CsvDelimiter
  eol: '\n' | '\r'
  width: number
  headerLine: number
  highWaterMark: number
}

async function* readBatches(plan: ReadPlan): AsyncGenerator<CsvRow[]> {
  const stream = createReadStream(plan.filePath, { highWaterMark: plan.highWaterMark })
  const decoder = makeDecoder(plan.encoding)
  const splitter = new CsvSplitter(plan.delimiter, { eol: plan.eol, width: plan.width, skipThroughLine: plan.headerLine })
  let first = true
  // Decoding and NUL errors are found before the text reaches the splitter: their line is counted from it.
  const decode = (bytes: Buffer | null): string => {
    let text: string
    try {
      text = bytes === null ? decoder.end() : decoder.write(bytes)
    } catch (err) {
      if (err instanceof InvalidBytes) {
        throw invalidEncoding(splitter.lineAfter(err.before), plan.encoding)
      }
      throw err
    }
    // PostgreSQL text cannot hold U+0000: refused here, with its line, rather than by COPY.
    const nul = text.indexOf('\0')
    if (nul !== -1) {
      throw nulByte(splitter.lineAfter(text.slice(0, nul)))
    }
    return text
  }
  try {
    for await (const chunk of stream) {
      let text = decode(chunk as Buffer)
      if (first && text.length > 0) {
        first = false
        if (text.charCodeAt(0) === 0xfeff) {
          text = text.slice(1)
        }
      }
      const out: CsvRow[] = []
      splitter.push(text, out)
      if (out.length > 0) {
        yield out
      }
    }
    const out: CsvRow[] = []
    const tail = decode(null)
    if (tail.length > 0) {
      splitter.push(tail, out)
    }
    splitter.end(out)
    if (out.length > 0) {
      yield out
    }
  } finally {
    stream.destroy()
  }
}

const DONE: IteratorReturnResult<undefined> = Object.freeze({ done: true, value: undefined })

/** Per-row iteration over batches, with one settled promise per row instead of an async generator's queue. */
function rowsOf(batches: () => AsyncGenerator<CsvRow[]>): AsyncIterable<CsvRow> {
  return {
    [Symbol.asyncIterator](): AsyncIterator<CsvRow> {
      const source = batches()
      let batch: CsvRow[] = []
      let i = 0
      let finished = false
      const pull = (): Promise<IteratorResult<CsvRow>> =>
        source.next().then((r) => {
          if (r.done) {
            finished = true
            return DONE
          }
          batch = r.value
          i = 0
          return next()
        })
      const next = (): Promise<IteratorResult<CsvRow>> => {
        if (i < batch.length) {
          return Promise.resolve({ done: false, value: batch[i++]! })
        }
        return finished ? Promise.resolve(DONE) : pull()
      }
      return {
        next,
        async return(): Promise<IteratorResult<CsvRow>> {
          finished = true
          batch = []
          await source.return(undefined)
          return DONE
        },
      }
    },
  }
}

/**
 * Opens a CSV export: detects encoding (unless given; a whole-file UTF-8 check is one extra
 * sequential read), delimiter and line endings from the first MiB, reads the header, and returns
 * lazily streamed rows. Throws `ImportStructureError` (French message) for an empty, binary or
 * spreadsheet file, a raw Apogée text export, or a file without a readable header. File-system
 * errors (ENOENT, EACCES) are thrown as they are.
 */
export async function openCsv(filePath: string, opts: OpenCsvOptions = {}): Promise<CsvFile> {
  const highWaterMark = opts.highWaterMark ?? DEFAULT_HIGH_WATER_MARK
  const { size } = await stat(filePath)
  if (size === 0) {
    throw new ImportStructureError('empty', 'Le fichier est vide.')
  }
  const head = await readHead(filePath, size)
  checkNotBinary(head)

  let encoding: CsvEncoding
  if (hasUtf8Bom(head)) {
    encoding = 'utf-8-bom'
  } else if (opts.encoding !== undefined) {
    encoding = opts.encoding === 'utf-8-bom' ? 'utf-8' : opts.encoding
  } else if (!isValidUtf8Head(head)) {
    encoding = 'windows-1252'
  } else {
    encoding = detectEncoding(head, size <= head.length ? true : await isWholeFileUtf8(filePath, highWaterMark))
  }

  const headDecoder = makeDecoder(encoding)
  const wholeFileInHead = size <= head.length
  let headText = ''
  try {
    headText = headDecoder.write(head)
    if (wholeFileInHead) {
      headText += headDecoder.end()
    }
  } catch (err) {
    if (err instanceof InvalidBytes) {
      // From `end()` (the file stops mid-character) everything decoded so far comes before the error.
      const before = headText + err.before
      const eol = before.includes('\n') || !before.includes('\r') ? '\n' : '\r'
      throw invalidEncoding(1 + countOf(before, eol), encoding)
    }
    throw err
  }
  if (headText.charCodeAt(0) === 0xfeff) {
    headText = headText.slice(1)
  }
  if (isBlank(headText)) {
    throw new ImportStructureError('empty', 'Le fichier est vide.')
  }
  if (/^\s*(?:XX-APO_|apoC_|apoL_)/.test(headText)) {
    throw new ImportStructureError(
      'apogee_raw_export',
      'Ce fichier est un export texte brut d’Apogée (sections XX-APO_…). Utilisez une extraction au format CSV avec une ligne d’en-têtes (voir les fichiers d’exemple).',
    )
  }

  const eol: '\n' | '\r' = headText.includes('\n') || !headText.includes('\r') ? '\n' : '\r'
  // Past the binary probe but within the first MiB: refused now, before a header or sample holds it.
  const nul = headText.indexOf('\0')
  if (nul !== -1) {
    throw nulByte(1 + countOf(headText.slice(0, nul), eol))
  }
  let skipThroughLine = 0
  let delimiter = opts.delimiter
  const sepLine = /^sep=(.)[ \t]*(?:\r\n|\n|\r|$)/i.exec(headText)
  if (sepLine) {
    skipThroughLine = 1
    if (delimiter === undefined && (DELIMITERS as readonly string[]).includes(sepLine[1]!)) {
      delimiter = sepLine[1] as CsvDelimiter
    }
  }
  delimiter ??= detectDelimiter(headText.slice(0, 65_536))

  const records: CsvRow[] = []
  const headSplitter = new CsvSplitter(delimiter, { eol, skipThroughLine })
  try {
    headSplitter.push(headText, records)
    if (wholeFileInHead) {
      headSplitter.end(records)
    }
  } catch (err) {
    // A broken record after the header is the rows' business; before it, the file has no header.
    if (!(err instanceof ImportStructureError) || records.length === 0) {
      throw err
    }
  }
  const headerRow = records[0]
  if (headerRow === undefined && !wholeFileInHead) {
    const line = headSplitter.pendingLine
    throw new ImportStructureError(
      'record_too_large',
      `Ligne ${line} : la ligne d’en-têtes dépasse ${Math.round(HEAD_BYTES / 1_048_576)} million de caractères sans fin de ligne. ` +
        `Un guillemet (") ouvert n’est probablement jamais refermé, ou le fichier n’est pas un CSV. Vérifiez le début du fichier.`,
      { line },
    )
  }
  if (headerRow === undefined) {
    throw new ImportStructureError(
      'no_header',
      'Aucune ligne d’en-têtes lisible au début du fichier : la première ligne non vide doit contenir les noms des colonnes.',
    )
  }
  const headers = headerRow.fields.map((h) => h.trim())
  while (headers.length > 1 && headers[headers.length - 1] === '') {
    headers.pop()
  }
  if (headers.every((h) => h === '')) {
    throw new ImportStructureError('no_header', 'La ligne d’en-têtes est vide : la première ligne doit contenir les noms des colonnes.')
  }
  if (headers.length > MAX_COLUMNS) {
    throw new ImportStructureError(
      'too_many_columns',
      `La ligne d’en-têtes (ligne ${headerRow.line}) compte ${headers.length} colonnes ; un fichier en accepte au plus ${MAX_COLUMNS}. ` +
        `Vérifiez le séparateur choisi à l’export (point-virgule attendu) et retirez les colonnes inutiles, puis déposez le fichier à nouveau.`,
      { line: headerRow.line },
    )
  }

  const plan: ReadPlan = {
    filePath,
    encoding,
    delimiter,
    eol,
    width: headers.length,
    headerLine: headerRow.line,
    highWaterMark,
  }
  const width = headers.length
  const sample = records.slice(1, 1 + SAMPLE_ROWS).map((r) => {
    const f = r.fields
    if (f.length > width && f.slice(width).every(isBlank)) {
      f.length = width
    }
    return f
  })
  return {
    encoding,
    delimiter,
    headers,
    headerLine: headerRow.line,
    rows: rowsOf(() => readBatches(plan)),
    batches: { [Symbol.asyncIterator]: () => readBatches(plan) },
    sample,
  }
}
