import { desc, eq, lt, and, type SQL } from 'drizzle-orm'
import type { DbOrTx } from '../client.ts'
import { auditLog } from '../schema/audit-log.ts'

export type AuditInput = typeof auditLog.$inferInsert

export function createAuditRepository(db: DbOrTx) {
  return {
    async insert(entry: AuditInput): Promise<void> {
      await db.insert(auditLog).values(entry)
    },
    /** Newest first, keyset-paginated by id. */
    async list(opts: { limit: number; beforeId?: number; action?: string }) {
      const where: SQL[] = []
      if (opts.beforeId) {
        where.push(lt(auditLog.id, opts.beforeId))
      }
      if (opts.action) {
        where.push(eq(auditLog.action, opts.action))
      }
      return db
        .select()
        .from(auditLog)
        .where(where.length ? and(...where) : undefined)
        .orderBy(desc(auditLog.id))
        .limit(opts.limit)
    },
  }
}
export type AuditRepository = ReturnType<typeof createAuditRepository>
