/** The `devenir` import kind. */
import { lookupParser, parseDate } from '../values.ts'
import { DEVENIR_CODES, DEVENIR_VALUES } from '../../../../db/vocabulary/index.ts'
import type { KindDef } from './types.ts'
import { column, idPseudo, anneeUniv } from './columns.ts'

export const devenir: KindDef = {
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
      parser: lookupParser(DEVENIR_CODES, 'réinscrit, diplômé, abandon (ou décrochage) ou réorientation', 'devenir'),
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
