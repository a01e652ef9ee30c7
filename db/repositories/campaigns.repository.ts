/**
 * Campaigns, their approvals and members, and the segment query: who of the cohort's latest
 * scores a campaign targets, with what the exclusions need to know about each student.
 */
import { and, arrayOverlaps, asc, desc, eq, inArray, sql, type SQL } from 'drizzle-orm'
import type { DbOrTx } from '../client.ts'
import { campaignApprovals } from '../schema/campaign-approvals.ts'
import { campaignMembers } from '../schema/campaign-members.ts'
import { campaigns, type Campaign, type CampaignSegment } from '../schema/campaigns.ts'
import { organisations } from '../schema/organisations.ts'
import { scoreRuns } from '../schema/score-runs.ts'
import { suppressions } from '../schema/suppressions.ts'
import type { CampaignArm, CampaignStatus, ConsentChannel, ConsentStatus } from '../vocabulary/index.ts'

export type NewCampaign = typeof campaigns.$inferInsert

export type SegmentQuery = {
  campaignId: string | null
  universityId: string
  academicYear: string
  channel: ConsentChannel
  segment: CampaignSegment
  recentDays: number
  now: Date
}

/** One student of the segment, before exclusions. */
export type SegmentCandidate = {
  studentId: number
  pseudoId: string
  probability: number | null
  territoryId: string | null
  hasContact: boolean
  consent: ConsentStatus | null
  busy: boolean
  recent: boolean
  emailEnc: Buffer | null
  phoneEnc: Buffer | null
}

