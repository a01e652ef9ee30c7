/**
 * The one-machine store: a file stays where it was received, in UPLOAD_DIR, and its key is its
 * absolute path (so a worker started from another folder still finds it).
 */
import { access, unlink } from 'node:fs/promises'
import type { Readable } from 'node:stream'
import { storeUpload } from './spool.ts'
import type { UploadStore } from './upload-store.ts'

export function createDiskUploadStore(config: { UPLOAD_DIR: string; UPLOAD_MAX_MB: number }): UploadStore {
  const remove = (path: string) => unlink(path).catch(() => {})
  return {
    async save(stream: Readable) {
      const stored = await storeUpload(stream, config.UPLOAD_DIR, config.UPLOAD_MAX_MB)
      return { ...stored, keep: () => Promise.resolve(stored.path), discard: () => remove(stored.path) }
    },
    open: (key) => Promise.resolve({ path: key, release: () => Promise.resolve() }),
    exists: (key) =>
      access(key).then(
        () => true,
        () => false,
      ),
    remove,
  }
}
