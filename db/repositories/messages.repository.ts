/**
 * The sending engine's SQL: which members get the next messages (queued in keyset order, one
 * row per campaign × student × step), the claim before the provider is called, stale-claim
 * recovery, capacity and rate figures, and the tracking counts.
 */
import { and, eq, sql } from 'drizzle-orm'
import type { DbOrTx } from '../client.ts'
import { messages, type Message } from '../schema/messages.ts'
import type { ConsentStatus, MessageStatus } from '../vocabulary/index.ts'

export type Tracking = {
  members: number
  control: number
  waitingForCapacity: number
  queued: number
  sending: number
  sent: number
  failed: number
  bounced: number
  skipped: number
  opened: number
  booked: number
  calledBack: number
  objected: number
  reminders: number
  perDay: { day: string; sent: number }[]
}

const num = (v: unknown) => Number(v ?? 0)

export function createMessageRepository(q: DbOrTx) {
  return {
    /**
     * Invitations for up to `limit` treated members of the campaign in one Mission Locale, lowest
     * student id first. A member another campaign contacted within `recentDays` days (or has
     * pending) gets a `skipped` row instead: one student, one conversation. The unique indexes make
     * a second row for the same step, or a second pending invitation of a student, impossible.
     */
    async queueInvitations(p: {
      campaignId: string
      channel: 'email' | 'sms'
      missionLocaleId: string
      recentDays: number
      limit: number
      now: Date
    }): Promise<{ queued: string[]; skipped: number }> {
      if (p.limit <= 0) {
        return { queued: [], skipped: 0 }
      }
      const since = new Date(p.now.getTime() - p.recentDays * 86_400_000).toISOString()
      const now = p.now.toISOString()
      const rows = await q.execute<{ id: string; status: MessageStatus }>(sql`
        WITH next AS (
          SELECT cm.student_id,
            EXISTS (SELECT 1 FROM messages o WHERE o.student_id = cm.student_id AND o.campaign_id <> ${p.campaignId}::uuid
              AND (o.status IN ('queued', 'sending') OR (o.status = 'sent' AND o.sent_at > ${since}::timestamptz))) AS taken
          FROM campaign_members cm
          WHERE cm.campaign_id = ${p.campaignId}::uuid AND cm.arm = 'treated' AND cm.mission_locale_id = ${p.missionLocaleId}::uuid
            AND NOT EXISTS (SELECT 1 FROM messages m WHERE m.campaign_id = cm.campaign_id AND m.student_id = cm.student_id AND m.step = 0)
          ORDER BY cm.student_id
          LIMIT ${p.limit}
        )
        INSERT INTO messages (campaign_id, student_id, step, channel, status, error, queued_at)
        SELECT ${p.campaignId}::uuid, student_id, 0, ${p.channel}::consent_channel,
          (CASE WHEN taken THEN 'skipped' ELSE 'queued' END)::message_status,
          CASE WHEN taken THEN 'déjà contacté par une autre campagne' END, ${now}::timestamptz
        FROM next ORDER BY student_id
        ON CONFLICT DO NOTHING
        RETURNING id, status`)
      return {
        queued: rows.filter((r) => r.status === 'queued').map((r) => r.id),
        skipped: rows.filter((r) => r.status === 'skipped').length,
      }
    },

    /**
     * Reminder `step` (1…) to members whose invitation was sent at least `afterDays` days ago and
     * who have not responded since: no link of this campaign opened, no case (booking or callback)
     * opened, consent still given.
     */
    async queueReminders(p: {
      campaignId: string
      channel: 'email' | 'sms'
      step: number
      afterDays: number
      limit: number
      now: Date
    }): Promise<string[]> {
      if (p.limit <= 0) {
        return []
      }
      const due = new Date(p.now.getTime() - p.afterDays * 86_400_000).toISOString()
      const rows = await q.execute<{ id: string }>(sql`
        INSERT INTO messages (campaign_id, student_id, step, channel, status, queued_at)
        SELECT inv.campaign_id, inv.student_id, ${p.step}, inv.channel, 'queued', ${p.now.toISOString()}::timestamptz
        FROM messages inv
        JOIN messages prev ON prev.campaign_id = inv.campaign_id AND prev.student_id = inv.student_id AND prev.step = ${p.step - 1} AND prev.status = 'sent'
        WHERE inv.campaign_id = ${p.campaignId}::uuid AND inv.step = 0 AND inv.status = 'sent' AND inv.sent_at <= ${due}::timestamptz
          AND NOT EXISTS (SELECT 1 FROM messages m WHERE m.campaign_id = inv.campaign_id AND m.student_id = inv.student_id AND m.step = ${p.step})
          AND NOT EXISTS (SELECT 1 FROM links l WHERE l.campaign_id = inv.campaign_id AND l.student_id = inv.student_id AND l.opened_at IS NOT NULL)
          AND NOT EXISTS (SELECT 1 FROM cases c WHERE c.student_id = inv.student_id AND c.created_at >= inv.sent_at)
          AND EXISTS (SELECT 1 FROM consents k WHERE k.student_id = inv.student_id AND k.channel = inv.channel AND k.status = 'given')
        ORDER BY inv.student_id
        LIMIT ${p.limit}
        ON CONFLICT DO NOTHING
        RETURNING id`)
      return rows.map((r) => r.id)
    },

    /**
     * Invitations still pending for a Mission Locale, all campaigns: queued, being sent, or sent in
     * the last `days` days to a student who has neither acted (a case) nor objected.
     */
    async pendingInvitations(missionLocaleId: string, days: number, now: Date): Promise<number> {
      const since = new Date(now.getTime() - days * 86_400_000).toISOString()
      const [r] = await q.execute<{ n: number }>(sql`
        SELECT count(*)::int AS n FROM messages m
        JOIN campaign_members cm ON cm.campaign_id = m.campaign_id AND cm.student_id = m.student_id
        WHERE cm.mission_locale_id = ${missionLocaleId}::uuid AND m.step = 0
          AND (m.status IN ('queued', 'sending') OR (m.status = 'sent' AND m.sent_at > ${since}::timestamptz))
          AND NOT EXISTS (SELECT 1 FROM cases c WHERE c.student_id = m.student_id AND c.created_at >= m.queued_at)
          AND NOT EXISTS (SELECT 1 FROM consents k WHERE k.student_id = m.student_id AND k.status = 'objected')`)
      return num(r?.n)
    },

    /** Marks queued messages as dispatched (a `message.send` job is being written for each); returns id and job number. */
    async dispatchable(campaignId: string, staleBefore: Date, limit: number, now: Date): Promise<{ id: string; dispatches: number }[]> {
      return q.execute<{ id: string; dispatches: number }>(sql`
        UPDATE messages SET dispatched_at = ${now.toISOString()}::timestamptz, dispatches = dispatches + 1
        WHERE id IN (SELECT id FROM messages WHERE campaign_id = ${campaignId}::uuid AND status = 'queued'
          AND (dispatched_at IS NULL OR dispatched_at < ${staleBefore.toISOString()}::timestamptz) ORDER BY queued_at, id LIMIT ${limit} FOR UPDATE SKIP LOCKED)
        RETURNING id, dispatches`)
    },

    /** Claims left by a dead worker go back to the queue. */
    async recoverStale(claimedBefore: Date): Promise<number> {
      const rows = await q.execute<{ id: string }>(sql`
        UPDATE messages SET status = 'queued', claimed_at = NULL, dispatched_at = NULL, paced_at = NULL, error = 'reprise après un envoi interrompu'
        WHERE status = 'sending' AND claimed_at < ${claimedBefore.toISOString()}::timestamptz RETURNING id`)
      return rows.length
    },

    /**
     * queued → sending, only from queued: whoever wins sends, everybody else does nothing. In the
     * same statement, read after the claim: the student's current consent on the channel and
     * whether any of `suppressionHashes` is on the objection list (one round trip per send).
     */
    async claim(
      id: string,
      now: Date,
      suppressionHashes: string[] = [],
    ): Promise<{ id: string; consent: ConsentStatus | null; suppressed: boolean } | undefined> {
      const [row] = await q.execute<{ id: string; consent: ConsentStatus | null; suppressed: boolean }>(sql`
        UPDATE messages m SET status = 'sending', claimed_at = ${now.toISOString()}::timestamptz, attempts = m.attempts + 1
        WHERE m.id = ${id}::uuid AND m.status = 'queued'
        RETURNING m.id,
          (SELECT k.status FROM consents k WHERE k.student_id = m.student_id AND k.channel = m.channel) AS consent,
          -- Every kind named, so the (kind, value_hash) index answers.
          EXISTS (SELECT 1 FROM suppressions s WHERE s.kind IN ('pseudo_id', 'email', 'phone')
            AND s.value_hash = ANY(${`{${suppressionHashes.join(',')}}`}::text[])) AS suppressed`)
      return row
    },

    /** Gives a claim back untouched (the send was not attempted): queued again, for the next tick to dispatch. */
    async release(id: string): Promise<void> {
      await q.execute(sql`
        UPDATE messages SET status = 'queued', claimed_at = NULL, dispatched_at = NULL, paced_at = NULL, attempts = greatest(0, attempts - 1)
        WHERE id = ${id}::uuid AND status = 'sending'`)
    },

    /**
     * The rate's hard limit, taken right before the provider is called: true (and `paced_at` set)
     * while fewer than `perSecond` sends of the campaign are in flight or were accepted in the last
     * second (database clock, serialised on the campaign row: migration 0013's function). So no
     * calendar second at the receiving end holds more than `perSecond` of them.
     */
    async takeSendToken(campaignId: string, messageId: string, perSecond: number): Promise<boolean> {
      const [r] = await q.execute<{ ok: boolean }>(
        sql`SELECT campaign_take_send_token(${campaignId}::uuid, ${messageId}::uuid, ${perSecond}::integer) AS ok`,
      )
      return r?.ok === true
    },

    /** Messages of the campaign waiting or being sent (the backlog the tick keeps short). */
    async pendingCount(campaignId: string): Promise<number> {
      const [r] = await q.execute<{ n: number }>(
        sql`SELECT count(*)::int AS n FROM messages WHERE campaign_id = ${campaignId}::uuid AND status IN ('queued', 'sending')`,
      )
      return num(r?.n)
    },

    async byId(id: string): Promise<Message | undefined> {
      const [row] = await q.select().from(messages).where(eq(messages.id, id))
      return row
    },

    /** Ends a claim: sent, or failed / bounced / skipped, or back to queued (a transient failure). */
    async finish(
      id: string,
      status: MessageStatus,
      patch: { providerId?: string | null; error?: string | null; linkId?: string | null; sentAt?: Date | null },
    ): Promise<void> {
      await q
        .update(messages)
        .set({
          status,
          ...patch,
          ...(status === 'queued' ? { claimedAt: null } : {}),
          // The token of the rate's one-second window is held until a second after the provider accepted.
          pacedAt: null,
          ...(status === 'sent' ? { acceptedAt: sql`clock_timestamp()` } : {}),
        })
        .where(and(eq(messages.id, id), eq(messages.status, 'sending')))
    },

    /** A message given up on (final job failure): only if nobody sent it meanwhile. */
    async failIfPending(id: string, error: string): Promise<void> {
      await q.execute(
        sql`UPDATE messages SET status = 'failed', error = ${error} WHERE id = ${id}::uuid AND status IN ('queued', 'sending')`,
      )
    },

    async markContactInvalid(studentId: number, channel: 'email' | 'sms', now: Date): Promise<void> {
      await q.execute(
        channel === 'email'
          ? sql`UPDATE contacts SET email_invalid_at = ${now.toISOString()}::timestamptz WHERE student_id = ${studentId}`
          : sql`UPDATE contacts SET phone_invalid_at = ${now.toISOString()}::timestamptz WHERE student_id = ${studentId}`,
      )
    },

    /** Failure share over the campaign's last `window` attempts. */
    async failureShare(campaignId: string, window: number): Promise<{ attempted: number; failed: number }> {
      const [r] = await q.execute<{ attempted: number; failed: number }>(sql`
        SELECT count(*)::int AS attempted, count(*) FILTER (WHERE status IN ('failed', 'bounced'))::int AS failed FROM (
          SELECT status FROM messages WHERE campaign_id = ${campaignId}::uuid AND status IN ('sent', 'failed', 'bounced')
          ORDER BY coalesce(sent_at, claimed_at) DESC NULLS LAST LIMIT ${window}) x`)
      return { attempted: num(r?.attempted), failed: num(r?.failed) }
    },

    /** What the send needs: the campaign, the student's encrypted contact and the names in the message. */
    async sendContext(id: string) {
      const [r] = await q.execute<Record<string, unknown>>(sql`
        SELECT m.id, m.campaign_id, m.student_id, m.step, m.channel, m.status, s.pseudo_id, s.university_id, cm.mission_locale_id,
          ct.first_name_enc, ct.email_enc, ct.phone_enc, ct.email_invalid_at, ct.phone_invalid_at,
          u.name AS university_name, ml.name AS mission_locale_name, k.status AS consent
        FROM messages m
        JOIN students s ON s.id = m.student_id
        JOIN campaign_members cm ON cm.campaign_id = m.campaign_id AND cm.student_id = m.student_id
        JOIN organisations u ON u.id = s.university_id
        JOIN organisations ml ON ml.id = cm.mission_locale_id
        LEFT JOIN contacts ct ON ct.student_id = m.student_id
        LEFT JOIN consents k ON k.student_id = m.student_id AND k.channel = m.channel
        WHERE m.id = ${id}::uuid`)
      if (!r) {
        return undefined
      }
      return {
        studentId: num(r.student_id),
        campaignId: r.campaign_id as string,
        step: num(r.step),
        channel: r.channel as 'email' | 'sms',
        status: r.status as MessageStatus,
        pseudoId: r.pseudo_id as string,
        universityId: r.university_id as string,
        missionLocaleId: r.mission_locale_id as string,
        firstNameEnc: (r.first_name_enc as Buffer | null) ?? null,
        emailEnc: r.email_invalid_at ? null : ((r.email_enc as Buffer | null) ?? null),
        phoneEnc: r.phone_invalid_at ? null : ((r.phone_enc as Buffer | null) ?? null),
        universityName: r.university_name as string,
        missionLocaleName: r.mission_locale_name as string,
        consent: (r.consent as string | null) ?? null,
      }
    },

    /** Whether the campaign still has work: members without invitation, or messages not yet final. */
    async openWork(campaignId: string): Promise<{ unsent: number; pending: number; lastInvitation: Date | null }> {
      const [r] = await q.execute<{ unsent: number; pending: number; last: Date | string | null }>(sql`
        SELECT
          (SELECT count(*)::int FROM campaign_members cm WHERE cm.campaign_id = ${campaignId}::uuid AND cm.arm = 'treated'
            AND NOT EXISTS (SELECT 1 FROM messages m WHERE m.campaign_id = cm.campaign_id AND m.student_id = cm.student_id AND m.step = 0)) AS unsent,
          (SELECT count(*)::int FROM messages WHERE campaign_id = ${campaignId}::uuid AND status IN ('queued', 'sending')) AS pending,
          (SELECT max(sent_at) FROM messages WHERE campaign_id = ${campaignId}::uuid AND step = 0) AS last`)
      return { unsent: num(r?.unsent), pending: num(r?.pending), lastInvitation: r?.last ? new Date(r.last) : null }
    },

    async tracking(campaignId: string): Promise<Tracking> {
      const [r] = await q.execute<Record<string, unknown>>(sql`
        SELECT
          (SELECT count(*) FROM campaign_members WHERE campaign_id = ${campaignId}::uuid) AS members,
          (SELECT count(*) FROM campaign_members WHERE campaign_id = ${campaignId}::uuid AND arm = 'control') AS control,
          (SELECT count(*) FROM campaign_members cm WHERE cm.campaign_id = ${campaignId}::uuid AND cm.arm = 'treated'
            AND NOT EXISTS (SELECT 1 FROM messages m WHERE m.campaign_id = cm.campaign_id AND m.student_id = cm.student_id AND m.step = 0)) AS waiting,
          (SELECT count(*) FROM messages WHERE campaign_id = ${campaignId}::uuid AND status = 'queued') AS queued,
          (SELECT count(*) FROM messages WHERE campaign_id = ${campaignId}::uuid AND status = 'sending') AS sending,
          (SELECT count(*) FROM messages WHERE campaign_id = ${campaignId}::uuid AND status = 'sent') AS sent,
          (SELECT count(*) FROM messages WHERE campaign_id = ${campaignId}::uuid AND status = 'failed') AS failed,
          (SELECT count(*) FROM messages WHERE campaign_id = ${campaignId}::uuid AND status = 'bounced') AS bounced,
          (SELECT count(*) FROM messages WHERE campaign_id = ${campaignId}::uuid AND status = 'skipped') AS skipped,
          (SELECT count(*) FROM messages WHERE campaign_id = ${campaignId}::uuid AND status = 'sent' AND step > 0) AS reminders,
          (SELECT count(DISTINCT student_id) FROM links WHERE campaign_id = ${campaignId}::uuid AND opened_at IS NOT NULL) AS opened,
          (SELECT count(DISTINCT l.student_id) FROM appointments a JOIN links l ON l.id = a.link_id WHERE l.campaign_id = ${campaignId}::uuid) AS booked,
          (SELECT count(DISTINCT l.student_id) FROM callback_requests c JOIN links l ON l.id = c.link_id WHERE l.campaign_id = ${campaignId}::uuid) AS called_back,
          (SELECT count(*) FROM campaign_members cm JOIN consents k ON k.student_id = cm.student_id AND k.status = 'objected'
            WHERE cm.campaign_id = ${campaignId}::uuid AND k.channel = 'email') AS objected`)
      const days = await q.execute<{ day: string; n: number }>(sql`
        SELECT to_char(sent_at AT TIME ZONE 'Europe/Paris', 'YYYY-MM-DD') AS day, count(*)::int AS n
        FROM messages WHERE campaign_id = ${campaignId}::uuid AND status = 'sent' GROUP BY 1 ORDER BY 1`)
      return {
        members: num(r?.members),
        control: num(r?.control),
        waitingForCapacity: num(r?.waiting),
        queued: num(r?.queued),
        sending: num(r?.sending),
        sent: num(r?.sent),
        failed: num(r?.failed),
        bounced: num(r?.bounced),
        skipped: num(r?.skipped),
        opened: num(r?.opened),
        booked: num(r?.booked),
        calledBack: num(r?.called_back),
        objected: num(r?.objected),
        reminders: num(r?.reminders),
        perDay: days.map((d) => ({ day: d.day, sent: num(d.n) })),
      }
    },

    /** Running campaigns (the tick's work list). */
    async running(): Promise<string[]> {
      const rows = await q.execute<{ id: string }>(sql`SELECT id FROM campaigns WHERE status = 'running' ORDER BY created_at`)
      return rows.map((r) => r.id)
    },
  }
}
export type MessageRepository = ReturnType<typeof createMessageRepository>
