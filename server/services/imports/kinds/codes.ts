/**
 * Accepted spellings of the free-form codes of university files (levels, sessions, grant levels,
 * regimes, session types), mapped to the value stored. The Apogée code tables shared with the
 * database live in db/vocabulary.
 */

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

export function niveauEntries(): Record<string, string> {
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

export const SESSION_ENTRIES: Record<string, number> = {
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

export const ECHELON_ENTRIES: Record<string, string> = { '0bis': '0bis', '0 bis': '0bis', 'échelon 0 bis': '0bis', '0b': '0bis' }
for (let i = 0; i <= 7; i++) {
  ECHELON_ENTRIES[String(i)] = String(i)
  ECHELON_ENTRIES[`échelon ${i}`] = String(i)
  ECHELON_ENTRIES[`ech ${i}`] = String(i)
}

export const REGIME_ENTRIES: Record<string, string> = {
  'formation initiale': 'FI',
  'formation continue': 'FC',
  apprentissage: 'FA',
  apprenti: 'FA',
  alternance: 'ALT',
  'contrat de professionnalisation': 'CP',
  'contrat pro': 'CP',
  vae: 'VAE',
}

export const SEANCE_ENTRIES: Record<string, string> = {
  'cours magistral': 'CM',
  'travaux dirigés': 'TD',
  'travaux pratiques': 'TP',
  examen: 'EXAM',
  exam: 'EXAM',
  partiel: 'EXAM',
  'contrôle continu': 'CC',
  'cours intégré': 'CI',
}
