/**
 * Reference tables of the demo cohort: URCA components, programmes and campuses, home communes
 * (the Marne from db/seed-data/communes-marne.csv, plus a few real towns of the Aisne, the Ardennes
 * and the Aube), first names and surnames, and calendar helpers on UTC day numbers.
 *
 * Everything here is fiction built on real public structure: URCA sites from domain-fr.md §2.4,
 * Apogée-style codes from §3.1, INSEE codes checked against @etalab/decoupage-administratif.
 */
import { readFileSync } from 'node:fs'
import { getISOWeek, getISOWeekYear } from 'date-fns'

// ---------------------------------------------------------------------------------------------
// Calendar (UTC day numbers: days since 1970-01-01, never a local-time Date)
// ---------------------------------------------------------------------------------------------

export function day(y: number, m: number, d: number): number {
  return Date.UTC(y, m - 1, d) / 86_400_000
}

const pad2 = (n: number): string => (n < 10 ? `0${n}` : String(n))

function parts(dayNumber: number): [number, number, number] {
  const date = new Date(dayNumber * 86_400_000)
  return [date.getUTCFullYear(), date.getUTCMonth() + 1, date.getUTCDate()]
}

/** `dd/mm/yyyy`, as Apogée and French Excel write dates. */
export function frDate(dayNumber: number): string {
  const [y, m, d] = parts(dayNumber)
  return `${pad2(d)}/${pad2(m)}/${y}`
}

/** `yyyy-mm-dd`. */
export function isoDate(dayNumber: number): string {
  const [y, m, d] = parts(dayNumber)
  return `${y}-${pad2(m)}-${pad2(d)}`
}

/** 0 = Monday … 6 = Sunday. */
export function weekday(dayNumber: number): number {
  // 1970-01-01 was a Thursday.
  return (((dayNumber + 3) % 7) + 7) % 7
}

/** ISO week label `2026-W37` of a day (date-fns, on the local calendar date: the same in every time zone). */
export function isoWeekLabel(monday: number): string {
  const [y, m, d] = parts(monday)
  const date = new Date(y, m - 1, d)
  return `${getISOWeekYear(date)}-W${pad2(getISOWeek(date))}`
}

// ---------------------------------------------------------------------------------------------
// Components, programmes, campuses
// ---------------------------------------------------------------------------------------------

export const CAMPUS = {
  croixRouge: 'Reims Croix-Rouge',
  moulin: 'Reims Moulin de la Housse',
  chalons: 'Châlons-en-Champagne',
} as const
export type Campus = (typeof CAMPUS)[keyof typeof CAMPUS]

/** INSEE code of the town each campus is in. */
export const CAMPUS_TOWN: Record<Campus, string> = {
  [CAMPUS.croixRouge]: '51454',
  [CAMPUS.moulin]: '51454',
  [CAMPUS.chalons]: '51108',
}

export const UFR = {
  droit: 'UFR Droit et science politique',
  lettres: 'UFR Lettres et sciences humaines',
  sciences: 'UFR Sciences exactes et naturelles',
  staps: 'UFR STAPS',
  eco: 'UFR Sciences économiques, sociales et de gestion',
  iut: 'IUT de Reims-Châlons-Charleville',
} as const

export type ProgrammeKind = 'licence' | 'master' | 'but'
/** How classes are organised, for the weekly timetable of the attendance file. */
export type TeachingStyle = 'cours' | 'sciences' | 'staps' | 'but'

export interface Programme {
  kind: ProgrammeKind
  /** Part of the Apogée step code (`L1DROI`, `M1DRAF`, `BUT1GEA`). */
  key: string
  /** Three letters of the course-unit codes (`7DRT101`). */
  elp: string
  /** French name of the discipline, for the step label. */
  name: string
  faculty: string
  campus: Campus
  style: TeachingStyle
  /** Relative size among programmes of the same kind. */
  weight: number
  /** Extra L1 risk where first-semester dropout is known to be frequent (law, STAPS: domain-fr.md §2.4). */
  firstYearRisk: number
  /** For a master: the licence whose L3 feeds its M1. */
  feeder?: string
}

