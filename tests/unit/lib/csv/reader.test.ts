import { afterAll, describe, expect, it } from 'vitest'
import { parse as parseSync } from 'csv-parse/sync'
import iconv from 'iconv-lite'
import {
  CsvSplitter,
  ImportStructureError,
  MAX_COLUMNS,
  Utf8Validator,
  detectDelimiter,
  detectEncoding,
  openCsv,
  splitCsvText,
  type CsvRow,
} from '../../../../server/services/imports/index.ts'
import { collect, tempDir } from '../../../fixtures/imports/files.ts'

const dir = tempDir()
afterAll(() => dir.remove())

const fieldsOf = (rows: CsvRow[]): string[][] => rows.map((r) => r.fields)

describe('detectEncoding', () => {
  it('recognises a BOM, valid UTF-8 and falls back to Windows-1252', () => {
    expect(detectEncoding(Buffer.from('\ufeffa;b', 'utf8'))).toBe('utf-8-bom')
    expect(detectEncoding(Buffer.from('Année;Début', 'utf8'))).toBe('utf-8')
    expect(detectEncoding(iconv.encode('Année;Début', 'windows-1252'))).toBe('windows-1252')
    // The whole-file verdict wins over the head.
    expect(detectEncoding(Buffer.from('plain ascii', 'utf8'), false)).toBe('windows-1252')
    expect(detectEncoding(Buffer.from('\ufeffa', 'utf8'), false)).toBe('utf-8-bom')
  })
})

describe('Utf8Validator', () => {
  it('accepts a multi-byte character split across chunks', () => {
    const bytes = Buffer.from('Année 2024 € 😀', 'utf8')
    for (let cut = 1; cut < bytes.length; cut++) {
      const v = new Utf8Validator()
      v.update(bytes.subarray(0, cut))
      v.update(bytes.subarray(cut))
      expect(v.valid, `cut at ${cut}`).toBe(true)
    }
  })

  it('rejects Windows-1252 bytes and a truncated final character', () => {
    const v = new Utf8Validator()
    v.update(Buffer.from('abc', 'utf8'))
    v.update(iconv.encode('Année', 'windows-1252'))
    v.update(Buffer.from('def', 'utf8'))
    expect(v.valid).toBe(false)
    const truncated = new Utf8Validator()
    truncated.update(Buffer.from('Ann', 'utf8'))
    truncated.update(Buffer.from([0xc3]))
    expect(truncated.valid).toBe(false)
  })
})

describe('detectDelimiter', () => {
  it('prefers consistent candidates outside quotes', () => {
    expect(detectDelimiter('a;b;c\n1;2;3\n')).toBe(';')
    expect(detectDelimiter('a\tb\tc\n1\t2,5\t3\n')).toBe('\t')
    expect(detectDelimiter('a,b,c\n1,2,3\n')).toBe(',')
    expect(detectDelimiter('note;nom\n12,5;"a;b"\n')).toBe(';')
    expect(detectDelimiter('"a;b",c,d\n"1;2",3,4\n')).toBe(',')
    expect(detectDelimiter('id;note\r\nx;12,5\r\ny;13,25\r\n')).toBe(';')
    expect(detectDelimiter('sep=,\na;b,c\n')).toBe(',')
    expect(detectDelimiter('seule colonne\nvaleur\n')).toBe(';')
  })
})

