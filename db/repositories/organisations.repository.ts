import { asc, eq } from 'drizzle-orm'
import type { DbOrTx } from '../client.ts'
import { organisations, type Organisation } from '../schema/organisations.ts'

export function createOrganisationRepository(db: DbOrTx) {
  return {
    list: (): Promise<Organisation[]> => db.select().from(organisations).orderBy(asc(organisations.kind), asc(organisations.name)),
    async byId(id: string): Promise<Organisation | undefined> {
      const [row] = await db.select().from(organisations).where(eq(organisations.id, id))
      return row
    },
    async bySlug(slug: string): Promise<Organisation | undefined> {
      const [row] = await db.select().from(organisations).where(eq(organisations.slug, slug))
      return row
    },
  }
}
export type OrganisationRepository = ReturnType<typeof createOrganisationRepository>
