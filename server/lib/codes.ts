/**
 * Secret codes given to students (personal links, manage links): 128 random bits in base64url
 * (22 characters), stored only as a sha256, so a database dump opens nothing.
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto'

export const CODE_PATTERN = /^[A-Za-z0-9_-]{22}$/

export function newCode(): string {
  return randomBytes(16).toString('base64url')
}

export function hashCode(code: string): string {
  return createHash('sha256').update(code, 'utf8').digest('hex')
}

/** A code derived from a key and a value: the same input gives the same code, nobody without the key can forge one. */
export function derivedCode(key: Buffer, value: string): string {
  return createHmac('sha256', key).update(value, 'utf8').digest().subarray(0, 16).toString('base64url')
}

/** Keyed hash for the objection list (suppressions): HMAC-SHA256, hex. */
export function keyedHash(key: Buffer, value: string): string {
  return createHmac('sha256', key).update(value, 'utf8').digest('hex')
}

export function sameCode(a: string, b: string): boolean {
  const x = Buffer.from(a)
  const y = Buffer.from(b)
  return x.length === y.length && timingSafeEqual(x, y)
}
