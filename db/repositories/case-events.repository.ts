import { asc, eq } from 'drizzle-orm'
import type { DbOrTx } from '../client.ts'
import { caseEvents, type CaseEvent } from '../schema/case-events.ts'
import { users } from '../schema/users.ts'

export type NewCaseEvent = typeof caseEvents.$inferInsert

/** The history of cases: appended to, never changed. */
export function createCaseEventRepository(q: DbOrTx) {
  return {
    async add(e: NewCaseEvent): Promise<CaseEvent> {
      const [row] = await q.insert(caseEvents).values(e).returning()
      return row as CaseEvent
    },
    /** A case's history, oldest first, with the actor's name. */
    ofCase(caseId: string) {
      return q
        .select({ event: caseEvents, actorName: users.fullName })
        .from(caseEvents)
        .leftJoin(users, eq(users.id, caseEvents.actorUserId))
        .where(eq(caseEvents.caseId, caseId))
        .orderBy(asc(caseEvents.at), asc(caseEvents.id))
    },
  }
}
export type CaseEventRepository = ReturnType<typeof createCaseEventRepository>