// prettier-ignore
export const PROGRAMMES: readonly Programme[] = [
  // Licences
  { kind: 'licence', key: 'DROI', elp: 'DRT', name: 'Droit', faculty: UFR.droit, campus: CAMPUS.croixRouge, style: 'cours', weight: 20, firstYearRisk: 0.3 },
  { kind: 'licence', key: 'HIST', elp: 'HIS', name: 'Histoire', faculty: UFR.lettres, campus: CAMPUS.croixRouge, style: 'cours', weight: 7, firstYearRisk: 0.1 },
  { kind: 'licence', key: 'PSYC', elp: 'PSY', name: 'Psychologie', faculty: UFR.lettres, campus: CAMPUS.croixRouge, style: 'cours', weight: 11, firstYearRisk: 0.15 },
  { kind: 'licence', key: 'LEA', elp: 'LEA', name: 'Langues étrangères appliquées', faculty: UFR.lettres, campus: CAMPUS.croixRouge, style: 'cours', weight: 5, firstYearRisk: 0.1 },
  { kind: 'licence', key: 'LETM', elp: 'LET', name: 'Lettres modernes', faculty: UFR.lettres, campus: CAMPUS.croixRouge, style: 'cours', weight: 3, firstYearRisk: 0.1 },
  { kind: 'licence', key: 'GEOG', elp: 'GEO', name: 'Géographie et aménagement', faculty: UFR.lettres, campus: CAMPUS.croixRouge, style: 'cours', weight: 3, firstYearRisk: 0.05 },
  { kind: 'licence', key: 'BIOL', elp: 'BIO', name: 'Sciences de la vie', faculty: UFR.sciences, campus: CAMPUS.moulin, style: 'sciences', weight: 9, firstYearRisk: 0.05 },
  { kind: 'licence', key: 'INFO', elp: 'INF', name: 'Informatique', faculty: UFR.sciences, campus: CAMPUS.moulin, style: 'sciences', weight: 6, firstYearRisk: 0.1 },
  { kind: 'licence', key: 'MATH', elp: 'MAT', name: 'Mathématiques', faculty: UFR.sciences, campus: CAMPUS.moulin, style: 'sciences', weight: 3, firstYearRisk: 0.05 },
  { kind: 'licence', key: 'CHIM', elp: 'CHI', name: 'Chimie', faculty: UFR.sciences, campus: CAMPUS.moulin, style: 'sciences', weight: 3, firstYearRisk: 0.05 },
  { kind: 'licence', key: 'STAP', elp: 'STA', name: 'STAPS', faculty: UFR.staps, campus: CAMPUS.moulin, style: 'staps', weight: 10, firstYearRisk: 0.35 },
  { kind: 'licence', key: 'ECOG', elp: 'ECO', name: 'Économie et gestion', faculty: UFR.eco, campus: CAMPUS.croixRouge, style: 'cours', weight: 8, firstYearRisk: 0.1 },
  { kind: 'licence', key: 'AES', elp: 'AES', name: 'Administration économique et sociale', faculty: UFR.eco, campus: CAMPUS.croixRouge, style: 'cours', weight: 6, firstYearRisk: 0.2 },
  // Masters
  { kind: 'master', key: 'DRAF', elp: 'DAF', name: 'Droit des affaires', faculty: UFR.droit, campus: CAMPUS.croixRouge, style: 'cours', weight: 5, firstYearRisk: 0, feeder: 'DROI' },
  { kind: 'master', key: 'PSCL', elp: 'PCL', name: 'Psychologie clinique', faculty: UFR.lettres, campus: CAMPUS.croixRouge, style: 'cours', weight: 3, firstYearRisk: 0, feeder: 'PSYC' },
  { kind: 'master', key: 'HCPA', elp: 'HCP', name: 'Histoire, civilisations, patrimoine', faculty: UFR.lettres, campus: CAMPUS.croixRouge, style: 'cours', weight: 2, firstYearRisk: 0, feeder: 'HIST' },
  { kind: 'master', key: 'BISA', elp: 'BSA', name: 'Biologie santé', faculty: UFR.sciences, campus: CAMPUS.moulin, style: 'sciences', weight: 3, firstYearRisk: 0, feeder: 'BIOL' },
  { kind: 'master', key: 'INFO', elp: 'MIN', name: 'Informatique', faculty: UFR.sciences, campus: CAMPUS.moulin, style: 'sciences', weight: 3, firstYearRisk: 0, feeder: 'INFO' },
  { kind: 'master', key: 'ECAP', elp: 'ECA', name: 'Économie appliquée', faculty: UFR.eco, campus: CAMPUS.croixRouge, style: 'cours', weight: 3, firstYearRisk: 0, feeder: 'ECOG' },
  { kind: 'master', key: 'EOPS', elp: 'EOP', name: 'STAPS : entraînement et optimisation de la performance sportive', faculty: UFR.staps, campus: CAMPUS.moulin, style: 'staps', weight: 2, firstYearRisk: 0, feeder: 'STAP' },
  // Bachelors of technology (IUT)
  { kind: 'but', key: 'GEA', elp: 'GEA', name: 'Gestion des entreprises et des administrations', faculty: UFR.iut, campus: CAMPUS.moulin, style: 'but', weight: 6, firstYearRisk: 0.05 },
  { kind: 'but', key: 'TC', elp: 'TCO', name: 'Techniques de commercialisation', faculty: UFR.iut, campus: CAMPUS.moulin, style: 'but', weight: 5, firstYearRisk: 0.1 },
  { kind: 'but', key: 'GIM', elp: 'GIM', name: 'Génie industriel et maintenance', faculty: UFR.iut, campus: CAMPUS.chalons, style: 'but', weight: 3, firstYearRisk: 0.1 },
  { kind: 'but', key: 'RT', elp: 'RTE', name: 'Réseaux et télécommunications', faculty: UFR.iut, campus: CAMPUS.chalons, style: 'but', weight: 3, firstYearRisk: 0.1 },
  { kind: 'but', key: 'CS', elp: 'CSO', name: 'Carrières sociales', faculty: UFR.iut, campus: CAMPUS.chalons, style: 'but', weight: 3, firstYearRisk: 0.05 },
]

