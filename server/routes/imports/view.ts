import type { ImportRow } from '../../../db/repositories/imports.repository.ts'
import { KINDS } from '../../services/imports/kinds/index.ts'

export const STATUS_LABELS: Record<string, string> = {
  awaiting_mapping: 'colonnes à associer',
  queued: 'en attente',
  processing: 'en cours',
  succeeded: 'terminé',
  failed: 'échoué',
  rejected: 'refusé',
}

const ENCODING_LABELS: Record<string, string> = { 'utf-8': 'UTF-8', 'utf-8-bom': 'UTF-8 avec BOM', 'windows-1252': 'Windows-1252' }
const DELIMITER_LABELS: Record<string, string> = { ';': 'point-virgule', '\t': 'tabulation', ',': 'virgule' }

export function toImportView(i: ImportRow) {
  return {
    id: i.id,
    kind: i.kind,
    kindLabel: KINDS[i.kind].label,
    shape: i.shape,
    status: i.status,
    statusLabel: i.errorCode === 'abandoned' ? 'abandonné' : (STATUS_LABELS[i.status] ?? i.status),
    fileName: i.fileName,
    sizeBytes: i.sizeBytes,
    encoding: i.encoding,
    encodingLabel: ENCODING_LABELS[i.encoding] ?? i.encoding,
    delimiter: i.delimiter,
    delimiterLabel: i.delimiter ? (DELIMITER_LABELS[i.delimiter] ?? i.delimiter) : null,
    academicYear: i.academicYear,
    rowsRead: i.rowsRead,
    rowsValid: i.rowsValid,
    rowsInvalid: i.rowsInvalid,
    rowsLoaded: i.rowsLoaded,
    rowsChanged: i.rowsChanged,
    studentsCreated: i.studentsCreated,
    errorCode: i.errorCode,
    errorMessage: i.errorMessage,
    uploaderName: i.uploaderName,
    createdAt: i.createdAt.toISOString(),
    startedAt: i.startedAt ? i.startedAt.toISOString() : null,
    finishedAt: i.finishedAt ? i.finishedAt.toISOString() : null,
    links: {
      self: `/api/v1/imports/${i.id}`,
      page: `/imports/${i.id}`,
      errorReport: `/api/v1/imports/${i.id}/errors.csv`,
      mapping: `/imports/${i.id}/correspondance`,
    },
  }
}
