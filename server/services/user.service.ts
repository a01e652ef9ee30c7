import { randomBytes } from 'node:crypto'
import { hash, verify } from '@node-rs/argon2'
import type { OrganisationRepository } from '../../db/repositories/organisations.repository.ts'
import type { UserRepository, UserWithOrganisation } from '../../db/repositories/users.repository.ts'
import type { UserRole } from '../../db/vocabulary/index.ts'
import { AccountDisabled, BadInput, EmailTaken, InvalidCredentials, NotFound, PasswordTooWeak } from '../errors.ts'
import { isEmailAddress } from '../lib/formats.ts'
import { inScope, organisationFilter, type Principal } from './access.ts'
import type { AuditContext, AuditService } from './audit.service.ts'

export const MIN_PASSWORD_LENGTH = 12

/** Which organisation kinds each role belongs to: a counsellor works for a Mission Locale, etc. */
const ROLE_ORGANISATION_KINDS: Record<UserRole, readonly string[]> = {
  university_staff: ['university'],
  counsellor: ['mission_locale'],
  ml_manager: ['mission_locale'],
  admin: ['university', 'mission_locale', 'partner'],
}

// A real hash of a random password, so that a login for an unknown e-mail costs the same time.
const DUMMY_HASH = hash(randomBytes(16).toString('hex'))

/** A readable random password for admin resets: 4 groups of 4 characters, no look-alikes. */
export function generatePassword(): string {
  const alphabet = 'abcdefghijkmnpqrstuvwxyzACDEFGHJKLMNPQRTUVWXY34679'
  const bytes = randomBytes(16)
  const chars = [...bytes].map((b) => alphabet[b % alphabet.length])
  return [0, 4, 8, 12].map((i) => chars.slice(i, i + 4).join('')).join('-')
}

function checkPassword(password: string): void {
  if (password.length < MIN_PASSWORD_LENGTH) {
    throw new PasswordTooWeak()
  }
}

type Deps = { users: UserRepository; organisations: OrganisationRepository; audit: AuditService }

