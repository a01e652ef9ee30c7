import type { Db } from '../../../db/client.ts'
import { createDiskUploadStore } from './disk-store.ts'
import { createPostgresUploadStore } from './postgres-store.ts'
import { createUploadStore, type UploadStore, type UploadStoreKind } from './upload-store.ts'

export * from './upload-store.ts'
export { storeUpload, type StoredUpload } from './spool.ts'
export { CHUNK_BYTES, UploadMissing } from './postgres-store.ts'

/** The store UPLOAD_STORE names for new uploads, able to read and delete files of the other one. */
export function createUploadStores(deps: {
  db: Db
  config: { UPLOAD_STORE: UploadStoreKind; UPLOAD_DIR: string; UPLOAD_MAX_MB: number }
}): UploadStore {
  return createUploadStore(deps.config.UPLOAD_STORE, {
    disk: createDiskUploadStore(deps.config),
    postgres: createPostgresUploadStore(deps),
  })
}
