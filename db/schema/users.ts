import { sql } from 'drizzle-orm'
import { boolean, check, index, integer, pgEnum, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core'
import { id, timestamps } from './columns.ts'
import { organisations } from './organisations.ts'
import { USER_ROLES, type UserRole } from '../vocabulary/index.ts'

export const userRole = pgEnum('user_role', USER_ROLES)

export const users = pgTable(
  'users',
  {
    id: id(),
    /** Stored lower-cased; the unique index is on the stored value. */
    email: text('email').notNull(),
    fullName: text('full_name').notNull(),
    passwordHash: text('password_hash').notNull(),
    role: userRole('role').notNull(),
    organisationId: uuid('organisation_id')
      .notNull()
      .references(() => organisations.id, { onDelete: 'restrict' }),
    active: boolean('active').notNull().default(true),
    /** Bumped on password reset, role change or deactivation: every session issued before is refused. */
    tokenVersion: integer('token_version').notNull().default(0),
    /** Set by an admin reset: the user must choose a new password at next login. */
    mustChangePassword: boolean('must_change_password').notNull().default(false),
    lastLoginAt: timestamp('last_login_at', { withTimezone: true }),
    ...timestamps,
  },
  (t) => [
    uniqueIndex('users_email_key').on(t.email),
    index('users_organisation_idx').on(t.organisationId),
    // Defence in depth for the lower-case invariant the service keeps.
    check('users_email_lower', sql`${t.email} = lower(${t.email})`),
  ],
)

export type User = typeof users.$inferSelect
export type { UserRole }
export { USER_ROLES }
