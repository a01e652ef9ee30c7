/**
 * The kinds of university imports and their columns: what each file must contain, how its headers
 * may be spelt and how each cell is parsed. This is the single source for the validator, the
 * column-mapping screen (labels, formats, examples), the example files and docs/imports.md.
 *
 * Codes follow Apogée's vocabulary (domain-fr.md §3.2): raw codes are kept next to a normalised value.
 */
import {
  MISSING_RESULT,
  NULL_RESULT,
  academicYearOf,
  birthYearParser,
  booleanOf,
  codeParser,
  decimalOf,
  decimalParser,
  fail,
  integerParser,
  lookupParser,
  parseAcademicYear,
  parseBoolean,
  parseDate,
  parseEmail,
  parsePhone,
  parsePseudoId,
  parseTime,
  parseWeek,
  stripAccents,
  textParser,
  trimCell,
  type CellValue,
  type ParseResult,
  type Parser,
} from './values.ts'

import { DEVENIR_VALUES, IMPORT_KINDS, PRESENCE_VALUES, RESULT_VALUES } from './vocabulary.ts'
export { DEVENIR_VALUES, IMPORT_KINDS, PRESENCE_VALUES, RESULT_VALUES }
export type { CellValue, ParseResult } from './values.ts'

export type ImportKind = (typeof IMPORT_KINDS)[number]

/** Attendance comes either one row per student and session, or one row per student and week. */
export type AttendanceShape = 'session' | 'week'

export type ColumnType =
  | 'text'
  | 'code'
  | 'integer'
  | 'decimal'
  | 'date'
  | 'time'
  | 'boolean'
  | 'enum'
  | 'pseudo_id'
  | 'academic_year'
  | 'year'
  | 'week'
  | 'insee_code'
  | 'postcode'
  | 'email'
  | 'phone'

export interface ColumnDef {
  /** snake_case, the database-facing name. */
  key: string
  /** French, shown to staff. */
  label: string
  /** Accepted header spellings, French first (the first one is the canonical header of the example files). */
  aliases: string[]
  required: boolean
  type: ColumnType
  /** Parses one cell (raw, untrimmed). Empty optional → `{ ok: true, value: null }`. */
  parse: (raw: string) => ParseResult
  /** French description of the expected format, for the mapping screen and the docs. */
  format: string
  /** A valid example value, as it would appear in a file. */
  example: string
  /** For enums: the normalised values the column can take. */
  values?: readonly string[]
  /**
   * When set, the row output also carries the raw code (trimmed, upper case) under this key,
   * next to the normalised value (e.g. `statut_presence_raw: 'ABI'`, `statut_presence: 'absent_unjustified'`).
   */
  rawKey?: string
}

export type RowValues = Record<string, CellValue>

/**
 * A cross-field rule, run after every cell of the row parsed. It may fill derived values (e.g. the
 * academic year from a session date) and returns a French error on the given column, or null.
 */
export type RowRule = (values: RowValues) => { key: string; reason: string } | null

export interface ShapeDef {
  shape: AttendanceShape
  label: string
  description: string
  columns: ColumnDef[]
  naturalKey: string[]
  rules: RowRule[]
}

export interface KindDef {
  kind: ImportKind
  /** French. */
  label: string
  /** French, one sentence. */
  description: string
  /** False only for `contacts`: analytics files must not hold direct identifiers. */
  analytics: boolean
  /**
   * The columns of the file. For a kind with shapes (assiduite) this is every column of every shape,
   * with the `session` shape's flags; validation uses the detected shape's own list (`shapes[shape]`).
   */
  columns: ColumnDef[]
  shapes?: Readonly<Record<AttendanceShape, ShapeDef>>
  /** Column keys that identify a row; a later import of the same key replaces the row. */
  naturalKey: string[]
  rules: RowRule[]
}

// ---------------------------------------------------------------------------------------------
// Column builders
// ---------------------------------------------------------------------------------------------

type ColumnSpec = Omit<ColumnDef, 'parse' | 'required'> & { required?: boolean; parser: Parser }

function column(spec: ColumnSpec): ColumnDef {
  const { parser, required = false, ...rest } = spec
  const parse = required
    ? (raw: string): ParseResult => {
        const s = trimCell(raw)
        return s === '' ? MISSING_RESULT : parser(s)
      }
    : (raw: string): ParseResult => {
        const s = trimCell(raw)
        return s === '' ? NULL_RESULT : parser(s)
      }
  return { ...rest, required, parse }
}

