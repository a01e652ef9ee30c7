import { describe, expect, it } from 'vitest'
import { OTHER_LEVEL, designMatrix, fitDesign } from '../../../server/services/scoring/design.ts'
import { expertModelSpec } from '../../../server/services/scoring/expert-model.ts'
import { emptyFacts, type StudentFacts } from '../../../server/services/scoring/features.ts'
import { compileModel } from '../../../server/services/scoring/model.ts'
import { percent, reasonFor } from '../../../server/services/scoring/reasons.ts'
import { bandByRank, bandOfProbability } from '../../../server/services/scoring/bands.ts'

const YEAR = '2026/2027'
const AS_OF = '2026-11-23'
const facts = (patch: Partial<StudentFacts>): StudentFacts => ({ ...emptyFacts(1), ...patch })

/** A student who attended 27 of 30 sessions, then 4 of the last 10, with 3 ABI in TD. */
const drifting = facts({
  attFirstDate: '2026-10-01',
  attExpected: 40,
  attAttended: 31,
  att2wExpected: 5,
  att2wAttended: 1,
  att4wExpected: 10,
  att4wAttended: 4,
  attBeforeExpected: 30,
  attBeforeAttended: 27,
  weeksWithoutAttendance: 1,
  abiCount: 3,
  abiByType: { TD: 3 },
  pedagogicalStatus: 'O',
})

describe('design matrix', () => {
  it('standardises numbers, imputes missing values at the mean with a missing column, one-hots codes', () => {
    const rows = [
      { x: 1, c: 'A' },
      { x: 3, c: 'A' },
      { x: null, c: 'B' },
      { x: 5, c: 'Z' },
    ]
    const columns = fitDesign(
      rows,
      [
        { key: 'x', kind: 'numeric' },
        { key: 'c', kind: 'category' },
      ],
      { minLevelCount: 2, minMissingCount: 1 },
    )
    expect(columns.map((c) => (c.kind === 'level' ? `${c.feature}=${c.level}` : `${c.feature}:${c.kind}`))).toEqual([
      'x:value',
      'x:missing',
      'c=A',
      `c=${OTHER_LEVEL}`,
    ])
    const value = columns[0]!
    expect(value.center).toBe(3)
    expect(value.scale).toBeCloseTo(Math.sqrt(8 / 3), 12)
    const X = designMatrix(columns, rows)
    expect(X[0]).toBeCloseTo(-2 / Math.sqrt(8 / 3), 12)
    expect(X[2 * 4]).toBe(0) // the missing x sits at the mean
    // The missing column: mean 1/4, std √(3/16).
    expect(X[2 * 4 + 1]).toBeCloseTo(0.75 / Math.sqrt(3 / 16), 12)
    // B and Z are rare: pooled in '*'.
    expect(X[2 * 4 + 3]).toBeGreaterThan(0)
    expect(X[3 * 4 + 3]).toBeGreaterThan(0)
    expect(X[0 * 4 + 3]).toBeLessThan(0)
  })
})

describe('the default (expert) model', () => {
  const model = compileModel(expertModelSpec(), YEAR, AS_OF)

  it('says in plain French why a drifting student is flagged, top three reasons first', () => {
    const s = model.score(drifting)
    expect(s.evaluable).toBe(true)
    if (!s.evaluable) {
      return
    }
    expect(s.probability).toBeGreaterThan(0.4)
    expect(s.reasons).toHaveLength(3)
    expect(s.reasons.map((r) => r.text)).toEqual([
      'assiduité de 40\u00a0% sur les 4 dernières semaines',
      'assiduité passée de 90\u00a0% à 40\u00a0% en 4 semaines',
      '3 absences injustifiées en TD depuis le 1er octobre',
    ])
    expect(s.reasons[0]!.contribution).toBeGreaterThanOrEqual(s.reasons[1]!.contribution)
    // Results and ENT are unknown: said, not hidden.
    expect(s.missing).toEqual(['résultats : aucun connu à ce jour', 'activité ENT : aucune donnée'])
    expect(s.coverage).toBeGreaterThan(0)
    expect(s.coverage).toBeLessThan(1)
  })

  it('ranks a drifting student above a steady one', () => {
    const steady = facts({
      ...drifting,
      att2wAttended: 5,
      att4wAttended: 10,
      attAttended: 37,
      abiCount: 0,
      abiByType: {},
      weeksWithoutAttendance: 0,
    })
    const a = model.score(drifting)
    const b = model.score(steady)
    expect(a.evaluable && b.evaluable && a.probability > b.probability).toBe(true)
  })

  it('a student without attendance is "non évaluable" with the reason, never "faible"', () => {
    const s = model.score(facts({ level: 'L1', unitsKnown: 3, unitsFailed: 3 }))
    expect(s.evaluable).toBe(false)
    if (s.evaluable) {
      return
    }
    expect(s.reason).toBe('aucune donnée d’assiduité depuis le 1er septembre 2026')
    expect(s.missing).toContain('assiduité : aucune donnée')
  })
})

