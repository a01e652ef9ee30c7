/**
 * Both upload stores against the real disk and the real PostgreSQL: what is saved comes back
 * byte for byte, removal removes, a refused file never reaches the store, the key decides which
 * store reads a file (switching UPLOAD_STORE orphans nothing), and a large file goes through
 * both ways without memory following its size.
 */
import { createHash, randomBytes } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { access, mkdtemp, readdir, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { Readable } from 'node:stream'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { createDatabase, type Database } from '../../db/client.ts'
import { createDiskUploadStore } from '../../server/services/uploads/disk-store.ts'
import { createPostgresUploadStore } from '../../server/services/uploads/postgres-store.ts'
import { CHUNK_BYTES, createUploadStore, createUploadStores, UploadMissing, type UploadStore } from '../../server/services/uploads/index.ts'
import { testConfig } from '../helpers/env.ts'

const MiB = 1024 * 1024
let database: Database
let work: string
let uploadDir: string
let tempDir: string
let stores: { disk: UploadStore; postgres: UploadStore }

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex')
const gone = (file: string) =>
  access(file).then(
    () => false,
    () => true,
  )
const chunkCount = async (key: string) =>
  Number((await database.sql`SELECT count(*)::int AS n FROM upload_chunks WHERE upload_id = ${key.slice(3)}::uuid`)[0]?.n)

async function fileSha256(file: string): Promise<string> {
  const hash = createHash('sha256')
  for await (const chunk of createReadStream(file)) {
    hash.update(chunk as Buffer)
  }
  return hash.digest('hex')
}

beforeAll(async () => {
  const config = testConfig()
  database = createDatabase(config.DATABASE_URL, { max: 3, appName: 'repere-test-uploads' })
  work = await mkdtemp(path.join(tmpdir(), 'repere-upload-store-'))
  uploadDir = path.join(work, 'uploads')
  tempDir = path.join(work, 'tmp')
  stores = {
    disk: createDiskUploadStore({ UPLOAD_DIR: uploadDir, UPLOAD_MAX_MB: 1024 }),
    postgres: createPostgresUploadStore({ db: database.db, config: { UPLOAD_MAX_MB: 1024 }, tempDir }),
  }
})
beforeEach(async () => {
  await database.sql`TRUNCATE upload_chunks`
})
afterAll(async () => {
  await database?.close()
  await rm(work, { recursive: true, force: true })
})

describe.each(['disk', 'postgres'] as const)('%s store', (name) => {
  it('gives back the same bytes, then removes them', async () => {
    const store = stores[name]
    // Not a multiple of the chunk size, and starting with UTF-8 text.
    const content = Buffer.concat([Buffer.from('id_pseudo;note\r\nps1;12,5\r\n'), randomBytes(2 * CHUNK_BYTES + 12_345)])
    const saved = await store.save(Readable.from([content.subarray(0, 1000), content.subarray(1000)]))
    expect(saved.size).toBe(content.length)
    expect(saved.sha256).toBe(sha256(content))
    expect(saved.head.toString('latin1', 0, 9)).toBe('id_pseudo')
    // The server reads the headers from the local file before keeping it.
    // (Buffer.equals: toEqual compares a 2 MiB buffer element by element, for seconds.)
    expect((await readFile(saved.path)).equals(content)).toBe(true)

    const key = await saved.keep()
    expect(await store.exists(key)).toBe(true)
    if (name === 'postgres') {
      expect(key).toMatch(/^pg:[0-9a-f-]{36}$/)
      expect(await chunkCount(key)).toBe(3)
      expect(await gone(saved.path)).toBe(true)
    } else {
      expect(path.isAbsolute(key)).toBe(true)
    }

    const opened = await store.open(key)
    expect(await fileSha256(opened.path)).toBe(sha256(content))
    await opened.release()
    if (name === 'postgres') {
      expect(await gone(opened.path)).toBe(true)
    }
    // Opened again (the worker retries): the file is still whole.
    const again = await store.open(key)
    expect(await fileSha256(again.path)).toBe(sha256(content))
    await again.release()

    await store.remove(key)
    expect(await store.exists(key)).toBe(false)
    await expect(store.remove(key)).resolves.toBeUndefined()
    if (name === 'postgres') {
      expect(await chunkCount(key)).toBe(0)
      await expect(store.open(key)).rejects.toBeInstanceOf(UploadMissing)
      expect(await readdir(tempDir)).toEqual([])
    } else {
      expect(await gone(key)).toBe(true)
    }
  })

  it('keeps nothing of a discarded upload', async () => {
    const saved = await stores[name].save(Readable.from([Buffer.from('a;b\n1;2\n')]))
    await saved.discard()
    expect(await gone(saved.path)).toBe(true)
    expect(Number((await database.sql`SELECT count(*)::int AS n FROM upload_chunks`)[0]?.n)).toBe(0)
  })

  it('keeps an empty file as a file that exists', async () => {
    const saved = await stores[name].save(Readable.from([]))
    expect(saved.size).toBe(0)
    const key = await saved.keep()
    expect(await stores[name].exists(key)).toBe(true)
    const opened = await stores[name].open(key)
    expect((await readFile(opened.path)).length).toBe(0)
    await opened.release()
    await stores[name].remove(key)
    expect(await stores[name].exists(key)).toBe(false)
  })
})

describe('choosing the store', () => {
  it('saves where UPLOAD_STORE says and reads any key from the store that holds it', async () => {
    const onDisk = await (await stores.disk.save(Readable.from([Buffer.from('disk;file\n')]))).keep()
    const inPg = await (await stores.postgres.save(Readable.from([Buffer.from('pg;file\n')]))).keep()
    // As after switching UPLOAD_STORE from disk to postgres: the disk import is still readable.
    const router = createUploadStore('postgres', stores)
    const fresh = await (await router.save(Readable.from([Buffer.from('new;file\n')]))).keep()
    expect(fresh.startsWith('pg:')).toBe(true)
    for (const [key, text] of [
      [onDisk, 'disk;file\n'],
      [inPg, 'pg;file\n'],
      [fresh, 'new;file\n'],
    ] as const) {
      expect(await router.exists(key)).toBe(true)
      const opened = await router.open(key)
      expect(await readFile(opened.path, 'utf8')).toBe(text)
      await opened.release()
      await router.remove(key)
      expect(await router.exists(key)).toBe(false)
    }
    // And back to disk: new files go to UPLOAD_DIR.
    const disk = createUploadStores({ db: database.db, config: testConfig({ UPLOAD_DIR: uploadDir, UPLOAD_STORE: 'disk' }) })
    const key = await (await disk.save(Readable.from([Buffer.from('x\n')]))).keep()
    expect(path.dirname(key)).toBe(path.resolve(uploadDir))
    await disk.remove(key)
  })
})

describe('a large file', () => {
  it('goes into PostgreSQL and back without memory following its size', { timeout: 180_000 }, async () => {
    const size = 200 * MiB
    const block = randomBytes(MiB)
    const expected = createHash('sha256')
    // Generated on the fly: the test never holds the file either.
    const blocks = (n: number, hash?: ReturnType<typeof createHash>) =>
      Readable.from(
        (function* () {
          for (let i = 0; i < n; i++) {
            const b = Buffer.from(block)
            b.writeUInt32BE(i, 0)
            hash?.update(b)
            yield b
          }
        })(),
      )
    // A small round trip first: the first one grows the process by its buffers and pool
    // connections whatever the size, which is not what this test looks at.
    const warm = await (await stores.postgres.save(blocks(16))).keep()
    await (await stores.postgres.open(warm)).release()
    await stores.postgres.remove(warm)
    const source = blocks(size / MiB, expected)
    const baseline = process.memoryUsage().rss
    let peak = baseline
    const sampler = setInterval(() => {
      peak = Math.max(peak, process.memoryUsage().rss)
    }, 20)
    let key: string
    let sum: string
    try {
      const saved = await stores.postgres.save(source)
      key = await saved.keep()
      const opened = await stores.postgres.open(key)
      sum = await fileSha256(opened.path)
      await opened.release()
    } finally {
      clearInterval(sampler)
    }
    expect(sum).toBe(expected.digest('hex'))
    expect(await chunkCount(key)).toBe(size / CHUNK_BYTES)
    const growthMiB = (peak - baseline) / MiB
    // A file held in memory would add at least its 200 MiB (twice as much as the hex text postgres.js
    // sends); streaming stays at a few chunks plus what the garbage collector has not reclaimed yet.
    expect(growthMiB, 'RSS growth (MiB) over a 200 MiB round trip').toBeLessThan(100)
    await stores.postgres.remove(key)
    expect(await chunkCount(key)).toBe(0)
  })
})
