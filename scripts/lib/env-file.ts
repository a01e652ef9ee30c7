/**
 * `.env` for `npm start`: load it when present; otherwise write one from `.env.example` with fresh
 * secrets, so a fresh clone starts with zero setup. Variables already set in the environment win
 * over the file (that is how process.loadEnvFile works), so `PORT=4000 npm start` does what it says.
 */
import { randomBytes } from 'node:crypto'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

export type EnvFileResult = { path: string; created: boolean; loaded: boolean }

/** The two secrets `.env.example` leaves as placeholders. */
export function generateSecrets(): { JWT_SECRET: string; DATA_ENCRYPTION_KEY: string } {
  return {
    JWT_SECRET: randomBytes(48).toString('base64url'), // 64 characters
    DATA_ENCRYPTION_KEY: randomBytes(32).toString('base64'), // 32 bytes → 44 characters
  }
}

/** `.env.example`'s text with its secret lines replaced by fresh values. */
export function fillSecrets(example: string, secrets = generateSecrets()): string {
  let text = example
  for (const [key, value] of Object.entries(secrets)) {
    const line = new RegExp(`^${key}=.*$`, 'm')
    text = line.test(text) ? text.replace(line, `${key}=${value}`) : `${text.trimEnd()}\n${key}=${value}\n`
  }
  return text
}

export function loadOrCreateEnvFile(root: string): EnvFileResult {
  const path = join(root, '.env')
  const example = join(root, '.env.example')
  let created = false
  if (!existsSync(path) && existsSync(example)) {
    // Mode 0600: the file holds secrets.
    writeFileSync(path, fillSecrets(readFileSync(example, 'utf8')), { mode: 0o600, flag: 'wx' })
    created = true
  }
  if (!existsSync(path)) {
    return { path, created, loaded: false }
  }
  process.loadEnvFile(path)
  return { path, created, loaded: true }
}
