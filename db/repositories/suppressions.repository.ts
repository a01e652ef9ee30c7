import { and, eq, inArray, or, type SQL } from 'drizzle-orm'
import type { DbOrTx } from '../client.ts'
import { appointments } from '../schema/appointments.ts'
import { cases } from '../schema/cases.ts'
import { contacts } from '../schema/contacts.ts'
import { suppressions } from '../schema/suppressions.ts'
import type { SuppressionKind } from '../vocabulary/index.ts'

export type SuppressionKey = { kind: SuppressionKind; valueHash: string }

export function createSuppressionRepository(q: DbOrTx) {
  return {
    /** Idempotent: an objection recorded twice is one row per hash. */
    async addMany(keys: SuppressionKey[], source: string): Promise<void> {
      if (keys.length > 0) {
        await q
          .insert(suppressions)
          .values(keys.map((k) => ({ ...k, source })))
          .onConflictDoNothing({ target: [suppressions.kind, suppressions.valueHash] })
      }
    },

    /** Reads the unique index (kind, value_hash). */
    async anyOf(keys: SuppressionKey[]): Promise<boolean> {
      if (keys.length === 0) {
        return false
      }
      const byKind = new Map<SuppressionKind, string[]>()
      for (const k of keys) {
        byKind.set(k.kind, [...(byKind.get(k.kind) ?? []), k.valueHash])
      }
      const conditions: SQL[] = [...byKind].map(
        ([kind, hashes]) => and(eq(suppressions.kind, kind), inArray(suppressions.valueHash, hashes)) as SQL,
      )
      const rows = await q
        .select({ id: suppressions.id })
        .from(suppressions)
        .where(or(...conditions))
        .limit(1)
      return rows.length > 0
    },

    /**
     * The encrypted contact details the platform holds for a student, to hash them into the list:
     * the university's contact row, and the identities given through this link (cases, appointments).
     */
    async encryptedContactsOf(studentId: number, linkId: string) {
      const [contact] = await q
        .select({ emailEnc: contacts.emailEnc, phoneEnc: contacts.phoneEnc })
        .from(contacts)
        .where(eq(contacts.studentId, studentId))
      const given = [
        ...(await q.select({ enc: cases.identityEnc }).from(cases).where(eq(cases.linkId, linkId))),
        ...(await q.select({ enc: appointments.identityEnc }).from(appointments).where(eq(appointments.linkId, linkId))),
      ]
      return { contact, identities: given.map((g) => g.enc).filter((e): e is Buffer => e !== null) }
    },
  }
}
export type SuppressionRepository = ReturnType<typeof createSuppressionRepository>
