import { asc, eq, sql } from 'drizzle-orm'
import type { DbOrTx } from '../client.ts'
import { organisations } from '../schema/organisations.ts'
import { users, type User, type UserRole } from '../schema/users.ts'

export type UserWithOrganisation = Omit<User, 'passwordHash'> & { organisationName: string; organisationKind: string }

const publicColumns = {
  id: users.id,
  email: users.email,
  fullName: users.fullName,
  role: users.role,
  organisationId: users.organisationId,
  active: users.active,
  tokenVersion: users.tokenVersion,
  mustChangePassword: users.mustChangePassword,
  lastLoginAt: users.lastLoginAt,
  createdAt: users.createdAt,
  updatedAt: users.updatedAt,
  organisationName: organisations.shortName,
  organisationKind: organisations.kind,
}

export function createUserRepository(db: DbOrTx) {
  return {
    async byEmailWithHash(email: string): Promise<User | undefined> {
      const [row] = await db.select().from(users).where(eq(users.email, email.trim().toLowerCase()))
      return row
    },
    async byId(id: string): Promise<UserWithOrganisation | undefined> {
      const [row] = await db
        .select(publicColumns)
        .from(users)
        .innerJoin(organisations, eq(organisations.id, users.organisationId))
        .where(eq(users.id, id))
      return row
    },
    /** `organisationId` null lists every organisation (admins). */
    list(organisationId: string | null): Promise<UserWithOrganisation[]> {
      return db
        .select(publicColumns)
        .from(users)
        .innerJoin(organisations, eq(organisations.id, users.organisationId))
        .where(organisationId ? eq(users.organisationId, organisationId) : undefined)
        .orderBy(asc(organisations.shortName), asc(users.fullName))
    },
    async insert(values: {
      email: string
      fullName: string
      passwordHash: string
      role: UserRole
      organisationId: string
      mustChangePassword?: boolean
    }) {
      const [row] = await db
        .insert(users)
        .values({ ...values, email: values.email.trim().toLowerCase() })
        .onConflictDoNothing({ target: users.email })
        .returning({ id: users.id })
      return row
    },
    async update(
      id: string,
      patch: Partial<Pick<User, 'fullName' | 'role' | 'organisationId' | 'active' | 'passwordHash' | 'mustChangePassword'>>,
      opts: { revokeSessions: boolean },
    ): Promise<boolean> {
      const rows = await db
        .update(users)
        .set({ ...patch, ...(opts.revokeSessions ? { tokenVersion: sql`${users.tokenVersion} + 1` } : {}) })
        .where(eq(users.id, id))
        .returning({ id: users.id })
      return rows.length === 1
    },
    async touchLogin(id: string): Promise<void> {
      await db.update(users).set({ lastLoginAt: new Date() }).where(eq(users.id, id))
    },
  }
}
export type UserRepository = ReturnType<typeof createUserRepository>
