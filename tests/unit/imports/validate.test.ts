import { describe, expect, it } from 'vitest'
import { parse as parseSync } from 'csv-parse/sync'
import {
  KINDS,
  RESULT_CODES,
  WHOLE_LINE,
  compileValidator,
  errorReportCsv,
  outputKeys,
  resolveHeaders,
  validateRow,
  type ImportKind,
  type RowResult,
} from '../../../server/services/imports/index.ts'
import { PSEUDO } from '../../fixtures/imports/files.ts'

function validator(kind: ImportKind, headers: string[]): (fields: string[], line?: number) => RowResult {
  const resolution = resolveHeaders(kind, headers)
  expect(resolution.missing.map((c) => c.key)).toEqual([])
  const validate = compileValidator(KINDS[kind], resolution)
  return (fields, line = 2) => validate(fields, line)
}

function valuesOf(result: RowResult): Record<string, unknown> {
  if (!result.ok) {
    throw new Error(JSON.stringify(result.errors))
  }
  return result.values
}

function errorsOf(result: RowResult): { column: string; value: string; reason: string; line: number }[] {
  if (result.ok) {
    throw new Error(`expected errors, got ${JSON.stringify(result.values)}`)
  }
  return result.errors
}

describe('etudiants', () => {
  const headers = [
    'Identifiant pseudonymisé',
    'Année universitaire',
    'Niveau',
    'Année de naissance',
    'Boursier',
    'Échelon',
    'Code commune INSEE',
    "Date d'inscription",
    'Statut IA',
    'Statut IP',
    'Régime',
    'Oui si',
  ]
  const v = validator('etudiants', headers)

  it('parses and normalises a full row, with nulls for absent columns', () => {
    const values = valuesOf(
      v([PSEUDO.a, '2024-2025', 'licence 1', '2005', 'oui', '0 bis', '2a004', ' 12/09/2024', 'annulé', 'oui', 'formation initiale', 'N']),
    )
    expect(values).toEqual({
      id_pseudo: PSEUDO.a,
      annee_univ: '2024/2025',
      composante: null,
      code_etape: null,
      lib_etape: null,
      niveau: 'L1',
      campus: null,
      annee_naissance: 2005,
      boursier: true,
      echelon_bourse: '0bis',
      commune_insee: '2A004',
      code_postal: null,
      date_inscription: '2024-09-12',
      statut_ia: 'ANNULE',
      statut_ip: 'O',
      regime: 'FI',
      oui_si: false,
    })
    expect(Object.keys(values)).toEqual(outputKeys(KINDS.etudiants))
  })

  it('restores the leading zero Excel drops from INSEE codes', () => {
    expect(valuesOf(v([PSEUDO.a, '2024/2025', 'M2', '', '', '', '1053', '', '', 'EN COURS', 'ALT', ''])).commune_insee).toBe('01053')
  })

  it('collects every error of a row with the header as in the file', () => {
    const errors = errorsOf(v(['21904567', '2024/2026', 'L9', '2005', 'peut-être', '8', '5145', '31/02/2025', '', '', '', ''], 7))
    expect(errors.map((e) => [e.line, e.column, e.value])).toEqual([
      [7, 'Identifiant pseudonymisé', '21904567'],
      [7, 'Année universitaire', '2024/2026'],
      [7, 'Niveau', 'L9'],
      [7, 'Boursier', 'peut-être'],
      [7, 'Échelon', '8'],
      [7, "Date d'inscription", '31/02/2025'],
    ])
    expect(errors[2]!.reason).toMatch(/^niveau inconnu\(e\) « L9 » : attendu L1, L2, L3/)
    expect(errors[5]!.reason).toBe("date inexistante : le 31/02/2025 n'existe pas au calendrier")
  })

  it('reports an empty required cell', () => {
    const errors = errorsOf(v([PSEUDO.a, ' ', '', '', '', '', '', '', '', '', '', '']))
    expect(errors).toEqual([{ line: 2, column: 'Année universitaire', value: ' ', reason: 'valeur obligatoire manquante' }])
  })

  it('reports a row with the wrong number of cells instead of crashing', () => {
    const errors = errorsOf(v([PSEUDO.a, '2024/2025', 'L1']))
    expect(errors).toHaveLength(1)
    expect(errors[0]!.column).toBe(WHOLE_LINE)
    expect(errors[0]!.reason).toMatch(/nombre de colonnes incorrect : 3 au lieu de 12/)
  })
})