export function createUserService({ users, organisations, audit }: Deps) {
  async function checkRoleFitsOrganisation(role: UserRole, organisationId: string) {
    const org = await organisations.byId(organisationId)
    if (!org) {
      throw new BadInput('Organisation inconnue.')
    }
    if (!ROLE_ORGANISATION_KINDS[role].includes(org.kind)) {
      throw new BadInput('Ce rôle ne correspond pas au type de cette organisation.')
    }
  }

  return {
    /** Checks the password; records `auth.login` or `auth.login_failed`. */
    async authenticate(email: string, password: string, ctx: AuditContext): Promise<UserWithOrganisation> {
      const normalised = email.trim().toLowerCase()
      const user = await users.byEmailWithHash(normalised)
      const ok = await verify(user?.passwordHash ?? (await DUMMY_HASH), password)
      if (!user || !ok) {
        await audit.record(ctx, {
          action: 'auth.login_failed',
          entityType: 'user',
          entityId: user?.id,
          details: user ? {} : { attemptedEmail: normalised.slice(0, 200) },
        })
        throw new InvalidCredentials()
      }
      if (!user.active) {
        await audit.record(ctx, { action: 'auth.login_refused_inactive', entityType: 'user', entityId: user.id })
        throw new AccountDisabled()
      }
      await users.touchLogin(user.id)
      const principal = { userId: user.id, role: user.role, organisationId: user.organisationId }
      await audit.record({ ...ctx, actor: principal }, { action: 'auth.login', entityType: 'user', entityId: user.id })
      const full = await users.byId(user.id)
      if (!full) {
        throw new InvalidCredentials()
      }
      return full
    },

    /** For the session check on every request: the current state of the account. */
    byId: (id: string) => users.byId(id),

    list: (p: Principal) => users.list(organisationFilter(p)),

    async get(p: Principal, id: string) {
      return inScope(p, await users.byId(id))
    },

    async create(
      ctx: AuditContext & { actor: Principal },
      input: { email: string; fullName: string; role: UserRole; organisationId: string; password?: string },
    ): Promise<{ id: string; temporaryPassword: string | null }> {
      const email = input.email.trim().toLowerCase()
      if (!isEmailAddress(email)) {
        throw new BadInput('Adresse e-mail invalide.')
      }
      const fullName = input.fullName.trim()
      if (fullName.length < 2) {
        throw new BadInput('Indiquez le nom de la personne.')
      }
      await checkRoleFitsOrganisation(input.role, input.organisationId)
      const temporaryPassword = input.password ? null : generatePassword()
      const password = input.password ?? (temporaryPassword as string)
      checkPassword(password)
      const row = await users.insert({
        email,
        fullName,
        role: input.role,
        organisationId: input.organisationId,
        passwordHash: await hash(password),
        mustChangePassword: temporaryPassword !== null,
      })
      if (!row) {
        throw new EmailTaken()
      }
      await audit.record(ctx, {
        action: 'user.create',
        entityType: 'user',
        entityId: row.id,
        details: { role: input.role, organisationId: input.organisationId },
      })
      return { id: row.id, temporaryPassword }
    },

    async update(
      ctx: AuditContext & { actor: Principal },
      id: string,
      patch: { role?: UserRole; organisationId?: string; active?: boolean; fullName?: string },
    ): Promise<void> {
      const current = await users.byId(id)
      if (!current) {
        throw new NotFound()
      }
      if (id === ctx.actor.userId && (patch.active === false || (patch.role && patch.role !== current.role))) {
        throw new BadInput('Vous ne pouvez pas retirer vos propres droits ni désactiver votre propre compte.')
      }
      const role = patch.role ?? current.role
      const organisationId = patch.organisationId ?? current.organisationId
      await checkRoleFitsOrganisation(role, organisationId)
      const revokeSessions =
        role !== current.role || organisationId !== current.organisationId || (patch.active ?? current.active) !== current.active
      await users.update(id, { ...patch, ...(patch.fullName ? { fullName: patch.fullName.trim() } : {}) }, { revokeSessions })
      await audit.record(ctx, {
        action: 'user.update',
        entityType: 'user',
        entityId: id,
        details: {
          ...(patch.role && patch.role !== current.role ? { role: { from: current.role, to: patch.role } } : {}),
          ...(patch.organisationId && patch.organisationId !== current.organisationId
            ? { organisationId: { from: current.organisationId, to: patch.organisationId } }
            : {}),
          ...(patch.active !== undefined && patch.active !== current.active ? { active: patch.active } : {}),
        },
      })
    },

    /** Admin reset: a new temporary password, shown once; every open session of the user ends. */
    async resetPassword(ctx: AuditContext & { actor: Principal }, id: string): Promise<string> {
      const current = await users.byId(id)
      if (!current) {
        throw new NotFound()
      }
      const temporaryPassword = generatePassword()
      await users.update(id, { passwordHash: await hash(temporaryPassword), mustChangePassword: true }, { revokeSessions: true })
      await audit.record(ctx, { action: 'user.password_reset', entityType: 'user', entityId: id })
      return temporaryPassword
    },

    /**
     * "Se déconnecter partout": every session of the account ends (pages, other devices, API
     * tokens), by bumping the token version. The person for themselves, or an admin for them.
     */
    async endSessions(ctx: AuditContext & { actor: Principal }, id: string): Promise<void> {
      const self = id === ctx.actor.userId
      if (!self && ctx.actor.role !== 'admin') {
        throw new NotFound()
      }
      if (!(await users.update(id, {}, { revokeSessions: true }))) {
        throw new NotFound()
      }
      await audit.record(ctx, {
        action: 'auth.logout_everywhere',
        entityType: 'user',
        entityId: id,
        details: { by: self ? 'self' : 'admin' },
      })
    },

    /** The user's own change, required after an admin reset. */
    async changeOwnPassword(ctx: AuditContext & { actor: Principal }, current: string, next: string): Promise<void> {
      const me = await users.byId(ctx.actor.userId)
      const withHash = me ? await users.byEmailWithHash(me.email) : undefined
      if (!withHash || !(await verify(withHash.passwordHash, current))) {
        throw new BadInput('Le mot de passe actuel est incorrect.')
      }
      checkPassword(next)
      if (next === current) {
        throw new BadInput('Choisissez un mot de passe différent de l’actuel.')
      }
      await users.update(withHash.id, { passwordHash: await hash(next), mustChangePassword: false }, { revokeSessions: true })
      await audit.record(ctx, { action: 'user.password_change', entityType: 'user', entityId: withHash.id })
    },
  }
}
export type UserService = ReturnType<typeof createUserService>
