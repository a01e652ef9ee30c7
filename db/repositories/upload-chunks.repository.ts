import { and, eq } from 'drizzle-orm'
import type { DbOrTx } from '../client.ts'
import { uploadChunks } from '../schema/upload-chunks.ts'

/**
 * The chunks of uploaded files kept in PostgreSQL. Every read and write goes through the
 * primary key (upload_id, seq): one chunk at a time, so memory stays one chunk whatever the file.
 */
export function createUploadChunkRepository(q: DbOrTx) {
  return {
    async insert(uploadId: string, seq: number, data: Buffer): Promise<void> {
      await q.insert(uploadChunks).values({ uploadId, seq, data })
    },

    /** Chunk `seq` of a file, or undefined past its end (or for an unknown file). */
    async chunk(uploadId: string, seq: number): Promise<Buffer | undefined> {
      const [row] = await q
        .select({ data: uploadChunks.data })
        .from(uploadChunks)
        .where(and(eq(uploadChunks.uploadId, uploadId), eq(uploadChunks.seq, seq)))
      return row?.data
    },

    /** A file is kept when its first chunk is (its chunks are committed together). */
    async exists(uploadId: string): Promise<boolean> {
      const [row] = await q
        .select({ seq: uploadChunks.seq })
        .from(uploadChunks)
        .where(and(eq(uploadChunks.uploadId, uploadId), eq(uploadChunks.seq, 0)))
      return row !== undefined
    },

    /** Deletes every chunk of a file; returns how many went. */
    async remove(uploadId: string): Promise<number> {
      const rows = await q.delete(uploadChunks).where(eq(uploadChunks.uploadId, uploadId)).returning({ seq: uploadChunks.seq })
      return rows.length
    },
  }
}
export type UploadChunkRepository = ReturnType<typeof createUploadChunkRepository>