describe('assiduite', () => {
  it('maps presence codes and keeps the raw code', () => {
    const v = validator('assiduite', ['id_pseudo', 'Code ELP', 'Type', 'Date séance', 'Statut présence', 'Justifié'])
    const cases: [string, string, string][] = [
      ['P', '', 'present'],
      ['pre', '', 'present'],
      ['Présent', '', 'present'],
      ['ABI', '', 'absent_unjustified'],
      ['ABJ', 'O', 'absent_justified'],
      ['RET', '', 'late'],
      ['EXC', '', 'excused'],
      ['dis', '', 'excused'],
      ['ABS', 'O', 'absent_justified'],
      ['ABS', 'N', 'absent_unjustified'],
      ['ABI', 'O', 'absent_unjustified'],
    ]
    for (const [code, justif, expected] of cases) {
      const values = valuesOf(v([PSEUDO.a, '7drt101', 'travaux dirigés', '07/10/2024', code, justif]))
      expect([code, values.statut_presence], code).toEqual([code, expected])
      expect(values.statut_presence_raw).toBe(code.toUpperCase())
    }
    const values = valuesOf(v([PSEUDO.a, '7drt101', 'TD', '07/10/2024', 'P', '']))
    expect(values).toMatchObject({
      code_elp: '7DRT101',
      type_seance: 'TD',
      date_seance: '2024-10-07',
      annee_univ: '2024/2025',
      justif: null,
    })
    expect(Object.keys(values)).toEqual(outputKeys(KINDS.assiduite, 'session'))
    expect(errorsOf(v([PSEUDO.a, '7DRT101', 'TD', '07/10/2024', 'XYZ', '']))[0]!.reason).toMatch(/attendu P \(présent\), ABI, ABJ, RET/)
  })

  it('checks weekly counts against each other and normalises weeks to Mondays', () => {
    const v = validator('assiduite', ['id_pseudo', 'Semaine', 'Code ELP', 'Séances prévues', 'Séances suivies'])
    expect(valuesOf(v([PSEUDO.a, '2024-W41', '', '12', '9']))).toEqual({
      id_pseudo: PSEUDO.a,
      annee_univ: '2024/2025',
      semaine: '2024-10-07',
      code_elp: null,
      seances_prevues: 12,
      seances_suivies: 9,
    })
    expect(valuesOf(v([PSEUDO.a, '10/10/2024', '', '3', '3'])).semaine).toBe('2024-10-07')
    expect(errorsOf(v([PSEUDO.a, '07/10/2024', '', '3', '4']))).toEqual([
      { line: 2, column: 'Séances suivies', value: '4', reason: 'séances suivies (4) supérieures aux séances prévues (3)' },
    ])
    expect(errorsOf(v([PSEUDO.a, '07/10/2024', '', '3,5', '-1'])).map((e) => e.column)).toEqual(['Séances prévues', 'Séances suivies'])
  })
})

