/**
 * Field encryption for personal data at rest (contacts, identities): AES-256-GCM with a random
 * 12-byte nonce per value.
 *
 * Two stored layouts:
 * - version 1: 1 | nonce (12) | tag (16) | ciphertext — written with a bare key; its key is the
 *   data key with id 1 (the key the platform started with).
 * - version 2: 2 | key id (1) | nonce (12) | tag (16) | ciphertext — written with a keyring; the
 *   header (version and key id) is authenticated as additional data, so a value cannot be
 *   relabelled to another key. Keys rotate: the keyring decrypts any id it holds, and
 *   scripts/reencrypt-contacts.ts moves old values to the current key.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto'

const V1 = 1
const V2 = 2
/** The id of the key version-1 values were written with. */
export const LEGACY_KEY_ID = 1

/** The data keys by id (1-255); new values are written with `currentId`. */
export type Keyring = { currentId: number; keys: ReadonlyMap<number, Buffer> }

export function isKeyring(k: Buffer | Keyring): k is Keyring {
  return !Buffer.isBuffer(k)
}

export function encryptField(key: Buffer | Keyring, plaintext: string): Buffer {
  const nonce = randomBytes(12)
  if (!isKeyring(key)) {
    const cipher = createCipheriv('aes-256-gcm', key, nonce)
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()])
    return Buffer.concat([Buffer.from([V1]), nonce, cipher.getAuthTag(), body])
  }
  const header = Buffer.from([V2, key.currentId])
  const cipher = createCipheriv('aes-256-gcm', keyOf(key, key.currentId), nonce)
  cipher.setAAD(header)
  const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()])
  return Buffer.concat([header, nonce, cipher.getAuthTag(), body])
}

/** The id of the key a stored value was written with. */
export function keyIdOf(stored: Buffer): number {
  if (stored[0] === V1) {
    return LEGACY_KEY_ID
  }
  if (stored[0] === V2 && stored.length >= 30) {
    return stored[1] as number
  }
  throw new Error('unknown encrypted field version')
}

function keyOf(ring: Keyring, id: number): Buffer {
  const k = ring.keys.get(id)
  if (!k) {
    throw new Error(`data key ${id} is not configured (DATA_ENCRYPTION_PREVIOUS_KEYS)`)
  }
  return k
}

/** A bare key decrypts version 1 and version 2 values written with that same key. */
export function decryptField(key: Buffer | Keyring, stored: Buffer): string {
  const id = keyIdOf(stored)
  const k = isKeyring(key) ? keyOf(key, id) : key
  const offset = stored[0] === V1 ? 1 : 2
  const decipher = createDecipheriv('aes-256-gcm', k, stored.subarray(offset, offset + 12))
  if (stored[0] === V2) {
    decipher.setAAD(stored.subarray(0, 2))
  }
  decipher.setAuthTag(stored.subarray(offset + 12, offset + 28))
  return Buffer.concat([decipher.update(stored.subarray(offset + 28)), decipher.final()]).toString('utf8')
}

/** A value under the keyring's current key (unchanged when it already is). */
export function reencryptField(ring: Keyring, stored: Buffer): Buffer {
  return stored[0] === V2 && keyIdOf(stored) === ring.currentId ? stored : encryptField(ring, decryptField(ring, stored))
}