describe('CsvSplitter', () => {
  it('handles CRLF, quoted delimiters, escaped quotes and quoted newlines with start lines', () => {
    const text = 'a;b;c\r\n1;"x;y";"il a dit ""oui"""\r\n2;"ligne 1\r\nligne 2";z\r\n\r\n3;;\r\n'
    const rows = splitCsvText(text, ';')
    expect(fieldsOf(rows)).toEqual([
      ['a', 'b', 'c'],
      ['1', 'x;y', 'il a dit "oui"'],
      ['2', 'ligne 1\r\nligne 2', 'z'],
      ['3', '', ''],
    ])
    expect(rows.map((r) => r.line)).toEqual([1, 2, 3, 6])
  })

  it('skips blank lines and records whose cells are all empty', () => {
    const rows = splitCsvText('a;b\n\n;\n  ; \n1;2\n', ';')
    expect(rows.map((r) => [r.line, r.fields])).toEqual([
      [1, ['a', 'b']],
      [5, ['1', '2']],
    ])
  })

  it('keeps a last line without line break, and old Mac CR line endings', () => {
    expect(fieldsOf(splitCsvText('a;b\n1;2', ';'))).toEqual([
      ['a', 'b'],
      ['1', '2'],
    ])
    expect(fieldsOf(splitCsvText('a;b\r1;"2\r3"\r', ';', '\r'))).toEqual([
      ['a', 'b'],
      ['1', '2\r3'],
    ])
  })

  it('is lenient with stray quotes like Excel', () => {
    expect(fieldsOf(splitCsvText('a;b\nLicence "pro";"x"y\n', ';'))).toEqual([
      ['a', 'b'],
      ['Licence "pro"', 'xy'],
    ])
  })

  it('drops empty cells beyond the header width only', () => {
    const out: CsvRow[] = []
    const s = new CsvSplitter(';', { width: 2 })
    s.push('1;2;;\n1;2;3\n1\n', out)
    s.end(out)
    expect(fieldsOf(out)).toEqual([['1', '2'], ['1', '2', '3'], ['1']])
  })

  it('throws a structural error on an unterminated quote', () => {
    expect(() => splitCsvText('a;b\n1;"never closed\n2;3\n', ';')).toThrow(ImportStructureError)
    try {
      splitCsvText('a;b\n1;2\n3;"never closed\n', ';')
    } catch (err) {
      expect((err as ImportStructureError).code).toBe('unterminated_quote')
      expect((err as ImportStructureError).line).toBe(3)
      expect((err as Error).message).toMatch(/Ligne 3/)
    }
  })

  it('refuses a record beyond the size limit instead of buffering the whole file', () => {
    const s = new CsvSplitter(';', { maxRecordChars: 100 })
    expect(() => s.push(`"${'x'.repeat(200)}`, [])).toThrow(/Ligne 1/)
  })

  it('emits the same records when a long pending record makes it wait for more text', () => {
    // 600k characters of quoted text with delimiters and line breaks, then short records: pushed in
    // 1 KiB chunks, the splitter re-parses the long record only when the pending text has doubled.
    const long = `"${'y;\n'.repeat(200_000)}"`
    const text = `a;b\n1;${long};z\n2;3\n"4";5\n`
    const whole = splitCsvText(text, ';')
    const s = new CsvSplitter(';')
    const out: CsvRow[] = []
    for (let i = 0; i < text.length; i += 1_024) {
      s.push(text.slice(i, i + 1_024), out)
    }
    s.end(out)
    expect(out).toEqual(whole)
    expect(out.map((r) => r.line)).toEqual([1, 2, 200_003, 200_004])
    expect(out[1]?.fields).toHaveLength(3)
  })

  it('still refuses a long record over the cap while it waits for more text', () => {
    const s = new CsvSplitter(';', { maxRecordChars: 1_000_000 })
    const chunk = `"${';'.repeat(65_535)}`
    expect(() => {
      for (let i = 0; i < 40; i++) {
        s.push(chunk, [])
      }
    }).toThrow(/Ligne 1 illisible/)
  })

  // Differential test: csv-parse is the reference for well-formed RFC 4180 input, whatever the chunking.
  it('agrees with csv-parse on random RFC 4180 input split in random chunks', () => {
    let seed = 42
    const rnd = (n: number): number => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0
      return (seed >>> 8) % n
    }
    const alphabet = ['a', 'é', '€', ' ', ';', ',', '"', '\n', '\r\n', '\t', '1', 'Z']
    const field = (delimiter: string): string => {
      const len = rnd(6)
      let v = ''
      for (let i = 0; i < len; i++) {
        v += alphabet[rnd(alphabet.length)]
      }
      const needsQuotes = /["\r\n]/.test(v) || v.includes(delimiter) || rnd(4) === 0
      return needsQuotes ? `"${v.replace(/"/g, '""')}"` : v
    }
    for (let round = 0; round < 300; round++) {
      const delimiter = [';', '\t', ','][rnd(3)]!
      const eol = rnd(2) === 0 ? '\n' : '\r\n'
      const width = 1 + rnd(5)
      const lines: string[] = []
      for (let r = 0, n = 1 + rnd(8); r < n; r++) {
        lines.push(Array.from({ length: width }, () => field(delimiter)).join(delimiter))
      }
      const text = lines.join(eol) + (rnd(2) === 0 ? eol : '')
      const expected = (parseSync(text, { delimiter, relax_column_count: true, skip_empty_lines: true }) as string[][]).filter(
        (row) => !row.every((f) => f.trim() === ''),
      )
      const out: CsvRow[] = []
      const splitter = new CsvSplitter(delimiter)
      for (let pos = 0; pos < text.length;) {
        const size = 1 + rnd(7)
        splitter.push(text.slice(pos, pos + size), out)
        pos += size
      }
      splitter.end(out)
      expect(fieldsOf(out), JSON.stringify(text)).toEqual(expected)
    }
  })
})

