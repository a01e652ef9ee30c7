/**
 * Which university a risk page or API call is about, and the filters of the risk list, shared by
 * the pages (French query names) and the JSON API.
 */
import type { FastifyInstance } from 'fastify'
import type { ScoreListFilters } from '../../../db/repositories/scoring.repository.ts'
import type { Principal } from '../../services/access.ts'
import { NotFound } from '../../errors.ts'

/** University staff and admins only; every other role gets 404 (plugins/app/auth.ts). */
export const RISK_ACCESS = { access: ['university_staff', 'admin'] as const, notFoundForOtherRoles: true }
/** Models: admins only; every other role gets 404. */
export const MODEL_ACCESS = { access: ['admin'] as const, notFoundForOtherRoles: true }

export type Organisations = { universities: { id: string; name: string }[]; territories: Map<string, string> }

export async function organisationsOf(fastify: FastifyInstance): Promise<Organisations> {
  const all = await fastify.services.organisations.list()
  return {
    universities: all.filter((o) => o.kind === 'university').map((o) => ({ id: o.id, name: o.name })),
    territories: new Map(all.filter((o) => o.kind === 'mission_locale').map((o) => [o.id, o.shortName])),
  }
}

/**
 * The university asked for: staff get their own (another one answers 404 in the service);
 * admins the one they chose, or the first university.
 */
export function universityFor(p: Principal, orgs: Organisations, requested: string | undefined): string {
  if (requested) {
    return requested
  }
  if (p.role !== 'admin') {
    return p.organisationId
  }
  const first = orgs.universities[0]
  if (!first) {
    throw new NotFound()
  }
  return first.id
}

export type ListInput = {
  universityId?: string | undefined
  academicYear?: string | undefined
  band?: ScoreListFilters['band'] | '' | undefined
  faculty?: string | undefined
  stepCode?: string | undefined
  level?: string | undefined
  campus?: string | undefined
  territoryId?: string | undefined
  order?: 'desc' | 'asc' | undefined
}

/** Filters without empty values (a form sends `bande=` for "toutes"). */
export function listFilters(universityId: string, academicYear: string, input: ListInput): Omit<ScoreListFilters, 'after' | 'limit'> {
  const f: Omit<ScoreListFilters, 'after' | 'limit'> = { universityId, academicYear }
  if (input.band) {
    f.band = input.band
  }
  for (const key of ['faculty', 'stepCode', 'level', 'campus', 'territoryId'] as const) {
    const v = input[key]?.trim()
    if (v) {
      f[key] = v
    }
  }
  if (input.order === 'asc') {
    f.order = 'asc'
  }
  return f
}
