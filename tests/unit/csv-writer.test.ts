import { parse } from 'csv-parse/sync'
import { Writable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { describe, expect, it } from 'vitest'
import { csvStream, guardFormula, toCsv } from '../../server/lib/csv/writer.ts'

describe('guardFormula', () => {
  it.each([
    ["-1+1+cmd|' /C calc'!A0", "'-1+1+cmd|' /C calc'!A0"],
    ['-2+3', "'-2+3"],
    ['=1', "'=1"],
    ['=HYPERLINK("http://x")', '\'=HYPERLINK("http://x")'],
    ['@x', "'@x"],
    ['@SUM(A1)', "'@SUM(A1)"],
    ['+33 6 12 34 56 78', "'+33 6 12 34 56 78"],
    ['+33612345678', "'+33612345678"],
    ['+1', "'+1"],
    ['\t=1', "'\t=1"],
    ['\r=1', "'\r=1"],
    ['-', "'-"],
    ['-x', "'-x"],
    ['-1e5', "'-1e5"],
    ['-2,5,3', "'-2,5,3"],
    ['＝1', "'＝1"],
  ])('guards %j', (value, expected) => {
    expect(guardFormula(value)).toBe(expected)
  })

  it.each(['-2', '-2,5', '-0.75', '3.5', '12', '0', '', 'Reims', 'a=b', '21904567', ' =1'])('leaves %j plain', (value) => {
    expect(guardFormula(value)).toBe(value)
  })
})

describe('toCsv', () => {
  it('writes ; CRLF UTF-8 with BOM, quotes only what must be, guards formulas, and reads back', () => {
    const csv = toCsv([
      ['ligne', 'valeur'],
      [3, 'a;b "c"\nd'],
      [4, '=1+1'],
      [-5, '-2,5'],
      [6, ' bord '],
      [7, null],
      [8, 'x\ry'],
    ])
    expect(csv.startsWith('\ufeffligne;valeur\r\n')).toBe(true)
    expect(csv).toContain('\r\n3;"a;b ""c""\nd"\r\n')
    expect(csv).toContain("\r\n4;'=1+1\r\n")
    expect(csv).toContain('\r\n-5;-2,5\r\n')
    expect(csv).toContain('\r\n6;" bord "\r\n')
    expect(csv).toContain('\r\n7;\r\n')
    expect(csv.endsWith('\r\n')).toBe(true)
    expect(parse(csv, { delimiter: ';', bom: true })).toEqual([
      ['ligne', 'valeur'],
      ['3', 'a;b "c"\nd'],
      ['4', "'=1+1"],
      ['-5', '-2,5'],
      ['6', ' bord '],
      ['7', ''],
      ['8', 'x\ry'],
    ])
  })

  it('can leave out the BOM and the guard for files the platform writes from its own data', () => {
    expect(toCsv([['+33 6 12 34 56 78']], { bom: false, guardFormulas: false })).toBe('+33 6 12 34 56 78\r\n')
    expect(toCsv([['+33 6 12 34 56 78']], { bom: false })).toBe("'+33 6 12 34 56 78\r\n")
  })
})

describe('csvStream', () => {
  it('streams the same bytes as toCsv', async () => {
    const rows = [
      ['a', '-1+1'],
      ['b;c', '-3'],
    ]
    const chunks: Buffer[] = []
    const stream = csvStream()
    const done = pipeline(
      stream,
      new Writable({
        write(chunk: Buffer, _enc, cb) {
          chunks.push(chunk)
          cb()
        },
      }),
    )
    for (const row of rows) {
      stream.write(row)
    }
    stream.end()
    await done
    expect(Buffer.concat(chunks).toString('utf8')).toBe(toCsv(rows))
    expect(toCsv(rows)).toBe('\ufeffa;\'-1+1\r\n"b;c";-3\r\n')
  })
})
