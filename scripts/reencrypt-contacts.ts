/**
 * Re-encrypts personal data under the current data key, after a key rotation.
 *
 *   1. Generate a key (openssl rand -base64 32). Move the old one to DATA_ENCRYPTION_PREVIOUS_KEYS
 *      as `<old id>:<old key>`, set DATA_ENCRYPTION_KEY to the new key and raise
 *      DATA_ENCRYPTION_KEY_ID. Restart the server and workers: new values use the new key, old
 *      ones stay readable.
 *   2. npm run reencrypt (this script): every contact and identity still under an old key is
 *      rewritten under the new one, in batches, each row only if it did not change meanwhile.
 *      Safe to stop and run again.
 *   3. Once it reports 0 left, the old key can leave DATA_ENCRYPTION_PREVIOUS_KEYS — except key 1
 *      while SUPPRESSION_KEY is unset: the objection list's hashes and the manage codes are
 *      derived from it (server/config.ts).
 *
 * Exit codes: 0 done, 1 a value could not be decrypted (a key is missing), 78 bad configuration.
 */
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import type postgres from 'postgres'
import { createKeyRotationRepository, ENCRYPTED_TABLES } from '../db/repositories/key-rotation.repository.ts'
import { reencryptField, type Keyring } from '../server/lib/crypto.ts'

export type ReencryptReport = Record<string, { rewritten: number; skipped: number }>

export async function reencryptAll(sql: postgres.Sql, ring: Keyring, opts: { batchSize?: number } = {}): Promise<ReencryptReport> {
  const repo = createKeyRotationRepository(sql)
  const report: ReencryptReport = {}
  for (const t of ENCRYPTED_TABLES) {
    const counts = { rewritten: 0, skipped: 0 }
    let after: string | number | null = null
    for (;;) {
      const rows = await repo.batchNotUnder(t, ring.currentId, after, opts.batchSize ?? 500)
      if (rows.length === 0) {
        break
      }
      for (const row of rows) {
        const values = row.values.map((v) => (v === null ? null : reencryptField(ring, v)))
        if (await repo.replace(t, row, values, ring.currentId)) {
          counts.rewritten++
        } else {
          counts.skipped++
        }
      }
      after = (rows.at(-1) as { id: string | number }).id
    }
    report[t.table] = counts
  }
  return report
}

if (fileURLToPath(import.meta.url) === path.resolve(process.argv[1] ?? '')) {
  const { loadConfigOrExit } = await import('../server/config.ts')
  const { createDatabase } = await import('../db/client.ts')
  const config = loadConfigOrExit()
  const database = createDatabase(config.DATABASE_URL, { max: 2, appName: 'repere-reencrypt' })
  try {
    const report = await reencryptAll(database.sql, config.dataKeys)
    for (const [table, c] of Object.entries(report)) {
      process.stdout.write(`${table}: ${c.rewritten} rewritten under key ${config.dataKeys.currentId}, ${c.skipped} changed meanwhile\n`)
    }
  } catch (err) {
    process.stderr.write(`re-encryption stopped: ${(err as Error).message}\n`)
    process.exitCode = 1
  } finally {
    await database.close()
  }
}
