import { asc, eq } from 'drizzle-orm'
import type { DbOrTx } from '../client.ts'
import { organisations } from '../schema/organisations.ts'
import { sites } from '../schema/sites.ts'
import { communes } from '../schema/communes.ts'

const columns = {
  id: sites.id,
  organisationId: sites.organisationId,
  organisationName: organisations.shortName,
  kind: sites.kind,
  name: sites.name,
  address: sites.address,
  postcode: sites.postcode,
  inseeCode: sites.inseeCode,
  communeName: communes.name,
  modalities: sites.modalities,
  notes: sites.notes,
}

export function createSiteRepository(db: DbOrTx) {
  const base = () =>
    db
      .select(columns)
      .from(sites)
      .innerJoin(organisations, eq(organisations.id, sites.organisationId))
      .leftJoin(communes, eq(communes.inseeCode, sites.inseeCode))
  return {
    list: (organisationId: string | null) =>
      base()
        .where(organisationId ? eq(sites.organisationId, organisationId) : undefined)
        .orderBy(asc(organisations.shortName), asc(sites.kind), asc(sites.name)),
    async byId(id: string) {
      const [row] = await base().where(eq(sites.id, id))
      return row
    },
  }
}
export type SiteRepository = ReturnType<typeof createSiteRepository>
export type SiteView = Awaited<ReturnType<SiteRepository['list']>>[number]
