import type { SiteRepository } from '../../db/repositories/sites.repository.ts'
import { inScope, organisationFilter, type Principal } from './access.ts'

export function createSiteService({ sites }: { sites: SiteRepository }) {
  return {
    list: (p: Principal) => sites.list(organisationFilter(p)),
    get: async (p: Principal, id: string) => inScope(p, await sites.byId(id)),
  }
}
export type SiteService = ReturnType<typeof createSiteService>
