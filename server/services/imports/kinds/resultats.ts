/** The `resultats` import kind. */
import { decimalOf, decimalParser, fail, lookupParser } from '../values.ts'
import { RESULT_VALUES, RESULT_CODES } from '../../../../db/vocabulary/index.ts'
import type { KindDef } from './types.ts'
import { column, idPseudo, anneeUniv, codeElp } from './columns.ts'
import { SESSION_ENTRIES } from './codes.ts'

export const resultats: KindDef = {
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
