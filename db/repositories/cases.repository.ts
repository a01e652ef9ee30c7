import { and, asc, count, desc, eq, gte, inArray, isNotNull, ne, or, sql, type SQL } from 'drizzle-orm'
import type { DbOrTx } from '../client.ts'
import { appointments } from '../schema/appointments.ts'
import { callbackRequests } from '../schema/callback-requests.ts'
import { cases, type Case } from '../schema/cases.ts'
import { links } from '../schema/links.ts'
import { modelFeedback } from '../schema/model-feedback.ts'
import { students } from '../schema/students.ts'
import { users } from '../schema/users.ts'
import { CASE_LISTS, type CaseList, type CaseOutcome, type CaseVerdict } from '../vocabulary/index.ts'

export type NewCase = typeof cases.$inferInsert
export type NewCallbackRequest = typeof callbackRequests.$inferInsert
export type CasePatch = Partial<
  Pick<typeof cases.$inferInsert, 'status' | 'assigneeId' | 'claimedAt' | 'dueAt' | 'outcome' | 'closedAt' | 'remindersPaused'>
>

/**
 * The one definition of the inbox's work lists (docs/inbox.md#work-lists), as SQL so that the
 * lists, their counters and the polling endpoint agree. `dueBefore` is the end of the current
 * Paris day: a case due today or overdue is « prioritaire ».
 */
export function caseListExpression(dueBefore: Date): SQL<CaseList> {
  return sql<CaseList>`CASE
    WHEN ${cases.status} = 'closed' THEN 'clos'
    WHEN ${cases.status} IN ('unreachable', 'wrong_contact') THEN 'injoignable'
    WHEN ${cases.dueAt} IS NOT NULL AND ${cases.dueAt} < ${dueBefore.toISOString()}::timestamptz THEN 'prioritaire'
    WHEN ${cases.status} = 'new' THEN 'a_traiter'
    ELSE 'en_cours' END`
}

/** The place of a case: its latest appointment's, not cancelled first. */
const caseSiteId = sql<string | null>`(SELECT a.site_id FROM appointments a WHERE a.case_id = ${cases.id}
  ORDER BY (a.status = 'cancelled'), a.starts_at DESC LIMIT 1)`

