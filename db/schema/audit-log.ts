import { bigserial, index, jsonb, pgEnum, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core'
import { AUDIT_ACTOR_KINDS } from '../vocabulary/index.ts'
import { organisations } from './organisations.ts'
import { users } from './users.ts'

/** `student_link`: a student acting through a personal link, recorded by `actor_link_id` (never the code). */
export const auditActorKind = pgEnum('audit_actor_kind', AUDIT_ACTOR_KINDS)

/**
 * Append-only record of logins, failed logins, reads of personal data and every change.
 * `details` never holds secrets or personal data beyond ids; a failed login keeps the
 * attempted e-mail only as it is the security signal admins look for.
 */
export const auditLog = pgTable(
  'audit_log',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    at: timestamp('at', { withTimezone: true }).notNull().defaultNow(),
    actorUserId: uuid('actor_user_id').references(() => users.id, { onDelete: 'set null' }),
    actorOrganisationId: uuid('actor_organisation_id').references(() => organisations.id, { onDelete: 'set null' }),
    actorKind: auditActorKind('actor_kind').notNull().default('staff'),
    /** No foreign key: the entry outlives the link. */
    actorLinkId: uuid('actor_link_id'),
    action: text('action').notNull(),
    entityType: text('entity_type'),
    entityId: text('entity_id'),
    requestId: text('request_id'),
    ip: text('ip'),
    details: jsonb('details').$type<Record<string, unknown>>().notNull().default({}),
  },
  (t) => [index('audit_log_at_idx').on(t.at), index('audit_log_actor_idx').on(t.actorUserId), index('audit_log_action_idx').on(t.action)],
)

export type AuditEntry = typeof auditLog.$inferSelect
