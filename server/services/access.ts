/**
 * Organisation scoping: the one mechanism every service uses to decide whose data a person
 * may see. Route-level role checks live in plugins/app/auth.ts (`config.access`); this file
 * answers the second question, "which organisation's rows?".
 * Out-of-scope resources answer 404, never 403: a counsellor of Épernay must not even learn
 * that a Reims resource exists.
 */
import type { UserRole } from '../../db/vocabulary/index.ts'
import { NotFound } from '../errors.ts'

export type Principal = {
  userId: string
  role: UserRole
  organisationId: string
}

export const STAFF_ROLES: readonly UserRole[] = ['university_staff', 'counsellor', 'ml_manager', 'admin']

export function isAdmin(p: Principal): boolean {
  return p.role === 'admin'
}

/** The organisation whose rows `p` may read, or null for every organisation (admins). */
export function organisationFilter(p: Principal): string | null {
  return isAdmin(p) ? null : p.organisationId
}

export function canAccessOrganisation(p: Principal, organisationId: string): boolean {
  return isAdmin(p) || p.organisationId === organisationId
}

/** Returns the resource when it is in scope; throws 404 when it is missing or out of scope. */
export function inScope<T extends { organisationId: string }>(p: Principal, resource: T | undefined | null): T {
  if (!resource || !canAccessOrganisation(p, resource.organisationId)) {
    throw new NotFound()
  }
  return resource
}
