/**
 * The normalised vocabularies of university data (docs/imports.md), with the raw codes of student
 * information systems that map to them. The database enums (db/schema) and the import parsers
 * both read these lists, so a value cannot reach one and not the other.
 */
export const PRESENCE_VALUES = ['present', 'absent_unjustified', 'absent_justified', 'late', 'excused'] as const
export type Presence = (typeof PRESENCE_VALUES)[number]

/** Apogée result codes normalised (docs/imports.md); the raw code is kept beside it. */
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
export type ResultOutcome = (typeof RESULT_VALUES)[number]

/** What became of a student at the end of a year: the labels models are trained on. */
export const DEVENIR_VALUES = ['reinscrit', 'diplome', 'abandon', 'reorientation'] as const
export type Devenir = (typeof DEVENIR_VALUES)[number]

/** Attendance codes → normalised status. `ABS`/`absent` alone become justified when `justif` is O. */
export const PRESENCE_CODES: Record<string, Presence> = {
  P: 'present',
  PRE: 'present',
  PRES: 'present',
  PRESENT: 'present',
  PRESENTE: 'present',
  ABI: 'absent_unjustified',
  'absence injustifiée': 'absent_unjustified',
  'absent injustifié': 'absent_unjustified',
  ABS: 'absent_unjustified',
  A: 'absent_unjustified',
  ABSENT: 'absent_unjustified',
  ABSENTE: 'absent_unjustified',
  ABJ: 'absent_justified',
  'absence justifiée': 'absent_justified',
  'absent justifié': 'absent_justified',
  RET: 'late',
  RETARD: 'late',
  'en retard': 'late',
  LATE: 'late',
  EXC: 'excused',
  DIS: 'excused',
  DISPENSE: 'excused',
  EXCUSE: 'excused',
  EXCUSED: 'excused',
}
export const GENERIC_ABSENCE = new Set(['A', 'ABS', 'ABSENT', 'ABSENTE'])

/** Apogée result codes (docs/imports.md) → normalised result. */
export const RESULT_CODES: Record<string, ResultOutcome> = {
  ADM: 'admitted',
  ADC: 'admitted',
  ADMC: 'admitted',
  ACP: 'admitted',
  ADJ: 'admitted',
  ADMJ: 'admitted',
  VAL: 'admitted',
  AJ: 'failed',
  AJRE: 'failed',
  AJSE: 'failed',
  AJAC: 'failed',
  NVAL: 'failed',
  ABI: 'absent_unjustified',
  ABJ: 'absent_justified',
  DEF: 'defaulted',
  DEM: 'withdrew',
  ABAN: 'withdrew',
  ATT: 'pending',
  ATJ: 'pending',
  EXC: 'other',
  RED: 'other',
  REO: 'other',
  ABL: 'other',
  DIS: 'other',
  ACQ: 'other',
  NACQ: 'other',
}

export const DEVENIR_CODES: Record<string, Devenir> = {
  reinscrit: 'reinscrit',
  réinscrit: 'reinscrit',
  réinscrite: 'reinscrit',
  réinscription: 'reinscrit',
  're-inscrit': 'reinscrit',
  redoublement: 'reinscrit',
  redoublant: 'reinscrit',
  redouble: 'reinscrit',
  're-enrolled': 'reinscrit',
  reenrolled: 'reinscrit',
  diplome: 'diplome',
  diplômé: 'diplome',
  diplômée: 'diplome',
  'diplôme obtenu': 'diplome',
  graduated: 'diplome',
  abandon: 'abandon',
  décrochage: 'abandon',
  décroché: 'abandon',
  décrochée: 'abandon',
  décrocheur: 'abandon',
  'sortie sans diplôme': 'abandon',
  démission: 'abandon',
  démissionnaire: 'abandon',
  'dropped out': 'abandon',
  dropout: 'abandon',
  reorientation: 'reorientation',
  réorientation: 'reorientation',
  réorienté: 'reorientation',
  réorientée: 'reorientation',
  'changement de formation': 'reorientation',
  reoriented: 'reorientation',
}
