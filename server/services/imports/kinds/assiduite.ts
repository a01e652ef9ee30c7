/** The `assiduite` import kind. */
import { codeParser, lookupParser, parseDate, parseTime } from '../values.ts'
import { PRESENCE_VALUES, PRESENCE_CODES, GENERIC_ABSENCE } from '../../../../db/vocabulary/index.ts'
import type { ShapeDef, KindDef } from './types.ts'
import {
  column,
  idPseudo,
  anneeUniv,
  codeElp,
  weekColumn,
  booleanColumn,
  countColumn,
  lookupOr,
  deriveAcademicYearFrom,
  unionColumns,
} from './columns.ts'
import { SEANCE_ENTRIES } from './codes.ts'

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

export const assiduite: KindDef = {
  kind: 'assiduite',
  label: 'Assiduité',
  description: 'La présence des étudiants, soit séance par séance (statut P, ABI, ABJ…), soit en séances prévues et suivies par semaine.',
  analytics: true,
  shapes: { session: sessionShape, week: weekShape },
  columns: unionColumns(sessionShape.columns, weekShape.columns),
  naturalKey: sessionShape.naturalKey,
  rules: [],
}
