/**
 * String formats checked outside a request schema, with the same definitions Fastify's Ajv uses
 * (@fastify/ajv-compiler adds ajv-formats' full formats), so an address valid in an import is valid
 * in the API and the other way round.
 */
import { fullFormats } from 'ajv-formats/dist/formats.js'

const EMAIL = fullFormats.email as RegExp

/** ajv-formats' `email`, and at most 254 characters (the longest address SMTP carries, RFC 5321). */
export function isEmailAddress(s: string): boolean {
  return s.length <= 254 && EMAIL.test(s)
}
