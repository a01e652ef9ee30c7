/**
 * The consent ledger: `consents` (the current state per student and channel) and
 * `consent_events` (the append-only history of what changed it). Every write is one statement:
 * the upsert decides whether the event applies, and only an applied event is appended.
 */
import { and, asc, eq, sql } from 'drizzle-orm'
import type { DbOrTx } from '../client.ts'
import { consentEvents } from '../schema/consent-events.ts'
import { consents } from '../schema/consents.ts'
import type { ConsentChannel, ConsentStatus } from '../vocabulary/index.ts'

export type ConsentEventInput = {
  studentId: number
  channel: ConsentChannel
  status: ConsentStatus
  source: string
  textVersion?: string | null
  at: Date
}

export function createConsentRepository(q: DbOrTx) {
  return {
    /**
     * An event from the platform (the student acted). Precedence: an objection always applies
     * and is final; a withdrawal applies over a consent; a consent applies over a withdrawal
     * (never over an objection). Returns whether it changed the current state.
     */
    async record(e: ConsentEventInput): Promise<boolean> {
      const rows = await q.execute(sql`
        WITH applied AS (
          INSERT INTO consents AS t (student_id, channel, status, source, text_version, at)
          VALUES (${e.studentId}, ${e.channel}, ${e.status}, ${e.source}, ${e.textVersion ?? null}, ${e.at.toISOString()})
          ON CONFLICT (student_id, channel) DO UPDATE
            SET status = excluded.status, source = excluded.source, text_version = excluded.text_version, at = excluded.at,
              import_id = NULL, updated_at = now()
            WHERE t.status <> 'objected' AND t.status <> excluded.status
          RETURNING t.student_id, t.channel, t.status, t.source, t.text_version, t.at
        )
        INSERT INTO consent_events (student_id, channel, status, source, text_version, at)
        SELECT student_id, channel, status, source, text_version, at FROM applied
        RETURNING id`)
      return rows.length > 0
    },

    async current(studentId: number) {
      return q.select().from(consents).where(eq(consents.studentId, studentId)).orderBy(asc(consents.channel))
    },

    async currentFor(studentId: number, channel: ConsentChannel) {
      const [row] = await q
        .select()
        .from(consents)
        .where(and(eq(consents.studentId, studentId), eq(consents.channel, channel)))
      return row ?? null
    },

    async history(studentId: number) {
      return q
        .select()
        .from(consentEvents)
        .where(eq(consentEvents.studentId, studentId))
        .orderBy(asc(consentEvents.recordedAt), asc(consentEvents.id))
    },
  }
}
export type ConsentRepository = ReturnType<typeof createConsentRepository>
