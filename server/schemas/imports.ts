import Type from 'typebox'
import { IMPORT_KINDS } from '../../db/vocabulary/index.ts'
import { importStatus } from '../../db/schema/imports.ts'

export const ImportKindSchema = Type.Enum(IMPORT_KINDS, {
  description: 'etudiants (enrolment), assiduite (attendance), resultats, activite_ent, contacts, devenir (outcomes)',
})

export const ImportStatusSchema = Type.Enum(importStatus.enumValues)

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()])

export const ImportView = Type.Object({
  id: Type.String({ format: 'uuid' }),
  kind: ImportKindSchema,
  kindLabel: Type.String({ description: 'French' }),
  shape: Nullable(Type.String({ description: 'assiduite only: session or week' })),
  status: ImportStatusSchema,
  statusLabel: Type.String({ description: 'French' }),
  fileName: Type.String(),
  sizeBytes: Type.Integer(),
  encoding: Type.String(),
  delimiter: Nullable(Type.String()),
  academicYear: Nullable(Type.String()),
  rowsRead: Type.Integer(),
  rowsValid: Type.Integer(),
  rowsInvalid: Type.Integer(),
  rowsLoaded: Type.Integer(),
  rowsChanged: Type.Integer(),
  studentsCreated: Type.Integer(),
  errorCode: Nullable(Type.String()),
  errorMessage: Nullable(Type.String({ description: 'French' })),
  uploaderName: Nullable(Type.String()),
  createdAt: Type.String({ format: 'date-time' }),
  startedAt: Nullable(Type.String({ format: 'date-time' })),
  finishedAt: Nullable(Type.String({ format: 'date-time' })),
  links: Type.Object({ self: Type.String(), page: Type.String(), errorReport: Type.String(), mapping: Type.String() }),
})

export const ImportErrorView = Type.Object({
  line: Type.Integer(),
  column: Type.String(),
  value: Type.String(),
  reason: Type.String(),
})

export const UploadQuery = Type.Object({ kind: Type.Optional(ImportKindSchema) })

export const MappingBody = Type.Object({
  mapping: Type.Record(Type.String({ maxLength: 100 }), Type.String({ maxLength: 500 }), {
    description: 'column key → header text as it appears in the file; "" leaves a column unmapped',
  }),
})

export const DuplicateBody = Type.Object({
  statusCode: Type.Literal(409),
  code: Type.Literal('APP_IMPORT_DUPLICATE'),
  message: Type.String(),
  reqId: Type.String(),
  existingImportId: Type.String({ format: 'uuid' }),
  existingImportUrl: Type.String(),
})

export const RejectedBody = Type.Object({
  statusCode: Type.Literal(422),
  code: Type.String(),
  message: Type.String(),
  reqId: Type.String(),
  importId: Type.String({ format: 'uuid' }),
})
