import type { OrganisationRepository } from '../../db/repositories/organisations.repository.ts'

/** The consortium's organisations (university, Missions Locales, partners), for admin pages and the API. */
export function createOrganisationService({ organisations }: { organisations: Pick<OrganisationRepository, 'list'> }) {
  return {
    list: () => organisations.list(),
  }
}
export type OrganisationService = ReturnType<typeof createOrganisationService>
