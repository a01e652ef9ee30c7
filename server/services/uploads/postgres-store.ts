/**
 * The store for several machines: files live in PostgreSQL (`upload_chunks`), which every
 * server and worker already shares. Chunked rows rather than large objects: the rows are plain
 * drizzle table rows (one schema file, deleted with a DELETE, dumped and replicated like any
 * table, never orphaned by a forgotten `lo_unlink`), and postgres.js sends a large object's
 * pages as bytea parameters too, so large objects would save nothing on the wire.
 *
 * Both directions go one chunk at a time through a local file, so memory stays about one chunk
 * whatever the file size:
 *  - save: the upload is received into a spool file in the temporary folder (at the client's
 *    pace, holding no connection); `keep` copies it into chunks in one transaction (a file is
 *    whole or absent) and deletes the spool.
 *  - open: the chunks are written in order to a temporary file, which the CSV reader reads as
 *    many times as it needs; `release` deletes it.
 */
import { randomUUID } from 'node:crypto'
import { once } from 'node:events'
import { createReadStream, createWriteStream } from 'node:fs'
import { unlink } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import type { Readable } from 'node:stream'
import { finished } from 'node:stream/promises'
import type { Db } from '../../../db/client.ts'
import { createUploadChunkRepository } from '../../../db/repositories/upload-chunks.repository.ts'
import { storeUpload } from './spool.ts'
import { POSTGRES_KEY_PREFIX, type UploadStore } from './upload-store.ts'

/** Bytes per row: large enough that a 1 GB file is ~1,000 statements, small enough to never matter in memory. */
export const CHUNK_BYTES = 1024 * 1024

export class UploadMissing extends Error {
  constructor(key: string) {
    super(`upload ${key} is not in the store`)
    this.name = 'UploadMissing'
  }
}

function idOf(key: string): string {
  return key.slice(POSTGRES_KEY_PREFIX.length)
}

const removeFile = (file: string) => unlink(file).catch(() => {})

export function createPostgresUploadStore(deps: { db: Db; config: { UPLOAD_MAX_MB: number }; tempDir?: string }): UploadStore {
  const { db, config } = deps
  const tempDir = () => deps.tempDir ?? tmpdir()
  const chunks = createUploadChunkRepository(db)

  async function copyIn(spool: string): Promise<string> {
    const id = randomUUID()
    await db.transaction(async (tx) => {
      const repo = createUploadChunkRepository(tx)
      let seq = 0
      for await (const chunk of createReadStream(spool, { highWaterMark: CHUNK_BYTES })) {
        await repo.insert(id, seq++, chunk as Buffer)
      }
      if (seq === 0) {
        // An empty file still has a row, so that `exists` finds it.
        await repo.insert(id, 0, Buffer.alloc(0))
      }
    })
    return `${POSTGRES_KEY_PREFIX}${id}`
  }

  return {
    async save(stream: Readable) {
      const stored = await storeUpload(stream, tempDir(), config.UPLOAD_MAX_MB)
      return {
        ...stored,
        async keep() {
          try {
            return await copyIn(stored.path)
          } finally {
            await removeFile(stored.path)
          }
        },
        discard: () => removeFile(stored.path),
      }
    },

    async open(key) {
      const id = idOf(key)
      const target = path.join(tempDir(), `repere-upload-${randomUUID()}.csv`)
      const out = createWriteStream(target, { mode: 0o600 })
      try {
        for (let seq = 0; ; seq++) {
          const data = await chunks.chunk(id, seq)
          if (data === undefined) {
            if (seq === 0) {
              throw new UploadMissing(key)
            }
            break
          }
          if (!out.write(data)) {
            // Rejects on a write error (a full disk) rather than waiting forever.
            await once(out, 'drain')
          }
        }
        out.end()
        await finished(out)
      } catch (err) {
        out.destroy()
        await removeFile(target)
        throw err
      }
      return { path: target, release: () => removeFile(target) }
    },

    exists: (key) => chunks.exists(idOf(key)),

    async remove(key) {
      await chunks.remove(idOf(key))
    },
  }
}
