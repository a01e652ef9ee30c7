/** The `activite_ent` import kind. */
import type { KindDef } from './types.ts'
import { idPseudo, anneeUniv, weekColumn, countColumn, deriveAcademicYearFrom } from './columns.ts'

export const activiteEnt: KindDef = {
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
