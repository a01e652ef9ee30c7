/**
 * Files the reader refuses in the middle of the COPY (issue #6 items 1 and 8): each import ends
 * `failed` with the reader's own French reason and line, on the first attempt, the COPY and its
 * transaction are rolled back, and the same worker then loads a normal file. Files refused from
 * their first MiB (too many columns, UTF-16 without BOM, an endless header) are refused at upload.
 */
import { randomUUID } from 'node:crypto'
import { mkdir, writeFile } from 'node:fs/promises'
import path from 'node:path'
import postgres from 'postgres'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { copyInto } from '../../db/repositories/import-load.repository.ts'
import { startWorkers, type Workers } from '../../workers/worker.ts'
import { apiToken, startTestApp, type TestApp } from '../helpers/app.ts'
import { pseudo, upload, waitForImport } from '../helpers/imports.ts'

let t: TestApp
let workers: Workers
let token: string
let normal = 0

beforeAll(async () => {
  t = await startTestApp()
  workers = startWorkers({ config: t.config, services: t.app.services, log: t.app.log })
  token = await apiToken(t.app, 'universite@demo.repere.test')
})
afterAll(async () => {
  await workers?.close()
  await t?.close()
})

const HEADER = 'Identifiant pseudonymisé;Année universitaire;Code ELP;Type de séance;Date de séance;Heure de début;Statut présence;Justifié'
/** The row of the issue: the quote before 7DRT101 never closes. */
const UNCLOSED = 'qHKCn8TSCpqglNnhF6bQmB;2024/2025;"7DRT101;CM;07/10/2024;08:30;P;'
const row = (i: number, elp = '7DRT101') => `${pseudo(i)};2024/2025;${elp};CM;${String(1 + (i % 28)).padStart(2, '0')}/10/2024;08:30;P;N`
const file = (lines: string[]) => Buffer.from(`${lines.join('\r\n')}\r\n`, 'utf8')

/** A valid file, different each time (the same file twice is a duplicate), loaded by the same worker. */
async function expectNormalImportSucceeds(): Promise<void> {
  normal++
  const lines = [HEADER, ...Array.from({ length: 20 }, (_, i) => row(10_000 * normal + i))]
  const res = await upload(t.app, token, 'assiduite', file(lines))
  expect(res.statusCode, res.body).toBe(202)
  const imp = await waitForImport(t.app, token, res.json<{ id: string }>().id, 20_000)
  expect(imp.status, imp.errorMessage ?? '').toBe('succeeded')
  expect(imp.rowsLoaded).toBe(20)
}

/**
 * Nothing left behind: no connection of the test database stuck in a transaction or a COPY. Polled:
 * the workers' own short transactions (the outbox flush every 5 s) are idle in transaction for a
 * moment between their statements; a connection the reader left stuck stays so.
 */
async function expectNoStuckConnection(): Promise<void> {
  const stuck = async () =>
    (
      await t.database.sql<{ n: number }[]>`
        SELECT count(*)::int AS n FROM pg_stat_activity
        WHERE datname = current_database() AND pid <> pg_backend_pid()
          AND (state LIKE 'idle in transaction%' OR query ILIKE 'COPY stg%' AND state = 'active')`
    )[0]?.n
  await expect.poll(stuck, { timeout: 5_000, interval: 100 }).toBe(0)
}

async function uploadAndWait(content: Buffer) {
  const res = await upload(t.app, token, 'assiduite', content)
  expect(res.statusCode, res.body).toBe(202)
  return waitForImport(t.app, token, res.json<{ id: string }>().id, 20_000)
}

/**
 * Queues a stored file as the upload would, but with the encoding given here: the upload's
 * whole-file check never lets invalid UTF-8 be called UTF-8, so this is how a file that changes
 * encoding past the upload's view (or a caller that is wrong about it) reaches the reader.
 */
async function queueStored(content: Buffer, encoding: string) {
  const dir = t.config.UPLOAD_DIR
  await mkdir(dir, { recursive: true })
  const storedPath = path.join(dir, `${randomUUID()}.csv`)
  await writeFile(storedPath, content)
  const [user] = await t.database.sql`SELECT id, organisation_id FROM users WHERE email = 'universite@demo.repere.test'`
  const [imp] = await t.database.sql`
    INSERT INTO imports (organisation_id, kind, status, file_name, stored_path, size_bytes, sha256, encoding, delimiter, uploaded_by)
    VALUES (${user!.organisation_id}, 'assiduite', 'queued', 'export.csv', ${storedPath}, ${content.length}, ${randomUUID()},
            ${encoding}, ';', ${user!.id})
    RETURNING id`
  const id = imp!.id as string
  await t.app.services.queues.enqueue('import.process', { importId: id })
  return waitForImport(t.app, token, id, 20_000)
}

