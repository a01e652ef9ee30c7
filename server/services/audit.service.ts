import type { AuditRepository } from '../../db/repositories/audit.repository.ts'
import type { Logger } from '../lib/logger.ts'
import type { Principal } from './access.ts'

/**
 * Who did it and from where; built by the HTTP layer or by a worker. `studentLinkId`: a student
 * acting through a personal link (no account), recorded by the link's id, never its code.
 */
export type AuditContext = { actor?: Principal | null; studentLinkId?: string; requestId?: string; ip?: string }

export type AuditEvent = {
  action: string
  entityType?: string
  entityId?: string
  details?: Record<string, unknown>
}

export function createAuditService({ audit, log }: { audit: AuditRepository; log: Logger }) {
  return {
    async record(ctx: AuditContext, event: AuditEvent): Promise<void> {
      await audit.insert({
        action: event.action,
        entityType: event.entityType ?? null,
        entityId: event.entityId ?? null,
        details: event.details ?? {},
        actorUserId: ctx.actor?.userId ?? null,
        actorOrganisationId: ctx.actor?.organisationId ?? null,
        actorKind: ctx.studentLinkId && !ctx.actor ? 'student_link' : 'staff',
        actorLinkId: ctx.studentLinkId ?? null,
        requestId: ctx.requestId ?? null,
        ip: ctx.ip ?? null,
      })
      log.debug({ action: event.action, entityType: event.entityType, entityId: event.entityId }, 'audit')
    },
    list: (opts: Parameters<AuditRepository['list']>[0]) => audit.list(opts),
  }
}
export type AuditService = ReturnType<typeof createAuditService>
