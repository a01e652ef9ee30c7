export const BAND_LABELS: Record<Band, string> = {
  eleve: 'élevé',
  moyen: 'moyen',
  faible: 'faible',
  non_evaluable: 'non évaluable',
}

export const DEFAULT_BAND_SETTINGS: BandSettings = { mode: 'thresholds', high: 0.4, medium: 0.2 }

export function validBandSettings(s: BandSettings): boolean {
  if (s.mode === 'thresholds') {
    return s.medium > 0 && s.medium < s.high && s.high < 1
  }
  return Number.isInteger(s.topN) && s.topN > 0
}

/** The band of one probability under thresholds (top-N bands need the whole cohort: `bandByRank`). */
import { BANDS, type Band } from '../../../db/vocabulary/index.ts'
import type { BandSettings } from '../../../db/schema/scoring-types.ts'

export { BANDS, type Band, type BandSettings }
export function bandOfProbability(p: number, s: { high: number; medium: number }): Band {
  return p >= s.high ? 'eleve' : p >= s.medium ? 'moyen' : 'faible'
}

/** The band of the student ranked `rank` (1 = highest probability) under "top N". */
export function bandByRank(rank: number, topN: number): Band {
  return rank <= topN ? 'eleve' : rank <= 2 * topN ? 'moyen' : 'faible'
}