describe('resultats', () => {
  const v = validator('resultats', ['id_pseudo', 'annee_univ', 'COD_ELP', 'Session', 'Note', 'Résultat', 'ECTS'])

  it.each(Object.entries(RESULT_CODES))('normalises the Apogée code %s to %s', (code, expected) => {
    const values = valuesOf(v([PSEUDO.a, '2024/2025', '7DRT101', '1', '', code.toLowerCase(), '']))
    expect(values.resultat).toBe(expected)
    expect(values.resultat_raw).toBe(code)
  })

  it('groups codes as docs/domain.md#result-and-absence-codes says', () => {
    const group = (codes: string[]): string[] => codes.map((c) => RESULT_CODES[c]!)
    expect(new Set(group(['ADM', 'ADC', 'ADMC', 'ACP', 'ADJ', 'ADMJ', 'VAL']))).toEqual(new Set(['admitted']))
    expect(new Set(group(['AJ', 'AJRE', 'AJSE', 'AJAC', 'NVAL']))).toEqual(new Set(['failed']))
    expect(group(['ABI', 'ABJ', 'DEF', 'DEM', 'ABAN', 'ATT', 'ATJ'])).toEqual([
      'absent_unjustified',
      'absent_justified',
      'defaulted',
      'withdrew',
      'withdrew',
      'pending',
      'pending',
    ])
    expect(new Set(group(['EXC', 'RED', 'REO', 'ABL', 'DIS', 'ACQ', 'NACQ']))).toEqual(new Set(['other']))
  })

  it('parses sessions, decimal-comma grades and ECTS', () => {
    expect(valuesOf(v([PSEUDO.a, '2024/2025', '7DRT101', 'Session 2', '12,75', 'ADM', '6']))).toEqual({
      id_pseudo: PSEUDO.a,
      annee_univ: '2024/2025',
      code_elp: '7DRT101',
      session: 2,
      note: 12.75,
      resultat: 'admitted',
      resultat_raw: 'ADM',
      ects: 6,
    })
    expect(valuesOf(v([PSEUDO.a, '2024/2025', '7DRT101', 'S1', '', '', ''])).session).toBe(1)
    expect(valuesOf(v([PSEUDO.a, '2024/2025', '7DRT101', 'rattrapage', '', '', ''])).session).toBe(2)
  })

  it('explains unknown codes and misplaced codes', () => {
    const [unknown] = errorsOf(v([PSEUDO.a, '2024/2025', '7DRT101', '1', '', 'XYZ', '']))
    expect(unknown!.reason).toMatch(/code de résultat inconnu\(e\) « XYZ » : attendu un code Apogée parmi ADM, ADC/)
    const [misplaced] = errorsOf(v([PSEUDO.a, '2024/2025', '7DRT101', '1', 'ABI', '', '']))
    expect(misplaced!.reason).toMatch(/colonne résultat/)
    expect(errorsOf(v([PSEUDO.a, '2024/2025', '7DRT101', '3', '21', '', '-1'])).map((e) => e.column)).toEqual(['Session', 'Note', 'ECTS'])
  })
})

describe('indicators', () => {
  it('keeps indicateur_* values as numbers per row', () => {
    const v = validator('activite_ent', ['id_pseudo', 'semaine', 'connexions', 'indicateur_tutorat', 'indicateur_Heures soutien'])
    const r = v([PSEUDO.a, '07/10/2024', '3', 'oui', '1,5'])
    expect(r.ok && r.indicators).toEqual({ tutorat: 1, heures_soutien: 1.5 })
    const empty = v([PSEUDO.a, '07/10/2024', '3', '', 'non'])
    expect(empty.ok && empty.indicators).toEqual({ tutorat: null, heures_soutien: 0 })
    expect(errorsOf(v([PSEUDO.a, '07/10/2024', '3', 'beaucoup', '']))).toEqual([
      {
        line: 2,
        column: 'indicateur_tutorat',
        value: 'beaucoup',
        reason: 'indicateur invalide : attendu un nombre (virgule décimale acceptée) ou oui/non',
      },
    ])
  })
})

describe('contacts', () => {
  const v = validator('contacts', [
    'id_pseudo',
    'Prénom',
    'Email',
    'Téléphone',
    'Consentement e-mail',
    'Consentement SMS',
    'Date du consentement',
    'Source du consentement',
  ])

  it('normalises contact details', () => {
    expect(valuesOf(v([PSEUDO.a, 'Inès', 'Ines@Example.FR', '06 12 34 56 78', 'O', 'N', '12/09/2024', 'Formulaire IA 2024']))).toEqual({
      id_pseudo: PSEUDO.a,
      prenom: 'Inès',
      email: 'ines@example.fr',
      telephone: '+33612345678',
      consentement_email: true,
      consentement_sms: false,
      date_consentement: '2024-09-12',
      source_consentement: 'Formulaire IA 2024',
      version_texte: null,
    })
  })

  it('requires a channel, its consent, and the proof of consent', () => {
    expect(errorsOf(v([PSEUDO.a, 'Inès', '', '', '', '', '12/09/2024', 'Formulaire']))[0]!.reason).toMatch(/ni adresse e-mail ni téléphone/)
    expect(errorsOf(v([PSEUDO.a, 'Inès', 'a@b.fr', '', '', '', '12/09/2024', 'Formulaire']))[0]!.column).toBe('Consentement e-mail')
    expect(errorsOf(v([PSEUDO.a, 'Inès', '', '0612345678', '', '', '12/09/2024', 'Formulaire']))[0]!.column).toBe('Consentement SMS')
    expect(errorsOf(v([PSEUDO.a, 'Inès', 'a@b.fr', '', 'O', '', '', ''])).map((e) => e.reason)).toEqual([
      'valeur obligatoire manquante',
      'valeur obligatoire manquante',
    ])
    expect(errorsOf(v([PSEUDO.a, 'Inès', 'pas-une-adresse', '06 12', 'O', 'O', '12/09/2024', 'F'])).map((e) => e.column)).toEqual([
      'Email',
      'Téléphone',
    ])
  })
})