export type Level = 'L1' | 'L2' | 'L3' | 'M1' | 'M2' | 'BUT1' | 'BUT2'

/** Share of each level in the current cohort. */
export const LEVEL_SHARES: readonly { level: Level; share: number }[] = [
  { level: 'L1', share: 0.45 },
  { level: 'L2', share: 0.17 },
  { level: 'L3', share: 0.13 },
  { level: 'M1', share: 0.07 },
  { level: 'M2', share: 0.06 },
  { level: 'BUT1', share: 0.07 },
  { level: 'BUT2', share: 0.05 },
]

export function kindOfLevel(level: Level): ProgrammeKind {
  return level.startsWith('BUT') ? 'but' : level.startsWith('M') ? 'master' : 'licence'
}

/** 1, 2 or 3: the year within the programme. */
export function yearOfLevel(level: Level): number {
  return Number(level.slice(-1))
}

export function stepCode(p: Programme, level: Level): string {
  return `${level}${p.key}`
}

export function stepLabel(p: Programme, level: Level): string {
  const n = yearOfLevel(level)
  switch (p.kind) {
    case 'licence':
      return `Licence ${n} ${p.name}`
    case 'master':
      return `Master ${n} ${p.name}`
    case 'but':
      return `BUT ${n} ${p.name}`
  }
}

/** First semester of a level (L1 → 1, L2 → 3, M2 → 3, BUT2 → 3). */
export function firstSemester(level: Level): number {
  return 2 * yearOfLevel(level) - 1
}

/** Apogée course-unit code: `7` + subject + semester + unit number (`7DRT101`). */
export function elpCode(p: Programme, semester: number, unit: number): string {
  return `7${p.elp}${semester}${pad2(unit)}`
}

/** Usual birth year of a student of this level in the academic year starting in `startYear`. */
export function usualBirthYear(level: Level, startYear: number): number {
  const offset: Record<Level, number> = { L1: 18, L2: 19, L3: 20, M1: 21, M2: 22, BUT1: 18, BUT2: 19 }
  return startYear - offset[level]
}

// ---------------------------------------------------------------------------------------------
// Home communes
// ---------------------------------------------------------------------------------------------

export type MissionLocale = 'reims' | 'epernay' | 'chalons' | ''

export interface Commune {
  insee: string
  name: string
  postcode: string
  population: number
  rural: boolean
  missionLocale: MissionLocale
  /** 2 for the Marne, otherwise the département. */
  departement: string
  /** Rough road distance class to Reims: 0 in town, 1 near, 2 medium (~25–50 km), 3 far. */
  distanceToReims: number
  /** Same, to Châlons-en-Champagne. */
  distanceToChalons: number
}

