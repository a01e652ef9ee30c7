/**
 * Streams an upload to disk while hashing it (sha256, for duplicate detection) and checking
 * UTF-8 validity (for encoding detection) in the same pass: the file is never held in memory.
 */
import { createHash, randomUUID } from 'node:crypto'
import { createWriteStream } from 'node:fs'
import { mkdir, unlink } from 'node:fs/promises'
import path from 'node:path'
import { Transform, type Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { BadInput, FileTooLarge } from '../../errors.ts'
import { Utf8Validator } from './csv-reader.ts'

export type StoredUpload = { path: string; size: number; sha256: string; utf8Valid: boolean; head: Buffer }

const HEAD_BYTES = 64 * 1024

/**
 * Errors come out ready for the person who uploaded: too large (413), broken stream (400).
 * File-system trouble (ENOSPC, EACCES…) is ours and stays a 500.
 */
export async function storeUpload(source: Readable, dir: string, maxMb: number): Promise<StoredUpload> {
  await mkdir(dir, { recursive: true, mode: 0o700 })
  const target = path.join(path.resolve(dir), `${randomUUID()}.csv`)
  const hash = createHash('sha256')
  const utf8 = new Utf8Validator()
  const headChunks: Buffer[] = []
  let headLength = 0
  let size = 0
  const tap = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      hash.update(chunk)
      utf8.update(chunk)
      size += chunk.length
      if (headLength < HEAD_BYTES) {
        const part = chunk.subarray(0, HEAD_BYTES - headLength)
        headChunks.push(part)
        headLength += part.length
      }
      cb(null, chunk)
    },
  })
  try {
    await pipeline(source, tap, createWriteStream(target, { mode: 0o600 }))
  } catch (err) {
    await unlink(target).catch(() => {})
    const code = (err as { code?: unknown }).code
    if (code === 'FST_REQ_FILE_TOO_LARGE') {
      throw new FileTooLarge(maxMb)
    }
    // File-system errors are ours; the app's own errors (a second file in the request) are
    // already what the uploader should read.
    if (typeof code === 'string' && (/^E[A-Z]+$/.test(code) || code.startsWith('APP_'))) {
      throw err
    }
    throw new BadInput('L’envoi du fichier a été interrompu ou la requête est mal formée. Réessayez.')
  }
  return { path: target, size, sha256: hash.digest('hex'), utf8Valid: utf8.valid, head: Buffer.concat(headChunks) }
}