function idPseudo(): ColumnDef {
  return column({
    key: 'id_pseudo',
    label: 'Identifiant pseudonymisé',
    aliases: [
      'Identifiant pseudonymisé',
      'id_pseudo',
      'pseudo_id',
      'identifiant pseudonyme',
      'id pseudonymisé',
      'pseudonyme',
      'pseudonym',
      'pseudonymised id',
      'pseudonymized id',
      'pseudo',
    ],
    required: true,
    type: 'pseudo_id',
    parser: parsePseudoId,
    format: 'au moins 16 caractères (lettres, chiffres, - et _) produits par scripts/pseudonymise.ts',
    example: 'k3Xb9QeT1mZp0aLr7sVw2u',
  })
}

function anneeUniv(required: boolean): ColumnDef {
  return column({
    key: 'annee_univ',
    label: 'Année universitaire',
    aliases: ['Année universitaire', 'annee_univ', 'année univ', 'année', 'cod_anu', 'année académique', 'academic year', 'year'],
    required,
    type: 'academic_year',
    parser: parseAcademicYear,
    format: 'aaaa/aaaa ou aaaa-aaaa (ex. 2024/2025) ; aaaa seul = année débutant en septembre',
    example: '2024/2025',
  })
}

function codeElp(required: boolean): ColumnDef {
  return column({
    key: 'code_elp',
    label: 'Code élément pédagogique',
    aliases: [
      'Code ELP',
      'code_elp',
      'cod_elp',
      'élément pédagogique',
      'code élément pédagogique',
      'code élément',
      'code UE',
      'code matière',
      'code enseignement',
      'course unit',
      'course code',
      'elp',
    ],
    required,
    type: 'code',
    parser: codeParser(),
    format: 'code Apogée de l’élément pédagogique (ex. 7DRT101)',
    example: '7DRT101',
  })
}

const weekColumn = column({
  key: 'semaine',
  label: 'Semaine (lundi)',
  aliases: ['Semaine', 'lundi de la semaine', 'début de semaine', 'date semaine', 'semaine iso', 'week', 'week start', 'week of'],
  required: true,
  type: 'week',
  parser: parseWeek,
  format: 'date du lundi (jj/mm/aaaa) ou semaine ISO (2024-W41) ; une autre date est ramenée au lundi de sa semaine',
  example: '07/10/2024',
})

function booleanColumn(spec: Omit<ColumnSpec, 'parser' | 'type' | 'format'> & { format?: string }): ColumnDef {
  return column({ ...spec, type: 'boolean', parser: parseBoolean, format: spec.format ?? 'O ou N (oui/non, 1/0)' })
}

function countColumn(spec: Omit<ColumnSpec, 'parser' | 'type' | 'format'> & { format?: string }): ColumnDef {
  return column({ ...spec, type: 'integer', parser: integerParser({ min: 0 }), format: spec.format ?? 'entier positif ou nul' })
}

/** A status code of a free vocabulary: accents stripped, upper case, spaces as `_` (`annulé` → `ANNULE`). */
function statusCode(maxLength = 30): Parser {
  return (s) => {
    const code = stripAccents(s)
      .toUpperCase()
      .replace(/[^A-Z0-9]+/g, '_')
      .replace(/^_|_$/g, '')
    if (code === '') {
      return fail('code invalide : lettres et chiffres attendus')
    }
    return code.length <= maxLength ? { ok: true, value: code } : fail(`code trop long (${maxLength} caractères au plus)`)
  }
}

/** A lookup that falls back to another parser instead of failing (known spellings first, then any code). */
function lookupOr(entries: Record<string, CellValue>, fallback: Parser): Parser {
  const known = lookupParser(entries, '', '')
  return (s) => {
    const r = known(s)
    return r.ok ? r : fallback(s)
  }
}

// ---------------------------------------------------------------------------------------------
// Vocabularies (domain-fr.md §3.2 and §3.4)
// ---------------------------------------------------------------------------------------------

export const NIVEAUX = [
  'L1',
  'L2',
  'L3',
  'LP',
  'M1',
  'M2',
  'BUT1',
  'BUT2',
  'BUT3',
  'DUT1',
  'DUT2',
  'DEUST1',
  'DEUST2',
  'PASS',
  'LAS1',
  'LAS2',
  'LAS3',
  'DAEU',
  'DU',
  'D1',
  'D2',
  'D3',
] as const