describe('openCsv', () => {
  it('reads Windows-1252 with ; and no BOM, accents and € ’ œ included', async () => {
    const file = dir.write(
      'cp1252.csv',
      'Identifiant pseudonymisé;Libellé étape;Commentaire\r\nk3Xb9QeT1mZp0aLr7sVw2u;Licence 1 Économie;coût 12 € – l’œuvre\r\n',
      'windows-1252',
    )
    const csv = await openCsv(file)
    expect(csv.encoding).toBe('windows-1252')
    expect(csv.delimiter).toBe(';')
    expect(csv.headers).toEqual(['Identifiant pseudonymisé', 'Libellé étape', 'Commentaire'])
    expect(await collect(csv.rows)).toEqual([{ line: 2, fields: ['k3Xb9QeT1mZp0aLr7sVw2u', 'Licence 1 Économie', 'coût 12 € – l’œuvre'] }])
  })

  it('reads UTF-8 with BOM and tabs', async () => {
    const file = dir.write('bom-tab.csv', 'Année\tDébut\n2024/2025\t07/10/2024\n', 'utf-8-bom')
    const csv = await openCsv(file)
    expect(csv.encoding).toBe('utf-8-bom')
    expect(csv.delimiter).toBe('\t')
    expect(csv.headers).toEqual(['Année', 'Début'])
    expect(fieldsOf(await collect(csv.rows))).toEqual([['2024/2025', '07/10/2024']])
  })

  it('detects Windows-1252 when the accents only come after the first MiB', async () => {
    const ascii = 'id;lib\r\n' + 'k3Xb9QeT1mZp0aLr7sVw2u;Licence\r\n'.repeat(40_000)
    const file = dir.write('late-accent.csv', `${ascii}k3Xb9QeT1mZp0aLr7sVw2u;Réorientation\r\n`, 'windows-1252')
    const csv = await openCsv(file)
    expect(csv.encoding).toBe('windows-1252')
    const rows = await collect(csv.rows)
    expect(rows).toHaveLength(40_001)
    expect(rows.at(-1)).toEqual({ line: 40_002, fields: ['k3Xb9QeT1mZp0aLr7sVw2u', 'Réorientation'] })
  })

  it('reads plain UTF-8 and survives multi-byte characters cut by tiny read chunks', async () => {
    const file = dir.write('utf8.csv', 'Libellé;Note\r\n"Réorientation ; « oui »";12,5\r\nÉtape 😀;9\r\n')
    const csv = await openCsv(file, { highWaterMark: 3 })
    expect(csv.encoding).toBe('utf-8')
    expect(await collect(csv.rows)).toEqual([
      { line: 2, fields: ['Réorientation ; « oui »', '12,5'] },
      { line: 3, fields: ['Étape 😀', '9'] },
    ])
  })

  it('handles CRLF with quoted fields holding ; and line breaks, and reports start lines', async () => {
    const file = dir.write('quoted.csv', 'a;b;c\r\n"x;1";"multi\r\nligne";z\r\n\r\n"fin";;""\r\n')
    const csv = await openCsv(file, { highWaterMark: 5 })
    expect(await collect(csv.rows)).toEqual([
      { line: 2, fields: ['x;1', 'multi\r\nligne', 'z'] },
      { line: 5, fields: ['fin', '', ''] },
    ])
  })

  it('skips a sep= line and leading blank lines, drops trailing empty headers and cells', async () => {
    const file = dir.write('sep.csv', 'sep=,\r\n\r\na,b,,\r\n1,2,,\r\n3,4,5,\r\n')
    const csv = await openCsv(file)
    expect(csv.delimiter).toBe(',')
    expect(csv.headers).toEqual(['a', 'b'])
    expect(csv.headerLine).toBe(3)
    expect(await collect(csv.rows)).toEqual([
      { line: 4, fields: ['1', '2'] },
      { line: 5, fields: ['3', '4', '5', ''] },
    ])
  })

  it('exposes a sample and can iterate twice, by rows or batches', async () => {
    const file = dir.write('twice.csv', 'a;b\n1;2\n3;4\n')
    const csv = await openCsv(file)
    expect(csv.sample).toEqual([
      ['1', '2'],
      ['3', '4'],
    ])
    expect(await collect(csv.rows)).toHaveLength(2)
    expect(await collect(csv.rows)).toHaveLength(2)
    expect((await collect(csv.batches)).flat()).toHaveLength(2)
  })

  it('stops reading when the consumer breaks out', async () => {
    const file = dir.write('break.csv', `a;b\n${'1;2\n'.repeat(100_000)}`)
    const csv = await openCsv(file, { highWaterMark: 1024 })
    let n = 0
    for await (const row of csv.rows) {
      expect(row.fields).toEqual(['1', '2'])
      if (++n === 10) {
        break
      }
    }
    expect(n).toBe(10)
  })

  it('honours an explicit encoding and delimiter', async () => {
    const file = dir.write('explicit.csv', 'a,b;c\n1,2;3\n', 'windows-1252')
    const csv = await openCsv(file, { encoding: 'windows-1252', delimiter: ';' })
    expect(csv.headers).toEqual(['a,b', 'c'])
    expect(csv.encoding).toBe('windows-1252')
  })

  const structural: [string, string | Buffer, string][] = [
    ['empty.csv', '', 'empty'],
    ['blank.csv', '\r\n \r\n', 'empty'],
    ['binary.csv', Buffer.from([0x00, 0x01, 0x02, 0x03, 0x41, 0x00, 0x42]), 'binary'],
    ['excel.csv', Buffer.concat([Buffer.from([0x50, 0x4b, 0x03, 0x04]), Buffer.alloc(100, 1)]), 'spreadsheet'],
    ['utf16.csv', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('a\tb\r\n', 'utf16le')]), 'unsupported_encoding'],
    ['apogee.txt', 'XX-APO_TITRES-XX\napoC_Annee\t2024/2025\n', 'apogee_raw_export'],
    ['html.csv', '<!DOCTYPE html><html><body>export</body></html>', 'spreadsheet'],
    ['header-quote.csv', '"a;b\n1;2\n', 'unterminated_quote'],
    ['utf16le-nobom.csv', Buffer.from('Identifiant;Année\r\nab12;2024/2025\r\n', 'utf16le'), 'unsupported_encoding'],
    ['utf16be-nobom.csv', Buffer.from('Identifiant;Année\r\nab12;2024/2025\r\n', 'utf16le').swap16(), 'unsupported_encoding'],
    ['wide.csv', `${Array.from({ length: MAX_COLUMNS + 1 }, (_, i) => `c${i}`).join(';')}\n1;2\n`, 'too_many_columns'],
    ['long-header.csv', `a;${'b'.repeat(2 << 20)}\n1;2\n`, 'record_too_large'],
    ['long-header-quote.csv', `a;"b\n${'1;2\n'.repeat(300_000)}`, 'record_too_large'],
  ]
  it.each(structural)('refuses %s with a French structural error', async (name, content, code) => {
    const file = dir.write(name, content)
    const err = await openCsv(file).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(ImportStructureError)
    expect((err as ImportStructureError).code).toBe(code)
    expect((err as Error).message).toMatch(/[A-Za-zéè]/)
  })

  it('accepts exactly MAX_COLUMNS columns', async () => {
    const file = dir.write('widest.csv', `${Array.from({ length: MAX_COLUMNS }, (_, i) => `c${i}`).join(';')}\n1;2\n`)
    expect((await openCsv(file)).headers).toHaveLength(MAX_COLUMNS)
  })

  it('keeps binary data with a UTF-16-like zero pattern as binary', async () => {
    const bytes = Buffer.alloc(2_000)
    for (let i = 0; i < bytes.length; i += 2) {
      bytes[i] = 1 + (i % 7)
    }
    const err = await openCsv(dir.write('zeros.bin', bytes)).catch((e: unknown) => e)
    expect((err as ImportStructureError).code).toBe('binary')
  })

  it('reports bytes invalid in UTF-8 past the first MiB with their line, never a silent U+FFFD', async () => {
    const rows = Array.from({ length: 150_000 }, (_, i) => `${i};v${i}`).join('\n')
    const content = Buffer.concat([Buffer.from(`a;b\n${rows}\nx;`), Buffer.from([0xe9]), Buffer.from('t\u00e9\ny;z\n')])
    const csv = await openCsv(dir.write('late-latin1.csv', content), { encoding: 'utf-8' })
    const err = await collect(csv.rows).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(ImportStructureError)
    expect(err).toMatchObject({ code: 'invalid_encoding', line: 150_002 })
    expect((err as Error).message).toMatch(/^Ligne 150002 : des octets ne correspondent pas à l’encodage UTF-8/)
  })

  it('reports invalid UTF-8 within the first MiB when opening, with its line', async () => {
    const content = Buffer.concat([Buffer.from('a;b\n1;2\nx;'), Buffer.from([0xe9]), Buffer.from('t\n')])
    await expect(openCsv(dir.write('early-latin1.csv', content), { encoding: 'utf-8' })).rejects.toMatchObject({
      code: 'invalid_encoding',
      line: 3,
    })
  })

  it('locates invalid UTF-8 at the start of a read chunk, after a character cut by the previous one', async () => {
    // The C3 of "é" (C3 A9) is the last byte of a 4096-byte chunk; the next chunk holds A9, a line
    // break, then an invalid C3 28 on line 307003.
    const filler = '0;v\n'.repeat(307_000)
    const head = `a;b\n${filler}1;`
    const pad = 'x'.repeat(300 * 4_096 - 1 - head.length)
    const content = Buffer.concat([Buffer.from(head + pad), Buffer.from([0xc3, 0xa9, 0x0a, 0x32, 0x3b, 0xc3, 0x28, 0x0a])])
    expect(content[300 * 4_096 - 1]).toBe(0xc3)
    const csv = await openCsv(dir.write('cut.csv', content), { encoding: 'utf-8', highWaterMark: 4_096 })
    await expect(collect(csv.rows)).rejects.toMatchObject({ code: 'invalid_encoding', line: 307_003 })
  })

  it('reports a file that ends in the middle of a UTF-8 character on its last line', async () => {
    const rows = Array.from({ length: 150_000 }, (_, i) => `${i};v`).join('\n')
    const content = Buffer.concat([Buffer.from(`a;b\n${rows}\nz;`), Buffer.from([0xe2, 0x82])])
    const csv = await openCsv(dir.write('truncated.csv', content), { encoding: 'utf-8' })
    await expect(collect(csv.rows)).rejects.toMatchObject({ code: 'invalid_encoding', line: 150_002 })
    // Within the first MiB, opening already says so.
    const small = dir.write('truncated-small.csv', Buffer.concat([Buffer.from('a;b\n1;2\nz;'), Buffer.from([0xe2, 0x82])]))
    await expect(openCsv(small, { encoding: 'utf-8' })).rejects.toMatchObject({ code: 'invalid_encoding', line: 3 })
  })

  it('refuses a NUL byte past the 64 KiB probe but within the first MiB when opening, with its line', async () => {
    const rows = Array.from({ length: 10_000 }, (_, i) => `${i};v${i}`)
    rows[9_000] = 'x;a\u0000b'
    await expect(openCsv(dir.write('nul-head.csv', `a;b\n${rows.join('\n')}\n`))).rejects.toMatchObject({ code: 'binary', line: 9_002 })
  })

  it('reports a NUL byte past the first MiB with its line', async () => {
    const rows = Array.from({ length: 150_000 }, (_, i) => `${i};v${i}`)
    rows[140_000] = 'x;a\u0000b'
    const csv = await openCsv(dir.write('nul.csv', `a;b\n${rows.join('\n')}\n`))
    await expect(collect(csv.rows)).rejects.toMatchObject({ code: 'binary', line: 140_002 })
  })

  it('reports an unterminated quote after the header while iterating', async () => {
    const file = dir.write('late-quote.csv', 'a;b\n1;2\n3;"oops\n')
    const csv = await openCsv(file)
    await expect(collect(csv.rows)).rejects.toThrow(/Ligne 3/)
  })
})