describe('reasons wording', () => {
  const ctx = { academicYear: YEAR, asOf: AS_OF, yearStart: '2026-09-01' }
  it.each([
    ['weeks_without_attendance', { weeks_without_attendance: 3 }, {}, 'aucune présence en cours depuis 3 semaines'],
    ['weeks_without_attendance', { weeks_without_attendance: 1 }, {}, 'aucune présence en cours depuis 1 semaine'],
    [
      'unjustified_absences',
      {},
      { abiCount: 5, abiByType: { TD: 3, CM: 2 }, attFirstDate: '2026-09-07' },
      '5 absences injustifiées (dont 3 en TD) depuis le 7 septembre',
    ],
    ['unjustified_absences', {}, { abiCount: 1, abiByType: { '': 1 } }, '1 absence injustifiée depuis le 1er septembre'],
    ['units_failed', { units_failed: 2 }, {}, '2 unités d’enseignement non validées'],
    ['units_missing', { units_missing: 1 }, {}, '1 épreuve manquée (absence ou défaillance)'],
    ['ects_ratio', { ects_ratio: 0.4 }, { ectsEarned: 12, ectsAttempted: 30 }, '12 ECTS obtenus sur 30 tentés'],
    ['mean_grade', { mean_grade: 7.25 }, {}, 'moyenne de 7,3/20'],
    ['weeks_without_lms', { weeks_without_lms: 4 }, {}, 'aucune connexion à l’ENT depuis 4 semaines'],
    ['ia_without_ip', { ia_without_ip: 1 }, {}, 'inscription administrative sans inscription pédagogique'],
    ['grant_at_stake', { grant_at_stake: 1 }, {}, 'boursier avec des absences : le maintien de la bourse est en jeu'],
    ['registration_delay', { registration_delay: 31 }, { registrationDate: '2026-10-02' }, 'inscription tardive (le 2 octobre)'],
    ['regime', { regime: 'FC' }, {}, 'régime d’inscription : formation continue (FC)'],
    ['oui_si', { oui_si: 1 }, {}, 'admission « oui si » sur Parcoursup'],
    ['indicateur_heures_de_soutien', { indicateur_heures_de_soutien: 12.5 }, {}, 'indicateur « heures de soutien » : 12,5'],
  ])('%s → %s', (feature, values, patch, text) => {
    expect(reasonFor(feature, values, facts(patch), ctx)).toBe(text)
  })

  it('percentages use a no-break space', () => {
    expect(percent(0.904)).toBe('90\u00a0%')
  })
})

describe('bands', () => {
  it('thresholds per university, or the top N the Missions Locales can receive', () => {
    expect(bandOfProbability(0.5, { high: 0.4, medium: 0.2 })).toBe('eleve')
    expect(bandOfProbability(0.2, { high: 0.4, medium: 0.2 })).toBe('moyen')
    expect(bandOfProbability(0.19, { high: 0.4, medium: 0.2 })).toBe('faible')
    expect([1, 50, 51, 100, 101].map((r) => bandByRank(r, 50))).toEqual(['eleve', 'eleve', 'moyen', 'moyen', 'faible'])
  })
})
