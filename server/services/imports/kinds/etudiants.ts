/** The `etudiants` import kind. */
import { birthYearParser, booleanOf, codeParser, fail, lookupParser, parseDate, textParser } from '../values.ts'
import type { KindDef } from './types.ts'
import { column, idPseudo, anneeUniv, booleanColumn, statusCode, lookupOr } from './columns.ts'
import { NIVEAUX, niveauEntries, ECHELON_ENTRIES, REGIME_ENTRIES } from './codes.ts'

export const etudiants: KindDef = {
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
