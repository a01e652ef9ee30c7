import { describe, expect, it } from 'vitest'
import {
  IMPORT_KINDS,
  KINDS,
  columnsFor,
  detectIdentifierValues,
  headerMatchKey,
  identifierReasonForHeader,
  resolutionProblems,
  resolveHeaders,
  type AttendanceShape,
  type ImportKind,
} from '../../../server/services/imports/index.ts'
import { PSEUDO } from '../../fixtures/imports/files.ts'

describe('alias tables', () => {
  const variants: [ImportKind, AttendanceShape | undefined][] = IMPORT_KINDS.flatMap((kind): [ImportKind, AttendanceShape | undefined][] =>
    KINDS[kind].shapes
      ? [
          [kind, 'session'],
          [kind, 'week'],
        ]
      : [[kind, undefined]],
  )

  it.each(variants)('%s (%s): no spelling matches two columns, none looks like an identifier', (kind, shape) => {
    const owner = new Map<string, string>()
    for (const c of columnsFor(KINDS[kind], shape)) {
      for (const spelling of [c.key, c.label, ...c.aliases]) {
        const k = headerMatchKey(spelling)
        const previous = owner.get(k)
        expect(previous === undefined || previous === c.key, `${spelling} → ${previous} and ${c.key}`).toBe(true)
        owner.set(k, c.key)
      }
      if (KINDS[kind].analytics) {
        for (const spelling of [c.key, ...c.aliases]) {
          expect(identifierReasonForHeader(spelling), spelling).toBeNull()
        }
      }
    }
  })
})

describe('resolveHeaders', () => {
  it('matches aliases ignoring accents, case, spaces and punctuation', () => {
    const r = resolveHeaders('etudiants', [
      '  IDENTIFIANT_PSEUDONYMISE ',
      'annee-univ',
      'Code  Étape',
      'ECHELON',
      'Boursier CROUS',
      'date_ia',
      'ip_ok',
    ])
    expect(r.columns).toEqual({
      id_pseudo: 0,
      annee_univ: 1,
      code_etape: 2,
      echelon_bourse: 3,
      boursier: 4,
      date_inscription: 5,
      statut_ip: 6,
    })
    expect(r.missing).toEqual([])
    expect(r.unknown).toEqual([])
  })

  it('lets a saved mapping win over aliases', () => {
    const headers = ['id_pseudo', 'Année', 'Année universitaire (réelle)']
    expect(resolveHeaders('devenir', headers).columns.annee_univ).toBe(1)
    const r = resolveHeaders('devenir', headers, { annee_univ: 'Année universitaire (réelle)' })
    expect(r.columns.annee_univ).toBe(2)
    expect(r.unknown).toEqual(['Année'])
    // The saved header is matched loosely too; a saved header that is gone falls back to aliases.
    expect(resolveHeaders('devenir', headers, { annee_univ: 'annee universitaire reelle' }).columns.annee_univ).toBe(2)
    expect(resolveHeaders('devenir', headers, { annee_univ: 'Colonne disparue' }).columns.annee_univ).toBe(1)
  })

  it('reports missing required columns and unknown headers', () => {
    const r = resolveHeaders('resultats', ['id_pseudo', 'Code ELP', 'Note', 'Commentaire'])
    expect(r.missing.map((c) => c.key)).toEqual(['annee_univ', 'session'])
    expect(r.unknown).toEqual(['Commentaire'])
    const problems = resolutionProblems(r)
    expect(problems).toHaveLength(1)
    expect(problems[0]).toMatch(/Colonnes obligatoires introuvables : « Année universitaire »/)
  })

  it('collects indicateur_* columns in analytics kinds only', () => {
    const r = resolveHeaders('etudiants', ['id_pseudo', 'annee_univ', 'indicateur_tutorat', 'Indicateur - Heures de soutien'])
    expect(r.indicators).toEqual([
      { name: 'tutorat', index: 2, header: 'indicateur_tutorat' },
      { name: 'heures_de_soutien', index: 3, header: 'Indicateur - Heures de soutien' },
    ])
    expect(r.unknown).toEqual([])
    const contacts = resolveHeaders('contacts', ['id_pseudo', 'date_consentement', 'source_consentement', 'indicateur_x'])
    expect(contacts.indicators).toEqual([])
    expect(contacts.unknown).toEqual(['indicateur_x'])
  })

  it('reports duplicate columns', () => {
    const r = resolveHeaders('devenir', ['id_pseudo', 'annee_univ', 'Devenir', 'Situation', 'indicateur_a', 'Indicateur A'])
    expect(r.columns.devenir).toBe(2)
    expect(r.duplicates).toEqual([
      { key: 'devenir', headers: ['Devenir', 'Situation'] },
      { key: 'indicateur_a', headers: ['indicateur_a', 'Indicateur A'] },
    ])
    expect(resolutionProblems(r).join('\n')).toMatch(/Plusieurs colonnes correspondent à « devenir »/)
  })

  it('detects the attendance shape from the headers', () => {
    const session = resolveHeaders('assiduite', ['id_pseudo', 'code_elp', 'Date séance', 'Statut', 'Justifié'])
    expect(session.shape).toBe('session')
    expect(session.missing).toEqual([])
    const week = resolveHeaders('assiduite', ['id_pseudo', 'Semaine', 'Séances prévues', 'Séances suivies'])
    expect(week.shape).toBe('week')
    expect(week.missing).toEqual([])
    expect(week.columns).toEqual({ id_pseudo: 0, semaine: 1, seances_prevues: 2, seances_suivies: 3 })
    const savedWeek = resolveHeaders('assiduite', ['id', 'lundi', 'prévu', 'fait'], {
      id_pseudo: 'id',
      semaine: 'lundi',
      seances_prevues: 'prévu',
      seances_suivies: 'fait',
    })
    expect(savedWeek.shape).toBe('week')
    expect(savedWeek.missing).toEqual([])
    const unclear = resolveHeaders('assiduite', ['id_pseudo'])
    expect(unclear.shape).toBe('session')
    expect(unclear.missing.map((c) => c.key)).toEqual(['code_elp', 'date_seance', 'statut_presence'])
  })
})

