/**
 * Field encryption for personal data at rest (contacts): AES-256-GCM with a random 12-byte
 * nonce per value. Stored layout: version byte (1) | nonce (12) | tag (16) | ciphertext.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto'

const VERSION = 1

export function encryptField(key: Buffer, plaintext: string): Buffer {
  const nonce = randomBytes(12)
  const cipher = createCipheriv('aes-256-gcm', key, nonce)
  const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()])
  return Buffer.concat([Buffer.from([VERSION]), nonce, cipher.getAuthTag(), body])
}

export function decryptField(key: Buffer, stored: Buffer): string {
  if (stored[0] !== VERSION) {
    throw new Error('unknown encrypted field version')
  }
  const decipher = createDecipheriv('aes-256-gcm', key, stored.subarray(1, 13))
  decipher.setAuthTag(stored.subarray(13, 29))
  return Buffer.concat([decipher.update(stored.subarray(29)), decipher.final()]).toString('utf8')
}