describe('devenir', () => {
  const v = validator('devenir', ['id_pseudo', 'annee_univ', 'Devenir'])
  it.each([
    ['réinscrit', 'reinscrit'],
    ['Réinscrite', 'reinscrit'],
    ['diplômé', 'diplome'],
    ['DIPLOMEE', 'diplome'],
    ['abandon', 'abandon'],
    ['décrochage', 'abandon'],
    ['réorienté', 'reorientation'],
    ['Réorientation', 'reorientation'],
  ])('%s → %s', (raw, expected) => {
    expect(valuesOf(v([PSEUDO.a, '2023/2024', raw])).devenir).toBe(expected)
  })
  it('refuses other outcomes', () => {
    expect(errorsOf(v([PSEUDO.a, '2023/2024', 'parti']))[0]!.reason).toMatch(/attendu réinscrit, diplômé, abandon/)
  })
})

describe('validateRow', () => {
  it('gives the same results as the compiled validator, memo tables included', () => {
    const resolution = resolveHeaders('resultats', ['id_pseudo', 'annee_univ', 'code_elp', 'session', 'note', 'resultat'])
    const compiled = compileValidator(KINDS.resultats, resolution)
    for (let i = 0; i < 10_000; i++) {
      const fields = [
        `${PSEUDO.a.slice(0, 16)}${String(i).padStart(6, '0')}`,
        '2024/2025',
        `7DRT${i % 50}`,
        String(1 + (i % 3)),
        String(i % 23),
        ['ADM', 'AJ', 'X'][i % 3]!,
      ]
      expect(validateRow(KINDS.resultats, resolution, fields, i)).toEqual(compiled(fields, i))
    }
  })
})

describe('errorReportCsv', () => {
  it('writes a ;-separated UTF-8 CSV with BOM, CRLF, quoting and formula guard', () => {
    const csv = errorReportCsv([
      { line: 3, column: 'Date de séance', value: '31/02/2025', reason: "date inexistante : le 31/02/2025 n'existe pas au calendrier" },
      { line: 4, column: 'Commentaire', value: 'a;b "c"\nd', reason: 'texte trop long' },
      { line: 5, column: 'Note', value: '=HYPERLINK("x")', reason: 'nombre invalide' },
      { line: 6, column: 'Note', value: '-3', reason: 'nombre hors limites' },
      { line: 7, column: 'Note', value: "-1+1+cmd|' /C calc'!A0", reason: 'nombre invalide' },
      { line: 8, column: '=Note', value: '-2+3', reason: 'nombre invalide' },
    ])
    expect(csv.startsWith('\ufeffligne;colonne;valeur;raison\r\n')).toBe(true)
    expect(csv.endsWith('\r\n')).toBe(true)
    expect(csv.split('\r\n')[1]).toBe("3;Date de séance;31/02/2025;date inexistante : le 31/02/2025 n'existe pas au calendrier")
    const rows = parseSync(csv.slice(1), { delimiter: ';', bom: true }) as string[][]
    expect(rows).toEqual([
      ['ligne', 'colonne', 'valeur', 'raison'],
      ['3', 'Date de séance', '31/02/2025', "date inexistante : le 31/02/2025 n'existe pas au calendrier"],
      ['4', 'Commentaire', 'a;b "c"\nd', 'texte trop long'],
      ['5', 'Note', '\'=HYPERLINK("x")', 'nombre invalide'],
      ['6', 'Note', '-3', 'nombre hors limites'],
      ['7', 'Note', "'-1+1+cmd|' /C calc'!A0", 'nombre invalide'],
      ['8', "'=Note", "'-2+3", 'nombre invalide'],
    ])
  })

  it('writes only the header for no errors', () => {
    expect(errorReportCsv([])).toBe('\ufeffligne;colonne;valeur;raison\r\n')
  })
})