export function createCampaignRepository(q: DbOrTx) {
  return {
    async insert(values: NewCampaign): Promise<Campaign> {
      const [row] = await q.insert(campaigns).values(values).returning()
      return row as Campaign
    },

    async byId(id: string): Promise<Campaign | undefined> {
      const [row] = await q.select().from(campaigns).where(eq(campaigns.id, id))
      return row
    },

    /** A university's campaigns, or those targeting a Mission Locale; null filters: all. */
    async list(f: { universityId?: string | null; missionLocaleId?: string | null }): Promise<Campaign[]> {
      const conditions: SQL[] = []
      if (f.universityId) {
        conditions.push(eq(campaigns.universityId, f.universityId))
      }
      if (f.missionLocaleId) {
        conditions.push(arrayOverlaps(campaigns.territoryIds, [f.missionLocaleId]))
      }
      return q
        .select()
        .from(campaigns)
        .where(conditions.length ? and(...conditions) : undefined)
        .orderBy(desc(campaigns.createdAt))
        .limit(200)
    },

    /** Changes a campaign only while it is in one of `from` (the state machine's guard, race-free). */
    async updateIf(id: string, from: readonly CampaignStatus[], patch: Partial<NewCampaign>): Promise<Campaign | undefined> {
      const [row] = await q
        .update(campaigns)
        .set(patch)
        .where(and(eq(campaigns.id, id), inArray(campaigns.status, [...from])))
        .returning()
      return row
    },

    async approvals(campaignId: string) {
      return q.select().from(campaignApprovals).where(eq(campaignApprovals.campaignId, campaignId))
    },

    async approve(campaignId: string, missionLocaleIds: string[], userId: string): Promise<void> {
      if (missionLocaleIds.length) {
        await q
          .insert(campaignApprovals)
          .values(missionLocaleIds.map((m) => ({ campaignId, missionLocaleId: m, approvedBy: userId })))
          .onConflictDoNothing()
      }
    },

    async clearApprovals(campaignId: string): Promise<void> {
      await q.delete(campaignApprovals).where(eq(campaignApprovals.campaignId, campaignId))
    },

    /** The latest finished scoring run of the university: its year and snapshot. */
    async latestSnapshot(universityId: string, academicYear?: string): Promise<{ academicYear: string; snapshotId: number } | null> {
      const [row] = await q
        .select({ academicYear: scoreRuns.academicYear, snapshotId: scoreRuns.snapshotId })
        .from(scoreRuns)
        .where(
          and(
            eq(scoreRuns.universityId, universityId),
            eq(scoreRuns.status, 'succeeded'),
            ...(academicYear ? [eq(scoreRuns.academicYear, academicYear)] : []),
          ),
        )
        .orderBy(desc(scoreRuns.finishedAt))
        .limit(1)
      return row && row.snapshotId !== null ? { academicYear: row.academicYear, snapshotId: row.snapshotId } : null
    },

    /**
     * The segment, highest probability first (top N if asked), with per student: territory,
     * a usable address for the channel, the ledger's consent, whether a Mission Locale already
     * follows them (open case or booked appointment), and whether any other campaign contacted
     * them in the last `recentDays` days or holds them as a pending member.
     */
    async segmentCandidates(p: SegmentQuery & { snapshotId: number }): Promise<SegmentCandidate[]> {
      const s = p.segment
      const conditions: SQL[] = [sql`r.snapshot_id = ${p.snapshotId}`]
      if (s.band) {
        conditions.push(sql`r.band = ${s.band}::risk_band`)
      }
      if (s.faculty) {
        conditions.push(sql`e.faculty = ${s.faculty}`)
      }
      if (s.stepCode) {
        conditions.push(sql`e.step_code = ${s.stepCode}`)
      }
      if (s.level) {
        conditions.push(sql`e.level = ${s.level}`)
      }
      if (s.campus) {
        conditions.push(sql`e.campus = ${s.campus}`)
      }
      const self = p.campaignId ?? '00000000-0000-0000-0000-000000000000'
      const since = new Date(p.now.getTime() - p.recentDays * 86_400_000).toISOString()
      const contactCol =
        p.channel === 'email'
          ? sql`ct.email_enc IS NOT NULL AND ct.email_invalid_at IS NULL`
          : sql`ct.phone_enc IS NOT NULL AND ct.phone_invalid_at IS NULL`
      const rows = await q.execute<Record<string, unknown>>(sql`
        SELECT r.student_id, s.pseudo_id, r.probability, c.mission_locale_id AS territory_id,
          coalesce(${contactCol}, false) AS has_contact, ct.email_enc, ct.phone_enc, k.status AS consent,
          (EXISTS (SELECT 1 FROM cases x WHERE x.student_id = r.student_id AND x.status <> 'closed')
            OR EXISTS (SELECT 1 FROM appointments a JOIN links l ON l.id = a.link_id WHERE l.student_id = r.student_id AND a.status = 'booked')) AS busy,
          (EXISTS (SELECT 1 FROM messages m WHERE m.student_id = r.student_id AND m.campaign_id <> ${self}::uuid
              AND (m.status IN ('queued', 'sending') OR (m.status = 'sent' AND m.sent_at > ${since}::timestamptz)))
            OR EXISTS (SELECT 1 FROM campaign_members cm JOIN campaigns cc ON cc.id = cm.campaign_id
              WHERE cm.student_id = r.student_id AND cm.arm = 'treated' AND cc.id <> ${self}::uuid AND cc.status IN ('scheduled', 'running', 'paused'))) AS recent
        FROM risk_scores r
        JOIN students s ON s.id = r.student_id
        LEFT JOIN enrolments e ON e.student_id = r.student_id AND e.academic_year = r.academic_year
        LEFT JOIN communes c ON c.insee_code = e.home_commune_insee
        LEFT JOIN contacts ct ON ct.student_id = r.student_id
        LEFT JOIN consents k ON k.student_id = r.student_id AND k.channel = ${p.channel}::consent_channel
        WHERE ${sql.join(conditions, sql` AND `)}
        ORDER BY r.probability DESC NULLS LAST, r.student_id
        ${s.topN ? sql`LIMIT ${s.topN}` : sql``}`)
      return rows.map((r) => ({
        studentId: Number(r.student_id),
        pseudoId: r.pseudo_id as string,
        probability: r.probability as number | null,
        territoryId: r.territory_id as string | null,
        hasContact: r.has_contact as boolean,
        consent: r.consent as ConsentStatus | null,
        busy: r.busy as boolean,
        recent: r.recent as boolean,
        emailEnc: (r.email_enc as Buffer | null) ?? null,
        phoneEnc: (r.phone_enc as Buffer | null) ?? null,
      }))
    },

    /** Which of these keyed hashes are on the objection list. */
    async suppressedHashes(hashes: string[]): Promise<Set<string>> {
      if (hashes.length === 0) {
        return new Set()
      }
      const found = new Set<string>()
      for (let i = 0; i < hashes.length; i += 5000) {
        const rows = await q
          .select({ h: suppressions.valueHash })
          .from(suppressions)
          .where(inArray(suppressions.valueHash, hashes.slice(i, i + 5000)))
        rows.forEach((r) => found.add(r.h))
      }
      return found
    },

    async insertMembers(rows: { campaignId: string; studentId: number; arm: CampaignArm; missionLocaleId: string }[]): Promise<void> {
      for (let i = 0; i < rows.length; i += 1000) {
        await q
          .insert(campaignMembers)
          .values(rows.slice(i, i + 1000))
          .onConflictDoNothing()
      }
      // Thousands of new rows the planner has not seen: without fresh statistics the tick's queries
      // (members without an invitation yet) take a nested-loop plan that costs members × messages.
      // ANALYZE samples a fixed number of rows: cheap, and allowed inside the caller's transaction.
      if (rows.length >= 500) {
        await q.execute(sql`ANALYZE campaign_members, messages`)
      }
    },

    async members(campaignId: string) {
      return q.select().from(campaignMembers).where(eq(campaignMembers.campaignId, campaignId)).orderBy(asc(campaignMembers.studentId))
    },

    /** The Missions Locales among `ids`, with their names. */
    async missionLocales(ids: string[]) {
      if (ids.length === 0) {
        return []
      }
      return q
        .select({ id: organisations.id, name: organisations.name, shortName: organisations.shortName })
        .from(organisations)
        .where(and(inArray(organisations.id, ids), eq(organisations.kind, 'mission_locale')))
    },

    /**
     * Send pacing (GCRA with no burst): reserves the campaign's next send slot, `greatest(next_send_at,
     * now)`, and moves `next_send_at` one `spacingMs` past it — on the database's clock, one for
     * every worker. Returns how long to wait for the slot, or null when the next slot is more than
     * `maxAheadMs` away (the caller gives the message back instead of holding a worker that long).
     */
    async reserveSendSlot(campaignId: string, spacingMs: number, maxAheadMs: number): Promise<number | null> {
      const [r] = await q.execute<{ wait_ms: number | string }>(sql`
        WITH c AS (SELECT id, greatest(coalesce(next_send_at, '-infinity'), clock_timestamp()) AS slot
          FROM campaigns WHERE id = ${campaignId}::uuid FOR UPDATE)
        UPDATE campaigns SET next_send_at = c.slot + make_interval(secs => ${spacingMs / 1000})
        FROM c WHERE campaigns.id = c.id AND c.slot <= clock_timestamp() + make_interval(secs => ${maxAheadMs / 1000})
        RETURNING greatest(0, extract(epoch FROM c.slot - clock_timestamp()) * 1000) AS wait_ms`)
      return r ? Number(r.wait_ms) : null
    },

    /** Scheduled campaigns whose start has come. */
    async dueToStart(now: Date): Promise<Campaign[]> {
      return q
        .select()
        .from(campaigns)
        .where(
          and(eq(campaigns.status, 'scheduled'), sql`coalesce(${campaigns.startAt}, '-infinity') <= ${now.toISOString()}::timestamptz`),
        )
    },
  }
}
export type CampaignRepository = ReturnType<typeof createCampaignRepository>
