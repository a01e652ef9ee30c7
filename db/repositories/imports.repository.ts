import { and, asc, desc, eq, inArray, lt, sql } from 'drizzle-orm'
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
    /**
     * Claims an import for run `run`; a retry of the same job after a crash finds it already
     * `processing`. A job of an earlier run (before a retry or a takeover) claims nothing.
     */
    async claim(id: string, run: number): Promise<Import | undefined> {
      const [row] = await db
        .update(imports)
        .set({
          status: 'processing',
          attempts: sql`${imports.attempts} + 1`,
          startedAt: sql`coalesce(${imports.startedAt}, now())`,
          rowsRead: 0,
        })
        .where(and(eq(imports.id, id), eq(imports.run, run), inArray(imports.status, ['queued', 'processing'])))
        .returning()
      return row
    },
    /** The run's current value, read under the row lock the caller's transaction already holds. */
    async currentRun(id: string): Promise<number | undefined> {
      const [row] = await db.select({ run: imports.run }).from(imports).where(eq(imports.id, id))
      return row?.run
    },
    /**
     * Fails an import of run `run`, only while it is `processing`: a committed import (succeeded)
     * or one another run took over is never relabelled. Returns false when nothing changed.
     */
    async failProcessing(
      id: string,
      run: number,
      patch: { errorCode: string; errorMessage: string } & Partial<typeof imports.$inferInsert>,
    ): Promise<boolean> {
      const rows = await db
        .update(imports)
        .set({ ...patch, status: 'failed', finishedAt: sql`now()` })
        .where(and(eq(imports.id, id), eq(imports.run, run), eq(imports.status, 'processing')))
        .returning({ id: imports.id })
      return rows.length > 0
    },
    /**
     * Starts a new run of an import left `queued` or `processing` without a live job (the
     * reconciler's takeover). Guarded by status and run: a concurrent change wins.
     */
    async requeue(id: string, from: 'queued' | 'processing', run: number): Promise<number | undefined> {
      const [row] = await db
        .update(imports)
        .set({ status: 'queued', run: sql`${imports.run} + 1` })
        .where(and(eq(imports.id, id), eq(imports.run, run), eq(imports.status, from)))
        .returning({ run: imports.run })
      return row?.run
    },
    /** Queues an import once its columns are mapped; only from `awaiting_mapping`. */
    async queueMapped(id: string, patch: Pick<typeof imports.$inferInsert, 'mapping' | 'shape'>): Promise<Import | undefined> {
      const [row] = await db
        .update(imports)
        .set({ ...patch, status: 'queued' })
        .where(and(eq(imports.id, id), eq(imports.status, 'awaiting_mapping')))
        .returning()
      return row
    },
    /** Staff retry of a failed import: a fresh run, counters and report cleared. */
    async retry(id: string): Promise<Import | undefined> {
      await db.delete(importErrors).where(eq(importErrors.importId, id))
      const [row] = await db
        .update(imports)
        .set({
          status: 'queued',
          run: sql`${imports.run} + 1`,
          attempts: 0,
          errorCode: null,
          errorMessage: null,
          rowsRead: 0,
          rowsValid: 0,
          rowsInvalid: 0,
          rowsLoaded: 0,
          rowsChanged: 0,
          studentsCreated: 0,
          startedAt: null,
          finishedAt: null,
        })
        .where(and(eq(imports.id, id), eq(imports.status, 'failed')))
        .returning()
      return row
    },
    /** Imports still `queued` or `processing` and untouched since `before` (partial index imports_unfinished_idx). */
    async unfinished(before: Date, limit = 100): Promise<Pick<Import, 'id' | 'status' | 'run' | 'attempts'>[]> {
      return db
        .select({ id: imports.id, status: imports.status, run: imports.run, attempts: imports.attempts })
        .from(imports)
        .where(and(inArray(imports.status, ['queued', 'processing']), lt(imports.updatedAt, before)))
        .orderBy(asc(imports.updatedAt))
        .limit(limit)
    },
    /**
     * Claims the e-mail about the end of run `run`, before sending it: a second `import.notify`
     * for the same run sends nothing. Only for a finished import.
     */
    async claimNotification(id: string, run: number): Promise<boolean> {
      const rows = await db
        .update(imports)
        .set({ notifiedRun: run })
        .where(
          and(
            eq(imports.id, id),
            eq(imports.run, run),
            inArray(imports.status, ['succeeded', 'failed']),
            sql`${imports.notifiedRun} IS DISTINCT FROM ${run}`,
          ),
        )
        .returning({ id: imports.id })
      return rows.length > 0
    },
    /** Gives the claim back when the e-mail could not be sent, so the job's retry sends it. */
    async releaseNotification(id: string, run: number): Promise<void> {
      await db
        .update(imports)
        .set({ notifiedRun: null })
        .where(and(eq(imports.id, id), eq(imports.notifiedRun, run)))
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