export function createCaseRepository(q: DbOrTx) {
  return {
    async open(c: NewCase): Promise<Case> {
      const [row] = await q.insert(cases).values(c).returning()
      return row as Case
    },
    async addCallbackRequest(r: NewCallbackRequest): Promise<void> {
      await q.insert(callbackRequests).values(r)
    },
    async byId(id: string): Promise<Case | undefined> {
      const [row] = await q.select().from(cases).where(eq(cases.id, id))
      return row
    },
    /** Locks the case row for the rest of the transaction (two counsellors acting at once). */
    async byIdForUpdate(id: string): Promise<Case | undefined> {
      const [row] = await q.select().from(cases).where(eq(cases.id, id)).for('update')
      return row
    },
    /** An open callback case of this link, so a second request updates it instead of queueing twice. */
    async openCallbackOfLink(linkId: string): Promise<Case | undefined> {
      const [row] = await q
        .select()
        .from(cases)
        .where(and(eq(cases.linkId, linkId), eq(cases.origin, 'callback'), eq(cases.status, 'new')))
        .limit(1)
      return row
    },
    async setDue(id: string, dueAt: Date | null): Promise<void> {
      await q.update(cases).set({ dueAt }).where(eq(cases.id, id))
    },
    async update(id: string, patch: CasePatch): Promise<Case | undefined> {
      const [row] = await q.update(cases).set(patch).where(eq(cases.id, id)).returning()
      return row
    },
    /** Reassigns open cases of one Mission Locale; returns the ids changed. */
    async assignMany(missionLocaleId: string, ids: string[], assigneeId: string): Promise<string[]> {
      if (ids.length === 0) {
        return []
      }
      const rows = await q
        .update(cases)
        .set({ assigneeId })
        .where(and(eq(cases.missionLocaleId, missionLocaleId), inArray(cases.id, ids), ne(cases.status, 'closed')))
        .returning({ id: cases.id })
      return rows.map((r) => r.id)
    },

    /**
     * The inbox rows of a Mission Locale: every open case and the cases closed since `closedSince`,
     * with their work list, origin facts and assignee; the identity stays encrypted (the service
     * decrypts it for the name search).
     */
    inboxRows(missionLocaleId: string, opts: { dueBefore: Date; closedSince: Date }) {
      return q
        .select({
          id: cases.id,
          list: caseListExpression(opts.dueBefore),
          origin: cases.origin,
          status: cases.status,
          outcome: cases.outcome,
          dueAt: cases.dueAt,
          createdAt: cases.createdAt,
          closedAt: cases.closedAt,
          minor: cases.minor,
          identityEnc: cases.identityEnc,
          assigneeId: cases.assigneeId,
          assigneeName: users.fullName,
          campaignId: links.campaignId,
          siteId: caseSiteId,
        })
        .from(cases)
        .leftJoin(users, eq(users.id, cases.assigneeId))
        .leftJoin(links, eq(links.id, cases.linkId))
        .where(and(eq(cases.missionLocaleId, missionLocaleId), or(ne(cases.status, 'closed'), gte(cases.closedAt, opts.closedSince))))
        .orderBy(asc(sql`${cases.dueAt} IS NULL`), asc(cases.dueAt), desc(cases.createdAt))
    },

    /** Counters of the work lists (no decryption: the polling endpoint and the tab title). */
    async counts(missionLocaleId: string, opts: { dueBefore: Date; closedSince: Date }) {
      const list = caseListExpression(opts.dueBefore)
      const rows = await q
        .select({ list, n: count(), newest: sql<string | null>`max(${cases.createdAt})` })
        .from(cases)
        .where(and(eq(cases.missionLocaleId, missionLocaleId), or(ne(cases.status, 'closed'), gte(cases.closedAt, opts.closedSince))))
        .groupBy(sql`1`)
      const counts = Object.fromEntries(CASE_LISTS.map((l) => [l, 0])) as Record<CaseList, number>
      let newest: Date | null = null
      for (const r of rows) {
        counts[r.list] = Number(r.n)
        if (r.newest && (!newest || new Date(r.newest) > newest)) {
          newest = new Date(r.newest)
        }
      }
      return { counts, newest }
    },

    /** A case with its origin facts, for its page. */
    async detail(id: string) {
      const [row] = await q
        .select({
          case: cases,
          assigneeName: users.fullName,
          link: { id: links.id, campaignId: links.campaignId, createdAt: links.createdAt, universityId: links.universityId },
          callback: {
            moments: callbackRequests.moments,
            weekdaysOnly: callbackRequests.weekdaysOnly,
            createdAt: callbackRequests.createdAt,
          },
        })
        .from(cases)
        .leftJoin(users, eq(users.id, cases.assigneeId))
        .leftJoin(links, eq(links.id, cases.linkId))
        .leftJoin(callbackRequests, eq(callbackRequests.caseId, cases.id))
        .where(eq(cases.id, id))
      return row
    },

    /** Each counsellor's load: open cases, and how many are due today or overdue. */
    async loadByAssignee(missionLocaleId: string, dueBefore: Date) {
      const rows = await q
        .select({
          assigneeId: cases.assigneeId,
          open: count(),
          due: sql<number>`count(*) FILTER (WHERE ${cases.dueAt} < ${dueBefore.toISOString()}::timestamptz)`,
          overdue: sql<number>`count(*) FILTER (WHERE ${cases.dueAt} < now())`,
        })
        .from(cases)
        .where(and(eq(cases.missionLocaleId, missionLocaleId), ne(cases.status, 'closed')))
        .groupBy(cases.assigneeId)
      return rows.map((r) => ({ ...r, open: Number(r.open), due: Number(r.due), overdue: Number(r.overdue) }))
    },

    /** The university's pseudonymous id of a case's student, for the model feedback. */
    async pseudonymOf(caseId: string): Promise<{ universityId: string; pseudoId: string } | undefined> {
      const [row] = await q
        .select({ universityId: students.universityId, pseudoId: students.pseudoId })
        .from(cases)
        .innerJoin(students, eq(students.id, cases.studentId))
        .where(eq(cases.id, caseId))
      return row
    },
    async addFeedback(row: { universityId: string; pseudoId: string; verdict: CaseVerdict }): Promise<void> {
      await q.insert(modelFeedback).values(row)
    },

    /** Closed cases by outcome for the links of one university (optionally one campaign): counts only. */
    async outcomeCounts(universityId: string, campaignId?: string) {
      const where: SQL[] = [eq(links.universityId, universityId), eq(cases.status, 'closed'), isNotNull(cases.outcome)]
      if (campaignId) {
        where.push(eq(links.campaignId, campaignId))
      }
      const rows = await q
        .select({ outcome: cases.outcome, n: count() })
        .from(cases)
        .innerJoin(links, eq(links.id, cases.linkId))
        .where(and(...where))
        .groupBy(cases.outcome)
      return rows.map((r) => ({ outcome: r.outcome as CaseOutcome, count: Number(r.n) }))
    },

    /** Appointments of a case, newest first. */
    appointmentsOf(caseId: string) {
      return q
        .select({
          id: appointments.id,
          status: appointments.status,
          startsAt: appointments.startsAt,
          endsAt: appointments.endsAt,
          modality: appointments.modality,
          siteId: appointments.siteId,
          counsellorName: users.fullName,
        })
        .from(appointments)
        .innerJoin(users, eq(users.id, appointments.counsellorId))
        .where(eq(appointments.caseId, caseId))
        .orderBy(desc(appointments.startsAt))
    },
  }
}
export type CaseRepository = ReturnType<typeof createCaseRepository>
export type InboxRow = Awaited<ReturnType<CaseRepository['inboxRows']>>[number]
