/**
 * What staff do with imports: upload a file, map its columns when the headers are not
 * recognised, follow progress, read the error report. The heavy work runs in the worker
 * (`import.process`, see import-processor.ts).
 */
import type { Readable } from 'node:stream'
import type { Db } from '../../../db/client.ts'
import { createImportRepository, type ImportRepository, type ImportRow } from '../../../db/repositories/imports.repository.ts'
import type { Import } from '../../../db/schema/imports.ts'
import { isUniqueViolation } from '../../../db/pg-errors.ts'
import type { OutboxService } from '../outbox.service.ts'
import { BadInput, Conflict, FileTooLarge, Forbidden } from '../../errors.ts'
import { inScope, organisationFilter, type Principal } from '../access.ts'
import type { AuditContext, AuditService } from '../audit.service.ts'
import type { OrganisationRepository } from '../../../db/repositories/organisations.repository.ts'
import { detectEncoding, openCsv } from '../../lib/csv/reader.ts'
import { isImportStructureError } from './errors.ts'
import { resolutionProblems, resolveHeaders, type HeaderResolution } from './headers.ts'
import { detectIdentifierValues } from './identifiers.ts'
import { KINDS, columnsFor, type ImportKind } from './kinds/index.ts'
import type { UploadStore } from '../uploads/upload-store.ts'
import { errorReportCsv } from './validate.ts'

type Deps = {
  db: Db
  imports: ImportRepository
  organisations: OrganisationRepository
  outbox: Pick<OutboxService, 'add' | 'dispatch'>
  audit: AuditService
  uploads: UploadStore
  config: { UPLOAD_MAX_MB: number }
}

export type UploadResult =
  { outcome: 'queued' | 'awaiting_mapping' | 'rejected'; import: Import } | { outcome: 'duplicate'; existing: Import }

/** What the mapping page needs: each expected column, and the file header chosen for it. */
export type MappingView = {
  columns: { key: string; label: string; format: string; required: boolean; selected: string | null }[]
  headers: string[]
}

