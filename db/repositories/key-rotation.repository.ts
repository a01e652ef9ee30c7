/**
 * What re-encrypting personal data under a new data key reads and writes
 * (scripts/reencrypt-contacts.ts): every encrypted column of the platform, in keyset batches.
 * A value's key id is in its header (server/lib/crypto.ts): byte 0 is the layout version, byte 1
 * the key id of version 2; version 1 values are under key 1.
 */
import type postgres from 'postgres'

/** Each table with encrypted columns: its key column and the columns. `keyIdColumn`: kept in step with the values. */
export const ENCRYPTED_TABLES = [
  { table: 'contacts', id: 'student_id', columns: ['first_name_enc', 'email_enc', 'phone_enc'], keyIdColumn: 'key_id' },
  { table: 'appointments', id: 'id', columns: ['identity_enc'], keyIdColumn: null },
  { table: 'cases', id: 'id', columns: ['identity_enc'], keyIdColumn: null },
] as const

export type EncryptedTable = (typeof ENCRYPTED_TABLES)[number]
export type EncryptedRow = { id: string | number; values: (Buffer | null)[] }

const notUnder = (col: string) => `(${col} IS NOT NULL AND CASE get_byte(${col}, 0) WHEN 1 THEN 1 ELSE get_byte(${col}, 1) END <> $1)`

export function createKeyRotationRepository(sql: postgres.Sql) {
  return {
    /** The next rows (after `after`, by id) holding at least one value not under key `currentId`. */
    async batchNotUnder(t: EncryptedTable, currentId: number, after: string | number | null, limit: number): Promise<EncryptedRow[]> {
      const rows = await sql.unsafe(
        `SELECT ${t.id} AS id, ${t.columns.join(', ')} FROM ${t.table}
         WHERE (${t.columns.map(notUnder).join(' OR ')}) ${after === null ? '' : `AND ${t.id} > $2`}
         ORDER BY ${t.id} LIMIT ${Number(limit)}`,
        after === null ? [currentId] : [currentId, after],
      )
      return rows.map((r) => ({ id: r.id as string | number, values: t.columns.map((c) => (r[c] as Buffer | null) ?? null) }))
    },

    /**
     * Writes the re-encrypted values only if the row still holds the old ones (an import or a
     * booking may have replaced them meanwhile: then they are already under the current key).
     */
    async replace(t: EncryptedTable, row: EncryptedRow, values: (Buffer | null)[], keyId: number): Promise<boolean> {
      const params: unknown[] = [row.id]
      const set = t.columns.map((c, i) => {
        params.push(values[i] ?? null)
        return `${c} = $${params.length}`
      })
      if (t.keyIdColumn) {
        params.push(keyId)
        set.push(`${t.keyIdColumn} = $${params.length}`)
      }
      const guard = t.columns.map((c, i) => {
        params.push(row.values[i] ?? null)
        return `${c} IS NOT DISTINCT FROM $${params.length}::bytea`
      })
      const res = await sql.unsafe(
        `UPDATE ${t.table} SET ${set.join(', ')} WHERE ${t.id} = $1 AND ${guard.join(' AND ')}`,
        params as never[],
      )
      return res.count === 1
    },
  }
}
