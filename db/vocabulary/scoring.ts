/** The vocabulary of dropout-risk scoring (docs/scoring.md). */
/**
 * Bands: what staff read first. Either probability thresholds chosen by the university, or "the
 * top N": as many students as the Missions Locales can receive are `eleve`, the next N `moyen`.
 * A student the model cannot score is `non_evaluable`, never `faible`
 * (docs/principles.md#the-score-prioritises-a-human-decision).
 */
export const BANDS = ['eleve', 'moyen', 'faible', 'non_evaluable'] as const

export type Band = (typeof BANDS)[number]

/** Where a feature's data comes from: one import kind each (docs/imports.md). */
export const DATA_SOURCES = ['etudiants', 'assiduite', 'resultats', 'activite_ent'] as const

export type DataSource = (typeof DATA_SOURCES)[number]
