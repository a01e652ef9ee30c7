/**
 * Where uploaded files wait for the worker. The server receives an upload into a local spool
 * file (hashed and checked for UTF-8 in the same pass, see spool.ts), reads its headers there,
 * and keeps it only once it accepts it: then the store gives the key saved in
 * `imports.stored_path`, and the worker opens that key as a local file for as long as it reads it.
 *
 * Two stores, chosen by UPLOAD_STORE:
 *  - `disk` (default, one machine): the spool file in UPLOAD_DIR is the kept file; its key is its
 *    absolute path.
 *  - `postgres` (several machines): the file goes into `upload_chunks`; its key is `pg:<uuid>`.
 * The key says which store holds a file, so switching UPLOAD_STORE never orphans an import
 * uploaded before the switch: `open`, `exists` and `remove` follow the key, only `save` follows
 * the setting.
 */
import type { Readable } from 'node:stream'
import type { StoredUpload } from './spool.ts'

/** A received upload, still only on this machine: read it at `path`, then keep or discard it. */
export type ReceivedUpload = StoredUpload & {
  /** Puts the file in its store and returns its key; `path` is not to be read afterwards. */
  keep(): Promise<string>
  /** Deletes the local file (the upload is refused, or a duplicate). */
  discard(): Promise<void>
}

/** A kept file as a local path, until `release` (which deletes any temporary copy). */
export type OpenedUpload = { path: string; release(): Promise<void> }

export type UploadStore = {
  save(stream: Readable): Promise<ReceivedUpload>
  open(key: string): Promise<OpenedUpload>
  exists(key: string): Promise<boolean>
  /** Deletes a kept file; a file already gone is not an error. */
  remove(key: string): Promise<void>
}

export type UploadStoreKind = 'disk' | 'postgres'

export const POSTGRES_KEY_PREFIX = 'pg:'

/** The store that holds `key`: `pg:<uuid>` is PostgreSQL's, anything else a path on disk. */
export function storeOf(key: string): UploadStoreKind {
  return key.startsWith(POSTGRES_KEY_PREFIX) ? 'postgres' : 'disk'
}

/** Saves into the configured store; opens, checks and removes in the store a key names. */
export function createUploadStore(active: UploadStoreKind, stores: Record<UploadStoreKind, UploadStore>): UploadStore {
  const by = (key: string) => stores[storeOf(key)]
  return {
    save: (stream) => stores[active].save(stream),
    open: (key) => by(key).open(key),
    exists: (key) => by(key).exists(key),
    remove: (key) => by(key).remove(key),
  }
}
