import { and, eq } from 'drizzle-orm'
import type { DbOrTx } from '../client.ts'
import { callbackRequests } from '../schema/callback-requests.ts'
import { cases, type Case } from '../schema/cases.ts'

export type NewCase = typeof cases.$inferInsert
export type NewCallbackRequest = typeof callbackRequests.$inferInsert

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
    /** An open callback case of this link, so a second request updates it instead of queueing twice. */
    async openCallbackOfLink(linkId: string): Promise<Case | undefined> {
      const [row] = await q
        .select()
        .from(cases)
        .where(and(eq(cases.linkId, linkId), eq(cases.origin, 'callback'), eq(cases.status, 'new')))
        .limit(1)
      return row
    },
    async setDue(id: string, dueAt: Date): Promise<void> {
      await q.update(cases).set({ dueAt }).where(eq(cases.id, id))
    },
  }
}
export type CaseRepository = ReturnType<typeof createCaseRepository>
