/**
 * The reasons shown with a score, in plain French
 * (docs/principles.md#the-score-prioritises-a-human-decision): each sentence says what the data
 * shows about this student, never a coefficient. A reason is worded from the feature that pushed the
 * score up and the student's own figures.
 */
import { frenchDate } from './calendar.ts'
import { featureDef, INDICATOR_PREFIX, type DataSource, type FeatureVector, type StudentFacts } from './features.ts'

export type ReasonContext = { academicYear: string; asOf: string; yearStart: string }

const NBSP = '\u00a0'

/** 0.4 → `40 %` (a no-break space before the sign, as French typography wants). */
export function percent(share: number): string {
  return `${Math.round(share * 100)}${NBSP}%`
}

/** 7.25 → `7,3`; 12 → `12`. */
export function frenchNumber(x: number, decimals = 1): string {
  const r = Math.round(x * 10 ** decimals) / 10 ** decimals
  return String(r).replace('.', ',')
}

const plural = (n: number, one: string, many: string) => `${n} ${n > 1 ? many : one}`

const REGIMES: Record<string, string> = {
  FI: 'formation initiale',
  FC: 'formation continue',
  FA: 'apprentissage',
  ALT: 'alternance',
}

function abiWording(f: StudentFacts, since: string): string {
  const n = f.abiCount
  const head = `${plural(n, 'absence injustifiée', 'absences injustifiées')}`
  const types = Object.entries(f.abiByType).filter(([t, c]) => t !== '' && c > 0)
  let where = ''
  if (types.length === 1 && types[0]![1] === n) {
    where = ` en ${types[0]![0]}`
  } else {
    const main = types.sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))[0]
    if (main && main[1] < n) {
      where = ` (dont ${main[1]} en ${main[0]})`
    }
  }
  return `${head}${where} depuis le ${frenchDate(since)}`
}

/** The sentence for a feature whose *value* raised the score. */
export function reasonFor(feature: string, v: FeatureVector, f: StudentFacts, ctx: ReasonContext): string {
  const num = (k: string): number => (typeof v[k] === 'number' ? v[k] : 0)
  switch (feature) {
    case 'attendance_change_4w': {
      const before = f.attBeforeExpected > 0 ? f.attBeforeAttended / f.attBeforeExpected : 0
      const now = f.att4wExpected > 0 ? f.att4wAttended / f.att4wExpected : 0
      return `assiduité passée de ${percent(before)} à ${percent(now)} en 4 semaines`
    }
    case 'attendance_rate_4w':
      return `assiduité de ${percent(num(feature))} sur les 4 dernières semaines`
    case 'attendance_rate_2w':
      return `assiduité de ${percent(num(feature))} sur les 2 dernières semaines`
    case 'weeks_without_attendance':
      return `aucune présence en cours depuis ${plural(num(feature), 'semaine', 'semaines')}`
    case 'unjustified_absences':
      return abiWording(f, f.attFirstDate ?? ctx.yearStart)
    case 'def_dem':
      return `${plural(num(feature), 'unité d’enseignement', 'unités d’enseignement')} en défaillance ou démission (DEF, DEM)`
    case 'units_failed':
      return `${plural(num(feature), 'unité d’enseignement non validée', 'unités d’enseignement non validées')}`
    case 'units_missing':
      return `${plural(num(feature), 'épreuve manquée', 'épreuves manquées')} (absence ou défaillance)`
    case 'ects_ratio':
      return `${frenchNumber(f.ectsEarned)} ECTS obtenus sur ${frenchNumber(f.ectsAttempted)} tentés`
    case 'mean_grade':
      return `moyenne de ${frenchNumber(num(feature))}/20`
    case 'weeks_without_lms':
      return `aucune connexion à l’ENT depuis ${plural(num(feature), 'semaine', 'semaines')}`
    case 'ia_without_ip':
      return 'inscription administrative sans inscription pédagogique'
    case 'grant_at_stake':
      return 'boursier avec des absences : le maintien de la bourse est en jeu'
    case 'registration_delay':
      return f.registrationDate ? `inscription tardive (le ${frenchDate(f.registrationDate)})` : 'inscription tardive'
    case 'age':
      return `${num(feature)} ans à la rentrée`
    case 'regime': {
      const code = String(v[feature] ?? '')
      return `régime d’inscription : ${REGIMES[code] ? `${REGIMES[code]} (${code})` : code || 'non renseigné'}`
    }
    case 'oui_si':
      return 'admission « oui si » sur Parcoursup'
    case 'level':
      return v[feature] ? `inscrit en ${String(v[feature])}` : 'niveau d’études non renseigné'
    case 'step':
      return v[feature] ? `inscrit en formation ${String(v[feature])}` : 'formation non renseignée'
    default:
      if (feature.startsWith(INDICATOR_PREFIX)) {
        const name = feature.slice(INDICATOR_PREFIX.length).replace(/_/g, ' ')
        return `indicateur « ${name} » : ${typeof v[feature] === 'number' ? frenchNumber(v[feature]) : 'non renseigné'}`
      }
      return featureDef(feature).label
  }
}

/** The sentence for a feature whose *absence* raised the score. */
export function missingReasonFor(feature: string): string {
  switch (featureDef(feature).source) {
    case 'assiduite':
      return 'pas de donnée d’assiduité récente'
    case 'resultats':
      return 'aucun résultat d’examen connu à ce jour'
    case 'activite_ent':
      return 'aucune activité sur l’ENT transmise'
    case 'etudiants':
      return `donnée non renseignée : ${featureDef(feature).label.toLowerCase()}`
  }
}

/** Why a student cannot be scored: the data the model needs and that is missing. */
export function nonEvaluableReason(source: DataSource, ctx: ReasonContext): string {
  switch (source) {
    case 'assiduite':
      return `aucune donnée d’assiduité depuis le ${frenchDate(ctx.yearStart, true)}`
    case 'resultats':
      return `aucun résultat d’examen connu pour ${ctx.academicYear}`
    case 'activite_ent':
      return `aucune activité sur l’ENT transmise depuis le ${frenchDate(ctx.yearStart, true)}`
    case 'etudiants':
      return `pas d’inscription connue pour ${ctx.academicYear}`
  }
}

/** How a missing source is listed beside every score (never hidden). */
export function missingSourceText(source: DataSource): string {
  switch (source) {
    case 'assiduite':
      return 'assiduité : aucune donnée'
    case 'resultats':
      return 'résultats : aucun connu à ce jour'
    case 'activite_ent':
      return 'activité ENT : aucune donnée'
    case 'etudiants':
      return 'inscription : aucune donnée'
  }
}