export function createImportService({ db, imports, organisations, outbox, audit, uploads, config }: Deps) {
  /**
   * Writes an import change and its `import.process` job in one transaction (the outbox), then
   * enqueues the job at once when Redis allows: a Redis failure here delays the import, it never
   * leaves it `queued` without a job.
   */
  async function withProcessJob<T extends Import | undefined>(change: (repo: ImportRepository) => Promise<T>): Promise<T> {
    const { imp, ids } = await db.transaction(async (tx) => {
      const imp = await change(createImportRepository(tx))
      const ids = imp?.status === 'queued' ? [await outbox.add(tx, 'import.process', { importId: imp.id, run: imp.run })] : []
      return { imp, ids }
    })
    await outbox.dispatch(ids)
    return imp
  }

  function identifiersMessage(found: { header: string; reason: string }[]): string {
    return found.map((f) => f.reason).join(' ')
  }

  return {
    async upload(
      ctx: AuditContext & { actor: Principal },
      input: { kind: ImportKind; fileName: string; stream: Readable; truncated: () => boolean },
    ): Promise<UploadResult> {
      const org = await organisations.byId(ctx.actor.organisationId)
      if (org?.kind !== 'university') {
        throw new Forbidden()
      }
      // Received on this machine; put in the store (PostgreSQL or disk) only once accepted.
      const stored = await uploads.save(input.stream)
      const discard = () => stored.discard()
      if (input.truncated()) {
        await discard()
        throw new FileTooLarge(config.UPLOAD_MAX_MB)
      }
      if (stored.size === 0) {
        await discard()
        throw new BadInput('Le fichier est vide.')
      }
      const existing = await imports.sameFile(org.id, stored.sha256)
      if (existing) {
        await discard()
        return { outcome: 'duplicate', existing }
      }
      const encoding = detectEncoding(stored.head, stored.utf8Valid)
      const base = {
        organisationId: org.id,
        kind: input.kind,
        fileName: input.fileName.slice(0, 255),
        // A refused file is never kept: its row points at the spool path, already deleted.
        storedPath: stored.path,
        sizeBytes: stored.size,
        sha256: stored.sha256,
        encoding,
        uploadedBy: ctx.actor.userId,
      }
      const reject = async (code: string, message: string, extra: Partial<Import> = {}) => {
        await discard()
        const imp = await imports.insert({
          ...base,
          ...extra,
          status: 'rejected',
          errorCode: code,
          errorMessage: message,
          finishedAt: new Date(),
        })
        await audit.record(ctx, { action: 'import.rejected', entityType: 'import', entityId: imp.id, details: { kind: input.kind, code } })
        return { outcome: 'rejected' as const, import: imp }
      }

      let headers: string[]
      let sample: string[][]
      let delimiter: string
      try {
        const csv = await openCsv(stored.path, { encoding })
        headers = csv.headers
        sample = csv.sample
        delimiter = csv.delimiter
      } catch (err) {
        if (isImportStructureError(err)) {
          return reject(err.code, err.message)
        }
        await discard()
        throw err
      }
      const def = KINDS[input.kind]
      const resolution = resolveHeaders(input.kind, headers, await imports.savedMapping(org.id, input.kind))
      const identifiers = [
        ...(def.analytics ? resolution.identifiers : []),
        ...detectIdentifierValues(sample, headers, { kind: input.kind, resolution }),
      ]
      if (identifiers.length > 0) {
        // The file is deleted at once: direct identifiers must not stay on the platform.
        return reject('direct_identifiers', identifiersMessage(dedupe(identifiers)), { headers, delimiter })
      }
      if (resolution.duplicates.length > 0) {
        return reject('duplicate_columns', resolutionProblems({ ...resolution, missing: [], identifiers: [] }).join(' '), {
          headers,
          delimiter,
        })
      }
      if (resolution.missing.length > resolution.unknown.length) {
        // Not even enough unrecognised columns left to map: the file lacks required data.
        return reject(
          'missing_columns',
          `Colonnes obligatoires absentes : ${resolution.missing.map((c) => `« ${c.label} »`).join(', ')}. Le fichier est refusé en entier ; rien n’a été chargé. Vérifiez que vous avez choisi le bon type de fichier.`,
          { headers, delimiter },
        )
      }
      const mapping = mappingFromResolution(resolution, headers)
      const status = resolution.missing.length > 0 ? 'awaiting_mapping' : 'queued'
      let storedPath: string
      try {
        storedPath = await stored.keep()
      } catch (err) {
        await discard()
        throw err
      }
      let imp: Import
      try {
        imp = await withProcessJob((repo) =>
          repo.insert({ ...base, storedPath, headers, delimiter, mapping, shape: resolution.shape ?? null, status }),
        )
      } catch (err) {
        // No import points at the kept file: it goes.
        await uploads.remove(storedPath).catch(() => {})
        // The same file uploaded twice at the same moment: the second one is the duplicate.
        const first = isUniqueViolation(err) ? await imports.sameFile(org.id, stored.sha256) : undefined
        if (first) {
          return { outcome: 'duplicate', existing: first }
        }
        throw err
      }
      await audit.record(ctx, {
        action: 'import.upload',
        entityType: 'import',
        entityId: imp.id,
        details: { kind: input.kind, status, sizeBytes: stored.size },
      })
      return { outcome: status, import: imp }
    },

    list: (p: Principal) => imports.list(organisationFilter(p)),

    async get(p: Principal, id: string): Promise<ImportRow> {
      return inScope(p, await imports.byId(id))
    },

    /** The row errors of an import: pseudonymised student data, so every read is audited. */
    async errors(ctx: AuditContext & { actor: Principal }, id: string, limit?: number) {
      inScope(ctx.actor, await imports.byId(id))
      await audit.record(ctx, { action: 'import.errors_read', entityType: 'import', entityId: id })
      return imports.errors(id, limit)
    },

    async errorReport(ctx: AuditContext & { actor: Principal }, id: string): Promise<{ fileName: string; csv: string }> {
      const imp = inScope(ctx.actor, await imports.byId(id))
      await audit.record(ctx, { action: 'import.errors_read', entityType: 'import', entityId: id, details: { format: 'csv' } })
      const rows = await imports.errors(id)
      return { fileName: `rapport-erreurs-${imp.kind}-${imp.createdAt.toISOString().slice(0, 10)}.csv`, csv: errorReportCsv(rows) }
    },

    async mappingView(p: Principal, id: string): Promise<MappingView & { import: ImportRow }> {
      const imp = inScope(p, await imports.byId(id))
      const resolution = resolveHeaders(imp.kind, imp.headers, imp.mapping)
      const def = KINDS[imp.kind]
      const columns = columnsFor(def, resolution.shape ?? undefined).map((c) => {
        const index = resolution.columns[c.key]
        return {
          key: c.key,
          label: c.label,
          format: c.format,
          required: c.required,
          selected: index === undefined ? null : (imp.headers[index] ?? null),
        }
      })
      return { import: imp, columns, headers: imp.headers }
    },

    /** Abandons an import waiting for its column mapping; its file is deleted. */
    async abandon(ctx: AuditContext & { actor: Principal }, id: string): Promise<void> {
      const imp = inScope(ctx.actor, await imports.byId(id))
      if (imp.status !== 'awaiting_mapping') {
        throw new Conflict('Seul un import en attente de correspondance de colonnes peut être abandonné.')
      }
      await uploads.remove(imp.storedPath).catch(() => {})
      await imports.update(imp.id, {
        status: 'rejected',
        errorCode: 'abandoned',
        errorMessage: 'Import abandonné avant le chargement : rien n’a été chargé.',
        finishedAt: new Date(),
      })
      await audit.record(ctx, { action: 'import.abandon', entityType: 'import', entityId: imp.id })
    },

    /** Applies the mapping chosen by staff, saves it for the next file of this kind, and queues the import. */
    async setMapping(ctx: AuditContext & { actor: Principal }, id: string, chosen: Record<string, string>): Promise<Import> {
      const imp = inScope(ctx.actor, await imports.byId(id))
      if (imp.status !== 'awaiting_mapping') {
        throw new Conflict('Cet import n’attend plus de correspondance de colonnes.')
      }
      const mapping: Record<string, string> = {}
      for (const [key, header] of Object.entries(chosen)) {
        if (header === '') {
          continue
        }
        if (!imp.headers.includes(header)) {
          throw new BadInput(`La colonne « ${header} » n’existe pas dans le fichier.`)
        }
        mapping[key] = header
      }
      // Before resolving: resolution keeps one of two fields mapped to the same column and
      // would report the other one as missing, which is not what the person did.
      const fieldsOf = new Map<string, string[]>()
      for (const [key, header] of Object.entries(mapping)) {
        fieldsOf.set(header, [...(fieldsOf.get(header) ?? []), key])
      }
      const shared = [...fieldsOf].find(([, keys]) => keys.length > 1)
      if (shared) {
        const [header, keys] = shared
        const labels = keys.map((k) => `« ${columnLabel(imp.kind, k)} »`)
        throw new BadInput(
          `La colonne « ${header} » du fichier est associée à ${keys.length} champs : ${labels.join(' et ')}. Une colonne ne peut remplir qu’un seul champ : choisissez une autre colonne pour l’un d’eux.`,
        )
      }
      const resolution = resolveHeaders(imp.kind, imp.headers, mapping)
      if (resolution.missing.length > 0) {
        throw new BadInput(`Indiquez la colonne du fichier pour : ${resolution.missing.map((c) => `« ${c.label} »`).join(', ')}.`)
      }
      const finalMapping = mappingFromResolution(resolution, imp.headers)
      await imports.saveMapping(imp.organisationId, imp.kind, mapping, ctx.actor.userId)
      const updated = await withProcessJob((repo) => repo.queueMapped(imp.id, { mapping: finalMapping, shape: resolution.shape ?? null }))
      if (!updated) {
        throw new Conflict('Cet import n’attend plus de correspondance de colonnes.')
      }
      await audit.record(ctx, { action: 'import.mapping', entityType: 'import', entityId: imp.id, details: { kind: imp.kind } })
      return updated
    },

    /**
     * Staff retry of a failed import, with the file it kept: a new run, counters and report
     * cleared. Refused when the file is gone or was uploaded again since (that import is the live one).
     */
    async retry(ctx: AuditContext & { actor: Principal }, id: string): Promise<Import> {
      const imp = inScope(ctx.actor, await imports.byId(id))
      if (imp.status !== 'failed') {
        throw new Conflict('Seul un import échoué peut être relancé.')
      }
      if (!(await uploads.exists(imp.storedPath))) {
        throw new Conflict('Le fichier de cet import n’est plus disponible sur la plateforme : déposez-le à nouveau.')
      }
      let updated: Import | undefined
      try {
        updated = await withProcessJob((repo) => repo.retry(imp.id))
      } catch (err) {
        if (isUniqueViolation(err)) {
          throw new Conflict('Ce fichier a été déposé à nouveau depuis cet échec : suivez le nouvel import, dans la liste des imports.')
        }
        throw err
      }
      if (!updated) {
        throw new Conflict('Seul un import échoué peut être relancé.')
      }
      await audit.record(ctx, { action: 'import.retry', entityType: 'import', entityId: imp.id, details: { run: updated.run } })
      return updated
    },
  }
}

/** The French label of a column key of a kind (any attendance shape), or the key itself. */
function columnLabel(kind: ImportKind, key: string): string {
  const def = KINDS[kind]
  const all = [...def.columns, ...Object.values(def.shapes ?? {}).flatMap((s) => s.columns)]
  return all.find((c) => c.key === key)?.label ?? key
}

/** Column key → header text, from a header resolution (what the worker will use). */
function mappingFromResolution(resolution: HeaderResolution, headers: string[]): Record<string, string> {
  const mapping: Record<string, string> = {}
  for (const [key, index] of Object.entries(resolution.columns)) {
    const header = headers[index]
    if (header !== undefined) {
      mapping[key] = header
    }
  }
  return mapping
}

function dedupe(list: { header: string; reason: string }[]) {
  const seen = new Set<string>()
  return list.filter((i) => (seen.has(i.header) ? false : (seen.add(i.header), true)))
}

export type ImportService = ReturnType<typeof createImportService>