describe('direct identifiers by header', () => {
  it.each([
    'Nom',
    'NOM DE NAISSANCE',
    "Nom d'usage",
    'Prénom',
    'First name',
    'last_name',
    'E-mail',
    'Courriel',
    'Adresse mail',
    'Téléphone',
    'Tel portable',
    'Mobile',
    'Phone',
    'INE',
    'Code INE',
    'BEA',
    'Numéro étudiant',
    'N° étudiant',
    'Code NIP',
    'COD_ETU',
    'Student number',
    'NIR',
    'Numéro de sécurité sociale',
    'Adresse',
    'Adresse postale 1',
    'Date de naissance',
    'date_naissance',
    'LIB_NOM_PAT_IND',
  ])('flags « %s »', (header) => {
    const r = resolveHeaders('etudiants', ['id_pseudo', 'annee_univ', header])
    expect(r.identifiers).toHaveLength(1)
    expect(r.identifiers[0]!.header).toBe(header)
    expect(r.identifiers[0]!.reason).toMatch(
      /^Les fichiers d’analyse ne doivent contenir aucune donnée directement identifiante : la colonne « /,
    )
  })

  it.each(['Année de naissance', 'Code commune INSEE', 'Nom composante', 'Libellé étape', 'Commune', 'Sexe', 'Code postal'])(
    'does not flag « %s »',
    (header) => {
      expect(identifierReasonForHeader(header)).toBeNull()
    },
  )

  it('explains what to do', () => {
    expect(identifierReasonForHeader('email')).toMatch(/import « contacts »/)
    expect(identifierReasonForHeader('Numéro étudiant')).toMatch(/scripts\/pseudonymise\.ts/)
    expect(identifierReasonForHeader('Date de naissance')).toMatch(/année de naissance/)
  })

  it('does not flag contact columns in the contacts kind', () => {
    const r = resolveHeaders('contacts', [
      'id_pseudo',
      'Prénom',
      'Email',
      'Téléphone',
      'Date du consentement',
      'Source du consentement',
      'Nom',
    ])
    expect(r.identifiers).toEqual([])
    expect(r.unknown).toEqual(['Nom'])
  })
})

describe('direct identifiers by value', () => {
  const headers = ['id_pseudo', 'Commentaire', 'Contact', 'Référence', 'Numéro', 'Code']
  const sample = [
    [PSEUDO.a, 'RAS', 'ines@example.fr', '1234567404G', '06 12 34 56 78', '185057800608491'],
    [PSEUDO.b, 'absent', 'luc@example.fr', '2234567404H', '07 12 34 56 78', ''],
    [PSEUDO.c, '', '', '', '', ''],
  ]

  it('flags e-mails, phones, INE and NIR without quoting values', () => {
    const findings = detectIdentifierValues(sample, headers, { kind: 'etudiants' })
    expect(findings.map((f) => [f.header, f.index])).toEqual([
      ['Contact', 2],
      ['Référence', 3],
      ['Numéro', 4],
      ['Code', 5],
    ])
    expect(findings[0]!.reason).toBe(
      'Les fichiers d’analyse ne doivent contenir aucune donnée directement identifiante : la colonne « Contact » ressemble à des adresses e-mail. ' +
        'Retirez-la ; les coordonnées passent uniquement par l’import « contacts », pour les seuls étudiants qui ont consenti à être contactés.',
    )
    expect(findings.map((f) => f.reason).join(' ')).not.toMatch(/ines@|1234567404G|06 12/)
  })

  it('flags raw student numbers and non-hash ids in the id column, in every kind', () => {
    const raw = detectIdentifierValues([['21904567'], ['21904568']], ['id_pseudo'], { kind: 'contacts' })
    expect(raw).toHaveLength(1)
    expect(raw[0]!.reason).toMatch(/numéros étudiants en clair/)
    expect(raw[0]!.reason).toMatch(/scripts\/pseudonymise\.ts/)
    const names = detectIdentifierValues([['dupont.ines'], ['martin.luc']], ['Identifiant'], {
      kind: 'etudiants',
      resolution: { columns: { id_pseudo: 0 } },
    })
    expect(names[0]!.reason).toMatch(/16 caractères/)
    expect(detectIdentifierValues([[PSEUDO.a], [PSEUDO.b]], ['id_pseudo'], { kind: 'etudiants' })).toEqual([])
  })

  it('leaves contact values alone in the contacts kind', () => {
    expect(detectIdentifierValues(sample, headers, { kind: 'contacts' })).toEqual([])
  })

  it('adds value findings to the blocking problems once per column', () => {
    const r = resolveHeaders('etudiants', ['id_pseudo', 'annee_univ', 'Email'])
    const values = detectIdentifierValues([[PSEUDO.a, '2024/2025', 'a@b.fr']], r.headers, { kind: 'etudiants', resolution: r })
    expect(resolutionProblems(r, values)).toHaveLength(1)
  })
})