async function attemptsOf(id: string): Promise<number> {
  const [r] = await t.database.sql`SELECT attempts FROM imports WHERE id = ${id}`
  return Number(r?.attempts)
}

describe('a reader error in the middle of the COPY', () => {
  it('an unclosed quote in the middle: failed with « unterminated_quote » on its line, then a normal import succeeds', async () => {
    const lines = [HEADER, row(1), row(2), row(3), row(4), row(5), UNCLOSED, row(6), row(7), row(8)]
    const imp = await uploadAndWait(file(lines))
    expect(imp.status).toBe('failed')
    expect(imp.errorCode).toBe('unterminated_quote')
    expect(imp.errorMessage).toMatch(/^Ligne 7 : un guillemet \("\) ouvert n’est jamais refermé/)
    expect(await attemptsOf(imp.id)).toBe(1)
    expect(Number((await t.database.sql`SELECT count(*)::int AS n FROM attendance_sessions WHERE import_id = ${imp.id}`)[0]?.n)).toBe(0)
    await expectNoStuckConnection()
    await expectNormalImportSucceeds()
  })

  it('an unclosed quote on the last line: failed with « unterminated_quote » on that line, then a normal import succeeds', async () => {
    const lines = [HEADER, row(11), row(12), row(13), UNCLOSED]
    const imp = await uploadAndWait(file(lines))
    expect(imp.status).toBe('failed')
    expect(imp.errorCode).toBe('unterminated_quote')
    expect(imp.errorMessage).toMatch(/^Ligne 5 : /)
    expect(await attemptsOf(imp.id)).toBe(1)
    await expectNoStuckConnection()
    await expectNormalImportSucceeds()
  })

  it('several broken files in a row never wedge the worker: each fails on its own, later imports run', async () => {
    const results = await Promise.all(
      [1, 2, 3].map((k) => uploadAndWait(file([HEADER, row(100 + k), ...(k % 2 ? [UNCLOSED, row(200 + k)] : [row(300 + k), UNCLOSED])]))),
    )
    expect(results.map((r) => [r.status, r.errorCode])).toEqual(Array.from({ length: 3 }, () => ['failed', 'unterminated_quote']))
    await expectNoStuckConnection()
    await expectNormalImportSucceeds()
  })

  it('a record over the size cap in the middle: failed with « record_too_large » on its line', async () => {
    const lines = [HEADER, row(21), row(22), `${pseudo(23)};2024/2025;${'x'.repeat(4.5 * 1024 * 1024)}`, row(24)]
    const imp = await uploadAndWait(file(lines))
    expect(imp.status).toBe('failed')
    expect(imp.errorCode).toBe('record_too_large')
    expect(imp.errorMessage).toMatch(/^Ligne 4 illisible : plus de 4 millions de caractères/)
    await expectNoStuckConnection()
    await expectNormalImportSucceeds()
  })

  it('bytes invalid for the detected encoding deep in the file: failed with « invalid_encoding » on their line', async () => {
    const lines = [HEADER, ...Array.from({ length: 3_000 }, (_, i) => row(1_000 + i))]
    const before = Buffer.from(`${lines.slice(0, 2_500).join('\r\n')}\r\n${pseudo(9)};2024/2025;7DRT`, 'utf8')
    const after = Buffer.from(`101;CM;07/10/2024;08:30;P;N\r\n${lines.slice(2_500).join('\r\n')}\r\n`, 'utf8')
    // 0xC3 0x28: a two-byte sequence cut by "(", on file line 2501, ~180 KB into the file.
    const imp = await queueStored(Buffer.concat([before, Buffer.from([0xc3, 0x28]), after]), 'utf-8')
    expect(imp.status).toBe('failed')
    expect(imp.errorCode).toBe('invalid_encoding')
    expect(imp.errorMessage).toMatch(/^Ligne 2501 : des octets ne correspondent pas à l’encodage UTF-8/)
    expect(await attemptsOf(imp.id)).toBe(1)
    await expectNoStuckConnection()
    await expectNormalImportSucceeds()
  })

  it('a file that ends in the middle of a character: failed with « invalid_encoding » on the last line', async () => {
    const lines = [HEADER, ...Array.from({ length: 2_000 }, (_, i) => row(5_000 + i))]
    const content = Buffer.concat([
      Buffer.from(`${lines.join('\r\n')}\r\n${pseudo(8)};2024/2025;7DRT101;CM;07/10/2024;08:30;P;`),
      Buffer.from([0xc3]),
    ])
    const imp = await queueStored(content, 'utf-8')
    expect(imp.status).toBe('failed')
    expect(imp.errorCode).toBe('invalid_encoding')
    expect(imp.errorMessage).toMatch(/^Ligne 2002 : /)
    await expectNoStuckConnection()
    await expectNormalImportSucceeds()
  })

  it('a NUL byte past the first MiB: failed with « binary » on its line, not a COPY error', async () => {
    const lines = [HEADER, ...Array.from({ length: 20_000 }, (_, i) => row(7_000 + i))]
    lines[18_000] = `${pseudo(7)};2024/2025;7DRT\u0000101;CM;07/10/2024;08:30;P;N`
    const imp = await uploadAndWait(file(lines))
    expect(imp.status).toBe('failed')
    expect(imp.errorCode).toBe('binary')
    expect(imp.errorMessage).toMatch(/^Ligne 18001 : le fichier contient un caractère nul/)
    await expectNoStuckConnection()
    await expectNormalImportSucceeds()
  })
})

describe('files refused from their first MiB (issue #6 item 8)', () => {
  async function expectRejected(content: Buffer, code: string, message: RegExp) {
    const res = await upload(t.app, token, 'assiduite', content)
    expect(res.statusCode, res.body).toBe(422)
    expect(res.json()).toMatchObject({ code })
    expect(res.json<{ message: string }>().message).toMatch(message)
  }

  it('a NUL byte within the first MiB: refused at once with its line (the import row stores no NUL)', async () => {
    const lines = [HEADER, ...Array.from({ length: 3_000 }, (_, i) => row(8_000 + i))]
    lines[2_000] = `${pseudo(8)};2024/2025;7DRT\u0000101;CM;07/10/2024;08:30;P;N`
    await expectRejected(file(lines), 'binary', /^Ligne 2001 : le fichier contient un caractère nul/)
  })

  it('more than 500 columns: refused with a clear message (no 5 MB mapping page)', async () => {
    const header = Array.from({ length: 20_000 }, (_, i) => `col${i}`).join(';')
    await expectRejected(file([header, row(1)]), 'too_many_columns', /compte 20000 colonnes ; un fichier en accepte au plus 500/)
  })

  it('UTF-16 LE and BE without BOM: recognised as UTF-16, not as binary', async () => {
    const text = `${HEADER}\r\n${row(1)}\r\n${row(2)}\r\n`
    const le = Buffer.from(text, 'utf16le')
    await expectRejected(le, 'unsupported_encoding', /UTF-16/)
    await expectRejected(Buffer.from(le).swap16(), 'unsupported_encoding', /UTF-16/)
  })

  it('a 2 MB header line: reported as too long, not as « no header »', async () => {
    const header = `${HEADER};${'Remarque '.repeat(240_000)}`
    await expectRejected(file([header, row(1)]), 'record_too_large', /^Ligne 1 : la ligne d’en-têtes dépasse 1 million de caractères/)
  })
})

describe('copyInto', () => {
  it('a COPY the server rejects after its end settles with the server error, and the connection stays usable', async () => {
    const sql = postgres(t.config.DATABASE_URL, { max: 1, onnotice: () => {} })
    try {
      const failed = sql.begin(async (tx) => {
        await tx`CREATE TEMP TABLE x (a int) ON COMMIT DROP`
        await copyInto(tx, 'COPY x (a) FROM STDIN', async (write) => {
          await write('1\nnot a number\n')
        })
      })
      await expect(failed).rejects.toThrow(/invalid input syntax for type integer/)
      // One connection only: it was released, outside any transaction or COPY.
      expect(await sql`SELECT 1 AS one`).toEqual([{ one: 1 }])
    } finally {
      await sql.end()
    }
  })

  it('an error of the feed aborts the COPY and comes out as it is', async () => {
    const sql = postgres(t.config.DATABASE_URL, { max: 1, onnotice: () => {} })
    try {
      const reader = new Error('the reader’s own error')
      const failed = sql.begin(async (tx) => {
        await tx`CREATE TEMP TABLE x (a int) ON COMMIT DROP`
        await copyInto(tx, 'COPY x (a) FROM STDIN', async (write) => {
          await write('1\n2\n')
          throw reader
        })
      })
      await expect(failed).rejects.toBe(reader)
      expect(await sql`SELECT 1 AS one`).toEqual([{ one: 1 }])
    } finally {
      await sql.end()
    }
  })
})
