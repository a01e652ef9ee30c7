import { and, desc, eq, inArray, sql } from 'drizzle-orm'
import type { DbOrTx } from '../client.ts'
import { importErrors } from '../schema/import-errors.ts'
import { importMappings } from '../schema/import-mappings.ts'
import { imports, type Import } from '../schema/imports.ts'
import { users } from '../schema/users.ts'
import type { ImportKind } from '../vocabulary/index.ts'

export type ImportRow = Import & { uploaderName: string | null }

export function createImportRepository(db: DbOrTx) {
  const withUploader = () =>
    db.select({ i: imports, uploaderName: users.fullName }).from(imports).leftJoin(users, eq(users.id, imports.uploadedBy))
  return {
    async insert(values: typeof imports.$inferInsert): Promise<Import> {
      const [row] = await db.insert(imports).values(values).returning()
      return row as Import
    },
    async byId(id: string): Promise<ImportRow | undefined> {
      const [row] = await withUploader().where(eq(imports.id, id))
      return row ? { ...row.i, uploaderName: row.uploaderName } : undefined
    },
    /** The live import of the same file, if any (a failed or rejected one does not count). */
    async sameFile(organisationId: string, sha256: string): Promise<Import | undefined> {
      const [row] = await db
        .select()
        .from(imports)
        .where(
          and(
            eq(imports.organisationId, organisationId),
            eq(imports.sha256, sha256),
            inArray(imports.status, ['awaiting_mapping', 'queued', 'processing', 'succeeded']),
          ),
        )
      return row
    },
    async list(organisationId: string | null, limit = 100): Promise<ImportRow[]> {
      const rows = await withUploader()
        .where(organisationId ? eq(imports.organisationId, organisationId) : undefined)
        .orderBy(desc(imports.createdAt))
        .limit(limit)
      return rows.map((r) => ({ ...r.i, uploaderName: r.uploaderName }))
    },
    async update(id: string, patch: Partial<typeof imports.$inferInsert>): Promise<void> {
      await db.update(imports).set(patch).where(eq(imports.id, id))
    },
    /** Claims an import for processing; a retry after a crash finds it already `processing`. */
    async claim(id: string): Promise<Import | undefined> {
      const [row] = await db
        .update(imports)
        .set({
          status: 'processing',
          attempts: sql`${imports.attempts} + 1`,
          startedAt: sql`coalesce(${imports.startedAt}, now())`,
          rowsRead: 0,
        })
        .where(and(eq(imports.id, id), inArray(imports.status, ['queued', 'processing'])))
        .returning()
      return row
    },
    async errors(importId: string, limit?: number) {
      const q = db
        .select({ line: importErrors.line, column: importErrors.column, value: importErrors.value, reason: importErrors.reason })
        .from(importErrors)
        .where(eq(importErrors.importId, importId))
        .orderBy(importErrors.line, importErrors.id)
      return limit ? q.limit(limit) : q
    },
    async savedMapping(organisationId: string, kind: ImportKind): Promise<Record<string, string> | undefined> {
      const [row] = await db
        .select({ mapping: importMappings.mapping })
        .from(importMappings)
        .where(and(eq(importMappings.organisationId, organisationId), eq(importMappings.kind, kind)))
      return row?.mapping
    },
    async saveMapping(organisationId: string, kind: ImportKind, mapping: Record<string, string>, userId: string): Promise<void> {
      await db
        .insert(importMappings)
        .values({ organisationId, kind, mapping, updatedBy: userId })
        .onConflictDoUpdate({ target: [importMappings.organisationId, importMappings.kind], set: { mapping, updatedBy: userId } })
    },
  }
}
export type ImportRepository = ReturnType<typeof createImportRepository>