const COMMUNES_CSV = new URL('../../db/seed-data/communes-marne.csv', import.meta.url)

/** The Marne's communes from the seed file (read once). */
export function loadMarneCommunes(): Commune[] {
  const lines = readFileSync(COMMUNES_CSV, 'utf8')
    .split(/\r?\n/)
    .filter((l) => l.trim() !== '')
  const header = lines[0]!.split(';')
  const at = (name: string): number => {
    const i = header.indexOf(name)
    if (i === -1) {
      throw new Error(`communes-marne.csv: column ${name} not found`)
    }
    return i
  }
  const iInsee = at('insee_code')
  const iName = at('name')
  const iPostcodes = at('postcodes')
  const iPopulation = at('population')
  const iRural = at('rural')
  const iMl = at('mission_locale')
  return lines.slice(1).map((line) => {
    const f = line.split(';')
    const insee = f[iInsee]!
    const ml = (f[iMl] ?? '') as MissionLocale
    const population = Number(f[iPopulation] ?? 0)
    const rural = f[iRural] === 'true'
    return {
      insee,
      name: f[iName]!,
      postcode: (f[iPostcodes] ?? '').split('|')[0] ?? '',
      population: Number.isFinite(population) ? population : 0,
      rural,
      missionLocale: ml,
      departement: '51',
      distanceToReims: insee === '51454' ? 0 : ml === 'reims' ? 1 : ml === 'epernay' || ml === 'chalons' ? 2 : 3,
      distanceToChalons: insee === '51108' ? 0 : ml === 'chalons' ? 1 : ml === 'reims' || ml === 'epernay' ? 2 : 3,
    }
  })
}

/** Real towns of the neighbouring départements where URCA students come from (INSEE COG 2026). */
// prettier-ignore
export const OUTSIDE_MARNE: readonly (Commune & { weight: number })[] = [
  { insee: '02722', name: 'Soissons', postcode: '02200', population: 28046, departement: '02', weight: 14, distanceToReims: 3, distanceToChalons: 3 },
  { insee: '02408', name: 'Laon', postcode: '02000', population: 24220, departement: '02', weight: 12, distanceToReims: 3, distanceToChalons: 3 },
  { insee: '02691', name: 'Saint-Quentin', postcode: '02100', population: 52813, departement: '02', weight: 8, distanceToReims: 3, distanceToChalons: 3 },
  { insee: '02168', name: 'Château-Thierry', postcode: '02400', population: 15097, departement: '02', weight: 8, distanceToReims: 3, distanceToChalons: 3 },
  { insee: '08105', name: 'Charleville-Mézières', postcode: '08000', population: 45560, departement: '08', weight: 18, distanceToReims: 3, distanceToChalons: 3 },
  { insee: '08362', name: 'Rethel', postcode: '08300', population: 7444, departement: '08', weight: 12, distanceToReims: 2, distanceToChalons: 3 },
  { insee: '08409', name: 'Sedan', postcode: '08200', population: 16667, departement: '08', weight: 8, distanceToReims: 3, distanceToChalons: 3 },
  { insee: '08490', name: 'Vouziers', postcode: '08400', population: 3825, departement: '08', weight: 4, distanceToReims: 3, distanceToChalons: 3 },
  { insee: '10387', name: 'Troyes', postcode: '10000', population: 62088, departement: '10', weight: 10, distanceToReims: 3, distanceToChalons: 3 },
  { insee: '10323', name: 'Romilly-sur-Seine', postcode: '10100', population: 14959, departement: '10', weight: 6, distanceToReims: 3, distanceToChalons: 3 },
].map((c) => ({ ...c, rural: c.population < 2000, missionLocale: '' as const }))

// ---------------------------------------------------------------------------------------------
// Names (contacts file only)
// ---------------------------------------------------------------------------------------------