function niveauEntries(): Record<string, string> {
  const e: Record<string, string> = {}
  for (const n of NIVEAUX) {
    e[n] = n
  }
  for (const i of [1, 2, 3]) {
    e[`licence ${i}`] = `L${i}`
    e[`licence${i}`] = `L${i}`
    e[`${i}e année de licence`] = `L${i}`
    e[`but ${i}`] = `BUT${i}`
    e[`las ${i}`] = `LAS${i}`
    e[`doctorat ${i}`] = `D${i}`
  }
  for (const i of [1, 2]) {
    e[`master ${i}`] = `M${i}`
    e[`dut ${i}`] = `DUT${i}`
    e[`deust ${i}`] = `DEUST${i}`
  }
  Object.assign(e, {
    'licence pro': 'LP',
    'licence professionnelle': 'LP',
    'l3 pro': 'LP',
    lpro: 'LP',
    deust: 'DEUST1',
    'diplome universitaire': 'DU',
  })
  return e
}

/** Attendance codes → normalised status. `ABS`/`absent` alone become justified when `justif` is O. */
export const PRESENCE_CODES: Record<string, (typeof PRESENCE_VALUES)[number]> = {
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
const GENERIC_ABSENCE = new Set(['A', 'ABS', 'ABSENT', 'ABSENTE'])

/** Apogée result codes (domain-fr.md §3.2) → normalised result. */
export const RESULT_CODES: Record<string, (typeof RESULT_VALUES)[number]> = {
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

const DEVENIR_ENTRIES: Record<string, (typeof DEVENIR_VALUES)[number]> = {
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

const SESSION_ENTRIES: Record<string, number> = {
  '1': 1,
  '2': 2,
  s1: 1,
  s2: 2,
  'session 1': 1,
  'session 2': 2,
  'sess 1': 1,
  'sess 2': 2,
  'première session': 1,
  '1re session': 1,
  '1ère session': 1,
  '1ere session': 1,
  'seconde session': 2,
  'deuxième session': 2,
  '2e session': 2,
  '2ème session': 2,
  '2nde session': 2,
  rattrapage: 2,
  'session de rattrapage': 2,
  'first session': 1,
  'second session': 2,
  resit: 2,
}

const ECHELON_ENTRIES: Record<string, string> = { '0bis': '0bis', '0 bis': '0bis', 'échelon 0 bis': '0bis', '0b': '0bis' }
for (let i = 0; i <= 7; i++) {
  ECHELON_ENTRIES[String(i)] = String(i)
  ECHELON_ENTRIES[`échelon ${i}`] = String(i)
  ECHELON_ENTRIES[`ech ${i}`] = String(i)
}

const REGIME_ENTRIES: Record<string, string> = {
  'formation initiale': 'FI',
  'formation continue': 'FC',
  apprentissage: 'FA',
  apprenti: 'FA',
  alternance: 'ALT',
  'contrat de professionnalisation': 'CP',
  'contrat pro': 'CP',
  vae: 'VAE',
}

const SEANCE_ENTRIES: Record<string, string> = {
  'cours magistral': 'CM',
  'travaux dirigés': 'TD',
  'travaux pratiques': 'TP',
  examen: 'EXAM',
  exam: 'EXAM',
  partiel: 'EXAM',
  'contrôle continu': 'CC',
  'cours intégré': 'CI',
}

// ---------------------------------------------------------------------------------------------
// Kinds
// ---------------------------------------------------------------------------------------------

function deriveAcademicYearFrom(dateKey: string): RowRule {
  return (v) => {
    const date = v[dateKey]
    if (v.annee_univ === null && typeof date === 'string') {
      v.annee_univ = academicYearOf(date)
    }
    return null
  }
}

const etudiants: KindDef = {
  kind: 'etudiants',
  label: 'Inscriptions des étudiants',
  description:
    'Une ligne par étudiant et par année universitaire : formation, niveau, bourse, commune de résidence et état des inscriptions.',
  analytics: true,
  naturalKey: ['id_pseudo', 'annee_univ'],
  rules: [],
  columns: [
    idPseudo(),
    anneeUniv(true),
    column({
      key: 'composante',
      label: 'Composante',
      aliases: ['Composante', 'UFR', 'lib_cmp', 'cod_cmp', 'faculté', 'école', 'institut', 'faculty', 'department'],
      type: 'text',
      parser: textParser(200),
      format: 'texte',
      example: 'UFR Droit et Science politique',
    }),
    column({
      key: 'code_etape',
      label: 'Code étape',
      aliases: ['Code étape', 'code_etape', 'cod_etp', 'étape', 'code formation', 'code VET', 'programme code', 'step code'],
      type: 'code',
      parser: codeParser(),
      format: 'code Apogée de l’étape (ex. L1DROI)',
      example: 'L1DROI',
    }),
    column({
      key: 'lib_etape',
      label: 'Libellé étape',
      aliases: [
        'Libellé étape',
        'lib_etape',
        'lib_etp',
        'libellé formation',
        'formation',
        'intitulé formation',
        'programme',
        'programme name',
      ],
      type: 'text',
      parser: textParser(200),
      format: 'texte',
      example: 'Licence 1 Droit',
    }),
    column({
      key: 'niveau',
      label: 'Niveau',
      aliases: ['Niveau', 'niveau d’études', 'niveau etude', 'année d’études', 'level', 'year of study'],
      type: 'enum',
      values: NIVEAUX,
      parser: lookupParser(niveauEntries(), NIVEAUX.join(', '), 'niveau'),
      format: NIVEAUX.join(', '),
      example: 'L1',
    }),
    column({
      key: 'campus',
      label: 'Campus',
      aliases: ['Campus', 'site', 'lieu d’enseignement', 'implantation', 'site géographique'],
      type: 'text',
      parser: textParser(200),
      format: 'texte',
      example: 'Reims Croix-Rouge',
    }),
    column({
      key: 'annee_naissance',
      label: 'Année de naissance',
      aliases: ['Année de naissance', 'annee_naissance', 'année naissance', 'birth year', 'year of birth'],
      type: 'year',
      parser: birthYearParser(),
      format: 'année sur 4 chiffres (jamais la date complète)',
      example: '2005',
    }),
    booleanColumn({
      key: 'boursier',
      label: 'Boursier',
      aliases: ['Boursier', 'bourse', 'boursier CROUS', 'boursier sur critères sociaux', 'grant holder', 'scholarship'],
      example: 'O',
    }),
    column({
      key: 'echelon_bourse',
      label: 'Échelon de bourse',
      aliases: ['Échelon de bourse', 'echelon_bourse', 'échelon', 'échelon bourse', 'grant level'],
      type: 'enum',
      values: ['0bis', '0', '1', '2', '3', '4', '5', '6', '7'],
      parser: lookupParser(ECHELON_ENTRIES, '0bis ou un échelon de 0 à 7', 'échelon'),
      format: '0bis, 0 à 7',
      example: '4',
    }),
    column({
      key: 'commune_insee',
      label: 'Code commune INSEE (résidence)',
      aliases: [
        'Code commune INSEE',
        'commune_insee',
        'code INSEE',
        'INSEE commune',
        'code commune',
        'commune INSEE',
        'code commune résidence',
        'cog',
      ],
      type: 'insee_code',
      parser: (s) => {
        const u = s.toUpperCase()
        if (/^(?:\d{5}|2[AB]\d{3})$/.test(u)) {
          return { ok: true, value: u }
        }
        // Spreadsheets drop the leading zero of codes 01001–09999.
        if (/^\d{4}$/.test(u)) {
          return { ok: true, value: `0${u}` }
        }
        return fail('code commune INSEE invalide : attendu 5 caractères (chiffres, ou 2A/2B pour la Corse), ex. 51454')
      },
      format: '5 caractères (ex. 51454 pour Reims ; 2A004 en Corse) — ce n’est pas le code postal',
      example: '51454',
    }),
    column({
      key: 'code_postal',
      label: 'Code postal (résidence)',
      aliases: ['Code postal', 'code_postal', 'CP', 'code postal résidence', 'postcode', 'postal code', 'zip code'],
      type: 'postcode',
      parser: (s) => {
        if (/^\d{5}$/.test(s)) {
          return { ok: true, value: s }
        }
        if (/^\d{4}$/.test(s)) {
          return { ok: true, value: `0${s}` }
        }
        return fail('code postal invalide : attendu 5 chiffres (ex. 51100)')
      },
      format: '5 chiffres ; utilisé seulement si le code commune INSEE manque',
      example: '51100',
    }),
    column({
      key: 'date_inscription',
      label: 'Date d’inscription administrative',
      aliases: [
        "Date d'inscription",
        'date_inscription',
        'date inscription administrative',
        'date IA',
        'date_ia',
        'registration date',
        'enrolment date',
      ],
      type: 'date',
      parser: parseDate,
      format: 'jj/mm/aaaa',
      example: '12/09/2024',
    }),
    column({
      key: 'statut_ia',
      label: 'État de l’inscription administrative',
      aliases: [
        'Statut IA',
        'statut_ia',
        'état IA',
        'eta_iae',
        'état inscription administrative',
        'statut inscription administrative',
        'IA status',
      ],
      type: 'code',
      parser: statusCode(),
      format: 'code de l’état de l’inscription (ex. VALIDE, ANNULE, EN_COURS), gardé en majuscules',
      example: 'VALIDE',
    }),
    column({
      key: 'statut_ip',
      label: 'Inscription pédagogique',
      aliases: ['Statut IP', 'statut_ip', 'IP', 'ip_ok', 'état IP', 'inscription pédagogique', 'IP faite', 'IP status'],
      type: 'code',
      parser: (s) => {
        const b = booleanOf(s)
        return b === undefined ? statusCode()(s) : { ok: true, value: b ? 'O' : 'N' }
      },
      format: 'O/N (faite ou non) ou code d’état ; oui/non sont ramenés à O/N',
      example: 'O',
    }),
    column({
      key: 'regime',
      label: 'Régime d’inscription',
      aliases: ['Régime', 'regime', 'régime d’inscription', 'régime inscription', 'cod_rgi', 'profil', 'study mode'],
      type: 'code',
      parser: lookupOr(REGIME_ENTRIES, codeParser(10)),
      format: 'FI (initiale), FC (continue), FA (apprentissage), ALT (alternance)… ; autre code gardé tel quel',
      example: 'FI',
    }),
    booleanColumn({
      key: 'oui_si',
      label: 'Admission « oui si » (Parcoursup)',
      aliases: ['Oui si', 'oui_si', 'parcoursup oui si', 'admission oui si', 'dispositif oui si', 'yes if'],
      example: 'N',
    }),
  ],
}

const presenceParser = lookupParser(PRESENCE_CODES, 'P (présent), ABI, ABJ, RET (retard), EXC ou DIS (excusé)', 'statut de présence')

const sessionShape: ShapeDef = {
  shape: 'session',
  label: 'Par séance',
  description: 'Une ligne par étudiant et par séance, avec le statut de présence.',
  naturalKey: ['id_pseudo', 'code_elp', 'date_seance', 'heure_seance', 'type_seance'],
  columns: [
    idPseudo(),
    anneeUniv(false),
    codeElp(true),
    column({
      key: 'type_seance',
      label: 'Type de séance',
      aliases: ['Type de séance', 'type_seance', 'type séance', 'type', 'nature séance', 'type cours', 'session type'],
      type: 'code',
      parser: lookupOr(SEANCE_ENTRIES, codeParser(10)),
      format: 'CM, TD, TP, EXAM… (autre code gardé tel quel)',
      example: 'TD',
    }),
    column({
      key: 'date_seance',
      label: 'Date de la séance',
      aliases: ['Date de séance', 'date_seance', 'date séance', 'date de la séance', 'date cours', 'date', 'session date'],
      required: true,
      type: 'date',
      parser: parseDate,
      format: 'jj/mm/aaaa',
      example: '07/10/2024',
    }),
    column({
      key: 'heure_seance',
      label: 'Heure de début',
      aliases: ['Heure de début', 'heure_seance', 'heure séance', 'heure', 'début', 'start time', 'time'],
      type: 'time',
      parser: parseTime,
      format: 'hh:mm (distingue deux séances du même cours le même jour)',
      example: '08:30',
    }),
    column({
      key: 'statut_presence',
      label: 'Statut de présence',
      aliases: [
        'Statut présence',
        'statut_presence',
        'présence',
        'statut',
        'code présence',
        'assiduité',
        'attendance',
        'attendance status',
      ],
      required: true,
      type: 'enum',
      values: PRESENCE_VALUES,
      rawKey: 'statut_presence_raw',
      parser: presenceParser,
      format: 'P (présent), ABI (absence injustifiée), ABJ (absence justifiée), RET (retard), EXC/DIS (excusé)',
      example: 'ABI',
    }),
    booleanColumn({
      key: 'justif',
      label: 'Absence justifiée',
      aliases: ['Justifié', 'justif', 'justificatif', 'absence justifiée', 'justified'],
      format: 'O ou N ; précise un statut ABS/absent générique',
      example: 'N',
    }),
  ],
  rules: [
    deriveAcademicYearFrom('date_seance'),
    (v) => {
      if (v.statut_presence === 'absent_unjustified' && v.justif === true && GENERIC_ABSENCE.has(String(v.statut_presence_raw))) {
        v.statut_presence = 'absent_justified'
      }
      return null
    },
  ],
}

const weekShape: ShapeDef = {
  shape: 'week',
  label: 'Par semaine',
  description: 'Une ligne par étudiant et par semaine (et éventuellement par cours), avec les séances prévues et suivies.',
  naturalKey: ['id_pseudo', 'semaine', 'code_elp'],
  columns: [
    idPseudo(),
    anneeUniv(false),
    weekColumn,
    codeElp(false),
    countColumn({
      key: 'seances_prevues',
      label: 'Séances prévues',
      aliases: [
        'Séances prévues',
        'seances_prevues',
        'nb séances prévues',
        'nombre de séances prévues',
        'séances',
        'planned sessions',
        'sessions planned',
      ],
      required: true,
      example: '12',
    }),
    countColumn({
      key: 'seances_suivies',
      label: 'Séances suivies',
      aliases: [
        'Séances suivies',
        'seances_suivies',
        'nb séances suivies',
        'nombre de séances suivies',
        'présences',
        'attended sessions',
        'sessions attended',
      ],
      required: true,
      format: 'entier positif ou nul, au plus égal aux séances prévues',
      example: '9',
    }),
  ],
  rules: [
    deriveAcademicYearFrom('semaine'),
    (v) => {
      const planned = v.seances_prevues
      const attended = v.seances_suivies
      if (typeof planned === 'number' && typeof attended === 'number' && attended > planned) {
        return { key: 'seances_suivies', reason: `séances suivies (${attended}) supérieures aux séances prévues (${planned})` }
      }
      return null
    },
  ],
}

function unionColumns(...lists: ColumnDef[][]): ColumnDef[] {
  const seen = new Map<string, ColumnDef>()
  for (const list of lists) {
    for (const c of list) {
      if (!seen.has(c.key)) {
        seen.set(c.key, c)
      }
    }
  }
  return [...seen.values()]
}

const assiduite: KindDef = {
  kind: 'assiduite',
  label: 'Assiduité',
  description: 'La présence des étudiants, soit séance par séance (statut P, ABI, ABJ…), soit en séances prévues et suivies par semaine.',
  analytics: true,
  shapes: { session: sessionShape, week: weekShape },
  columns: unionColumns(sessionShape.columns, weekShape.columns),
  naturalKey: sessionShape.naturalKey,
  rules: [],
}

const resultats: KindDef = {
  kind: 'resultats',
  label: 'Résultats',
  description: 'Les notes et résultats par élément pédagogique et par session, avec les codes Apogée (ADM, AJ, ABI, DEF…).',
  analytics: true,
  naturalKey: ['id_pseudo', 'annee_univ', 'code_elp', 'session'],
  rules: [],
  columns: [
    idPseudo(),
    anneeUniv(true),
    codeElp(true),
    column({
      key: 'session',
      label: 'Session',
      aliases: ['Session', 'cod_ses', 'numéro de session', 'session d’examen', 'exam session'],
      required: true,
      type: 'enum',
      values: ['1', '2'],
      parser: lookupParser(SESSION_ENTRIES, '1 ou 2 (session 1, S1, rattrapage…)', 'numéro de session'),
      format: '1 ou 2 (« session 1 », « S2 », « rattrapage » acceptés)',
      example: '1',
    }),
    column({
      key: 'note',
      label: 'Note sur 20',
      aliases: ['Note', 'note sur 20', 'not_elp', 'note /20', 'moyenne', 'note session', 'grade', 'mark'],
      type: 'decimal',
      parser: (s) => {
        const v = decimalOf(s)
        if (Number.isNaN(v)) {
          return RESULT_CODES[s.toUpperCase()] === undefined
            ? fail('note invalide : attendu un nombre entre 0 et 20 (virgule ou point décimal)')
            : fail(`note invalide : « ${s} » est un code de résultat ; mettez-le dans la colonne résultat et laissez la note vide`)
        }
        return v < 0 || v > 20 ? fail('note hors limites : attendu une note entre 0 et 20') : { ok: true, value: v }
      },
      format: 'nombre entre 0 et 20, virgule ou point décimal (ex. 12,5)',
      example: '12,5',
    }),
    column({
      key: 'resultat',
      label: 'Résultat (code Apogée)',
      aliases: ['Résultat', 'resultat', 'code résultat', 'cod_tre', 'décision', 'result', 'result code'],
      type: 'enum',
      values: RESULT_VALUES,
      rawKey: 'resultat_raw',
      parser: lookupParser(RESULT_CODES, `un code Apogée parmi ${Object.keys(RESULT_CODES).join(', ')}`, 'code de résultat'),
      format: 'code Apogée : ADM, AJ, ABI, ABJ, DEF, DEM, ATT… (voir le tableau des codes)',
      example: 'ADM',
    }),
    column({
      key: 'ects',
      label: 'Crédits ECTS obtenus',
      aliases: ['ECTS', 'crédits', 'crédits ECTS', 'crédits obtenus', 'nb crédits', 'credits'],
      type: 'decimal',
      parser: decimalParser({ min: 0 }),
      format: 'nombre positif ou nul (ex. 6)',
      example: '6',
    }),
  ],
}

const activiteEnt: KindDef = {
  kind: 'activite_ent',
  label: 'Activité sur l’ENT',
  description:
    'L’activité hebdomadaire des étudiants sur l’espace numérique de travail (Moodle…) : connexions, temps passé, ressources, devoirs.',
  analytics: true,
  naturalKey: ['id_pseudo', 'semaine'],
  rules: [deriveAcademicYearFrom('semaine')],
  columns: [
    idPseudo(),
    anneeUniv(false),
    weekColumn,
    countColumn({
      key: 'connexions',
      label: 'Connexions',
      aliases: ['Connexions', 'nb connexions', 'nombre de connexions', 'logins', 'sessions', 'log ins'],
      required: true,
      example: '5',
    }),
    countColumn({
      key: 'minutes',
      label: 'Minutes de connexion',
      aliases: ['Minutes', 'temps de connexion', 'durée (minutes)', 'temps passé', 'time spent', 'time minutes'],
      example: '140',
    }),
    countColumn({
      key: 'ressources_consultees',
      label: 'Ressources consultées',
      aliases: ['Ressources consultées', 'ressources_consultees', 'nb ressources', 'ressources', 'resources viewed', 'resources'],
      example: '12',
    }),
    countColumn({
      key: 'devoirs_rendus',
      label: 'Devoirs rendus',
      aliases: ['Devoirs rendus', 'devoirs_rendus', 'nb devoirs rendus', 'devoirs', 'assignments submitted', 'submissions'],
      example: '1',
    }),
  ],
}

const contacts: KindDef = {
  kind: 'contacts',
  label: 'Coordonnées des étudiants ayant consenti',
  description:
    'Les coordonnées des seuls étudiants qui ont accepté d’être contactés, avec la preuve de leur consentement ; elles sont chiffrées dès réception.',
  analytics: false,
  naturalKey: ['id_pseudo'],
  columns: [
    idPseudo(),
    column({
      key: 'prenom',
      label: 'Prénom',
      aliases: ['Prénom', 'prenom', 'first name', 'given name', 'firstname'],
      type: 'text',
      parser: textParser(100),
      format: 'texte (utilisé pour saluer l’étudiant)',
      example: 'Inès',
    }),
    column({
      key: 'email',
      label: 'Adresse e-mail',
      aliases: ['Email', 'e-mail', 'courriel', 'adresse e-mail', 'adresse mail', 'mail', 'adresse électronique', 'email address'],
      type: 'email',
      parser: parseEmail,
      format: 'adresse e-mail (mise en minuscules)',
      example: 'ines.exemple@etudiant.example.fr',
    }),
    column({
      key: 'telephone',
      label: 'Téléphone mobile',
      aliases: [
        'Téléphone',
        'telephone',
        'tél',
        'portable',
        'mobile',
        'téléphone portable',
        'numéro de téléphone',
        'phone',
        'mobile phone',
      ],
      type: 'phone',
      parser: parsePhone,
      format: '06 12 34 56 78, +33 6 12 34 56 78 ou 0033… (enregistré au format +33612345678)',
      example: '06 39 98 12 34',
    }),
    booleanColumn({
      key: 'consentement_email',
      label: 'Consentement e-mail',
      aliases: ['Consentement e-mail', 'consentement_email', 'consentement courriel', 'accord e-mail', 'email consent'],
      format: 'O ou N ; obligatoire quand une adresse e-mail est fournie',
      example: 'O',
    }),
    booleanColumn({
      key: 'consentement_sms',
      label: 'Consentement SMS',
      aliases: ['Consentement SMS', 'consentement_sms', 'consentement téléphone', 'accord SMS', 'sms consent'],
      format: 'O ou N ; obligatoire quand un numéro est fourni',
      example: 'O',
    }),
    column({
      key: 'date_consentement',
      label: 'Date du consentement',
      aliases: ['Date du consentement', 'date_consentement', 'date consentement', 'consentement le', 'consent date'],
      required: true,
      type: 'date',
      parser: parseDate,
      format: 'jj/mm/aaaa',
      example: '15/09/2024',
    }),
    column({
      key: 'source_consentement',
      label: 'Source du consentement',
      aliases: [
        'Source du consentement',
        'source_consentement',
        'source consentement',
        'preuve du consentement',
        'recueilli via',
        'consent source',
      ],
      required: true,
      type: 'text',
      parser: textParser(200),
      format: 'où et comment le consentement a été recueilli (ex. formulaire d’inscription 2024)',
      example: 'Formulaire d’inscription administrative 2024',
    }),
  ],
  rules: [
    (v) =>
      v.email === null && v.telephone === null
        ? { key: 'email', reason: 'ni adresse e-mail ni téléphone : une ligne de coordonnées doit contenir au moins l’un des deux' }
        : null,
    (v) =>
      v.email !== null && v.consentement_email === null
        ? { key: 'consentement_email', reason: 'consentement e-mail manquant alors qu’une adresse est fournie (O ou N)' }
        : null,
    (v) =>
      v.telephone !== null && v.consentement_sms === null
        ? { key: 'consentement_sms', reason: 'consentement SMS manquant alors qu’un numéro est fourni (O ou N)' }
        : null,
  ],
}

const devenir: KindDef = {
  kind: 'devenir',
  label: 'Devenir en fin d’année',
  description:
    'Ce qu’est devenu chaque étudiant à la fin de l’année (réinscrit, diplômé, abandon, réorientation), pour entraîner et évaluer les modèles.',
  analytics: true,
  naturalKey: ['id_pseudo', 'annee_univ'],
  rules: [],
  columns: [
    idPseudo(),
    anneeUniv(true),
    column({
      key: 'devenir',
      label: 'Devenir',
      aliases: ['Devenir', 'situation', 'situation n+1', 'issue', 'outcome'],
      required: true,
      type: 'enum',
      values: DEVENIR_VALUES,
      parser: lookupParser(DEVENIR_ENTRIES, 'réinscrit, diplômé, abandon (ou décrochage) ou réorientation', 'devenir'),
      format: 'réinscrit, diplômé, abandon (décrochage), réorientation',
      example: 'réinscrit',
    }),
    column({
      key: 'date_constat',
      label: 'Date du constat',
      aliases: ['Date du constat', 'date_constat', 'date constat', 'constaté le', 'observed on'],
      type: 'date',
      parser: parseDate,
      format: 'jj/mm/aaaa',
      example: '15/10/2025',
    }),
  ],
}

export const KINDS: Readonly<Record<ImportKind, KindDef>> = Object.freeze({
  etudiants,
  assiduite,
  resultats,
  activite_ent: activiteEnt,
  contacts,
  devenir,
})

export function isImportKind(value: unknown): value is ImportKind {
  return typeof value === 'string' && (IMPORT_KINDS as readonly string[]).includes(value)
}

/** The columns validated for a kind (and shape). */
export function columnsFor(def: KindDef, shape?: AttendanceShape): ColumnDef[] {
  return def.shapes && shape ? def.shapes[shape].columns : def.columns
}

export function naturalKeyFor(def: KindDef, shape?: AttendanceShape): string[] {
  return def.shapes && shape ? def.shapes[shape].naturalKey : def.naturalKey
}

export function rulesFor(def: KindDef, shape?: AttendanceShape): RowRule[] {
  return def.shapes && shape ? [...def.rules, ...def.shapes[shape].rules] : def.rules
}

/**
 * The keys of a validated row's `values`, in a stable order: each column key, followed by its raw
 * code key when it has one (`statut_presence`, `statut_presence_raw`). Use it for COPY column lists.
 */
export function outputKeys(def: KindDef, shape?: AttendanceShape): string[] {
  const keys: string[] = []
  for (const c of columnsFor(def, shape)) {
    keys.push(c.key)
    if (c.rawKey) {
      keys.push(c.rawKey)
    }
  }
  return keys
}

/** An `indicateur_*` cell: a number (decimal comma allowed) or yes/no (1/0); empty → null. */
export function parseIndicator(raw: string): ParseResult {
  const s = trimCell(raw)
  if (s === '') {
    return NULL_RESULT
  }
  const v = decimalOf(s)
  if (!Number.isNaN(v)) {
    return { ok: true, value: v }
  }
  const b = booleanOf(s)
  if (b !== undefined) {
    return b ? ONE_RESULT : ZERO_RESULT
  }
  return fail('indicateur invalide : attendu un nombre (virgule décimale acceptée) ou oui/non')
}
const ONE_RESULT: ParseResult = Object.freeze({ ok: true, value: 1 })
const ZERO_RESULT: ParseResult = Object.freeze({ ok: true, value: 0 })
