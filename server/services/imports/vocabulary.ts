/**
 * The normalised vocabularies of university data, shared by the import parsers (kinds.ts) and
 * the database enums (db/schema): one list each, so a new value cannot reach one and not the other.
 */
export const IMPORT_KINDS = ['etudiants', 'assiduite', 'resultats', 'activite_ent', 'contacts', 'devenir'] as const

export const PRESENCE_VALUES = ['present', 'absent_unjustified', 'absent_justified', 'late', 'excused'] as const

/** Apogée result codes normalised (domain-fr.md §3.2); the raw code is kept beside it. */
export const RESULT_VALUES = [
  'admitted',
  'failed',
  'absent_unjustified',
  'absent_justified',
  'defaulted',
  'withdrew',
  'pending',
  'other',
] as const

/** What became of a student at the end of a year: the labels models are trained on. */
export const DEVENIR_VALUES = ['reinscrit', 'diplome', 'abandon', 'reorientation'] as const