/** First names common among people born in France around 2000–2008. */
// prettier-ignore
export const FIRST_NAMES: readonly string[] = [
  'Emma', 'Léa', 'Chloé', 'Manon', 'Camille', 'Inès', 'Sarah', 'Jade', 'Lola', 'Océane', 'Clara', 'Marie', 'Mathilde', 'Lucie',
  'Laura', 'Anaïs', 'Juliette', 'Zoé', 'Louise', 'Lina', 'Maëlle', 'Maëva', 'Léna', 'Eva', 'Elisa', 'Margaux', 'Pauline',
  'Julie', 'Justine', 'Célia', 'Yasmine', 'Amel', 'Salomé', 'Romane', 'Noémie', 'Alicia', 'Élise', 'Charlotte', 'Ambre',
  'Héloïse', 'Nour', 'Aya', 'Ophélie', 'Agathe', 'Lilou', 'Maélys', 'Sofia', 'Assia', 'Marine', 'Capucine',
  'Lucas', 'Hugo', 'Thomas', 'Théo', 'Nathan', 'Enzo', 'Louis', 'Mathis', 'Maxime', 'Clément', 'Antoine', 'Alexandre',
  'Quentin', 'Baptiste', 'Romain', 'Yanis', 'Rayan', 'Mehdi', 'Adam', 'Noah', 'Kylian', 'Axel', 'Tom', 'Paul', 'Valentin',
  'Julien', 'Killian', 'Dylan', 'Florian', 'Corentin', 'Ethan', 'Evan', 'Léo', 'Arthur', 'Jules', 'Gabriel', 'Mohamed',
  'Bilal', 'Ilyès', 'Samuel', 'Matéo', 'Victor', 'Bastien', 'Jérémy', 'Anthony', 'Sacha', 'Loïc', 'Amine', 'Esteban', 'Noé',
]

// prettier-ignore
export const SURNAMES: readonly string[] = [
  'Martin', 'Bernard', 'Dubois', 'Thomas', 'Robert', 'Richard', 'Petit', 'Durand', 'Leroy', 'Moreau', 'Simon', 'Laurent',
  'Lefebvre', 'Michel', 'Garcia', 'David', 'Bertrand', 'Roux', 'Vincent', 'Fournier', 'Morel', 'Girard', 'André', 'Lefèvre',
  'Mercier', 'Dupont', 'Lambert', 'Bonnet', 'François', 'Martinez', 'Legrand', 'Garnier', 'Faure', 'Rousseau', 'Blanc',
  'Guérin', 'Muller', 'Henry', 'Roussel', 'Nicolas', 'Perrin', 'Morin', 'Mathieu', 'Clément', 'Gauthier', 'Dumont', 'Lopez',
  'Fontaine', 'Chevalier', 'Robin', 'Masson', 'Sanchez', 'Gérard', 'Nguyen', 'Boyer', 'Denis', 'Lemaire', 'Duval', 'Joly',
  'Gautier', 'Roger', 'Roche', 'Roy', 'Noël', 'Meyer', 'Lucas', 'Meunier', 'Jean', 'Perez', 'Marchand', 'Dufour',
  'Blanchard', 'Barbier', 'Brun', 'Dumas', 'Brunet', 'Schmitt', 'Leroux', 'Colin', 'Fernandez', 'Renard', 'Arnaud',
  'Rolland', 'Caron', 'Aubert', 'Giraud', 'Leclerc', 'Vidal', 'Bourgeois', 'Renaud', 'Lemoine', 'Picard', 'Gaillard',
  'Philippe', 'Leclercq', 'Lacroix', 'Fabre', 'Dupuis', 'Olivier', 'Da Silva', 'Hubert', 'Louis', 'Charles', 'Guillot',
  'Rivière', 'Le Gall', 'Adam', 'Moulin', 'Berger', 'Lecomte', 'Ménard', 'Fleury', 'Deschamps', 'Carpentier', 'Benoît',
  'Maillard', 'Marchal', 'Aubry', 'Vasseur', 'Jacquet', 'Collet', 'Prévost', 'Poirier', 'Charpentier', 'Huet', 'Baron',
  'Benali', 'Haddad', 'Diallo', 'Traoré', 'Mansouri', 'Bouzid', 'Belkacem', 'Kaya', 'Pereira', 'Ferreira', "N'Diaye",
  'Hennequin', 'Lallement', 'Pierrard', 'Thiébaut', 'Collard', 'Jacquemin', 'Gobert', 'Warnier', 'Hanotaux', 'Jacquesson',
]

/** `Le Gall` → `legall`, `N'Diaye` → `ndiaye`, `Maëlle` → `maelle`: the local part of a university address. */
export function mailPart(name: string): string {
  return name
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z-]/g, '')
}
