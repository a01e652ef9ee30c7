/** What university imports are and the states they go through. */
export const IMPORT_KINDS = ['etudiants', 'assiduite', 'resultats', 'activite_ent', 'contacts', 'devenir'] as const
export type ImportKind = (typeof IMPORT_KINDS)[number]

export const IMPORT_STATUSES = ['awaiting_mapping', 'queued', 'processing', 'succeeded', 'failed', 'rejected'] as const
export type ImportStatus = (typeof IMPORT_STATUSES)[number]

/** Attendance comes either one row per student and session, or one row per student and week. */
export const ATTENDANCE_SHAPES = ['session', 'week'] as const
export type AttendanceShape = (typeof ATTENDANCE_SHAPES)[number]
