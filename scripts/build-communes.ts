/**
 * Builds db/seed-data/communes-marne.csv: every current commune of the Marne (51) with its EPCI,
 * population, a rural flag and the partner Mission Locale inferred from the EPCI.
 *
 * Source: the npm package @etalab/decoupage-administratif (INSEE COG, DGCL EPCI composition,
 * INSEE legal populations, La Poste postcodes; data under Licence Ouverte). See db/seed-data/README.md.
 *
 * Usage: npx tsx scripts/build-communes.ts
 *
 * The Mission Locale mapping is an inference from docs/domain.md#the-three-territories: the exact
 * commune lists of the three Missions Locales are unconfirmed (docs/domain.md#open-questions items 1-2,
 * docs/domain.md#limits-of-the-epci-mapping), so every mapped row
 * is `inferred`, never `confirmed`.
 */
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'

type MissionLocale = 'reims' | 'epernay' | 'chalons'
type MappingStatus = 'inferred' | 'none'

interface Commune {
  code: string
  nom: string
  type: string
  departement?: string
  codesPostaux?: string[]
  population?: number
}

interface EpciMember {
  code: string
  nom: string
}

interface Epci {
  code: string
  nom: string
  membres: EpciMember[]
}

interface Mapping {
  missionLocale: MissionLocale | null
  note: string
}

const DEPARTEMENT = '51'
const GRAND_REIMS = '200067213'

/**
 * INSEE's historic definition: a commune is rural when its main built-up area has fewer than
 * 2,000 inhabitants. We only have the municipal population of the whole commune, so `rural` here is
 * an approximation (INSEE has used the density grid since 2020).
 */
const RURAL_THRESHOLD = 2_000

/** EPCI SIREN → partner Mission Locale, following docs/domain.md#the-three-territories. Names are for messages only. */
const EPCI_MAPPING: Record<string, { expectedName: string } & Mapping> = {
  [GRAND_REIMS]: {
    expectedName: 'CU du Grand Reims',
    missionLocale: 'reims',
    note: 'Grand Reims outside former Reims Métropole: ML Reims or Nord Marnais, to confirm',
  },
  '200067684': {
    expectedName: 'CA Épernay, Coteaux et Plaine de Champagne',
    missionLocale: 'epernay',
    note: 'Épernay Agglo: ML Épernay Brie et Champagne, list to confirm',
  },
  '245100615': {
    expectedName: 'CC de la Grande Vallée de la Marne',
    missionLocale: 'epernay',
    note: 'Aÿ area: ML Épernay Brie et Champagne, list to confirm',
  },
  '200066850': {
    expectedName: 'CC des Paysages de la Champagne',
    missionLocale: 'epernay',
    note: 'Dormans area: ML Épernay Brie et Champagne, list to confirm',
  },
  '245100888': {
    expectedName: 'CC de la Brie Champenoise',
    missionLocale: 'epernay',
    note: 'Montmirail area: ML Épernay Brie et Champagne, list to confirm',
  },
  '200066835': {
    expectedName: 'CC de Sézanne-Sud Ouest Marnais',
    missionLocale: 'epernay',
    note: 'Sézanne area: ML Épernay Brie et Champagne, list to confirm',
  },
  '245100979': {
    expectedName: 'CC du Sud Marnais',
    missionLocale: 'epernay',
    note: 'Fère-Champenoise area: unconfirmed',
  },
  '200066876': {
    expectedName: 'CA de Châlons-en-Champagne',
    missionLocale: 'chalons',
    note: 'Châlons Agglo: ML arrondissement de Châlons, list to confirm',
  },
  '200043438': {
    expectedName: 'CC de la Moivre à la Coole',
    missionLocale: 'chalons',
    note: 'Moivre à la Coole: ML arrondissement de Châlons, list to confirm',
  },
  '200042620': {
    expectedName: 'CC de la Région de Suippes',
    missionLocale: 'chalons',
    note: 'Suippes area: ML arrondissement de Châlons, list to confirm',
  },
  '200042703': {
    expectedName: "CC de l'Argonne Champenoise",
    missionLocale: null,
    note: 'Sainte-Menehould area: ML Châlons unconfirmed',
  },
  '200034718': {
    expectedName: 'CC de Vitry, Champagne et Der',
    missionLocale: null,
    note: 'ML Vitry-le-François (not a partner)',
  },
  '200067379': {
    expectedName: 'CC Côtes de Champagne et Val de Saulx',
    missionLocale: null,
    note: 'ML Vitry-le-François (not a partner)',
  },
  '200042992': {
    expectedName: 'CC Perthois-Bocage et Der',
    missionLocale: null,
    note: 'ML Vitry-le-François (not a partner)',
  },
  // From the package data (docs/domain.md#limits-of-the-epci-mapping): 10 Marne communes (Cheminon,
  // Sapignicourt…) belong to an agglomeration seated in the Haute-Marne.
  '200068666': {
    expectedName: 'CA du Grand Saint-Dizier Der et Vallées',
    missionLocale: null,
    note: 'EPCI seated in Haute-Marne (Saint-Dizier): not a partner ML, likely ML Vitry or Saint-Dizier',
  },
}

/** The 16 communes of the former CA Reims Métropole (docs/domain.md#the-three-territories), matched by name. */
const FORMER_REIMS_METROPOLE = [
  'Reims',
  'Bétheny',
  'Bezannes',
  'Cernay-lès-Reims',
  'Champfleury',
  'Champigny',
  'Cormontreuil',
  'Prunay',
  'Puisieulx',
  'Saint-Brice-Courcelles',
  'Saint-Léonard',
  'Sillery',
  'Taissy',
  'Tinqueux',
  'Trois-Puits',
  'Villers-aux-Nœuds',
]
const FORMER_REIMS_METROPOLE_NOTE = 'former Reims Métropole'

const HEADER = [
  'insee_code',
  'name',
  'postcodes',
  'epci_siren',
  'epci_name',
  'population',
  'rural',
  'mission_locale',
  'mapping_status',
  'mapping_note',
]

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..')
const outputPath = join(repoRoot, 'db', 'seed-data', 'communes-marne.csv')

function readPackageJson<T>(file: string): T {
  const require = createRequire(import.meta.url)
  const packageDir = dirname(require.resolve('@etalab/decoupage-administratif/package.json'))
  return JSON.parse(readFileSync(join(packageDir, file), 'utf8')) as T
}

function normaliseName(name: string): string {
  return name.normalize('NFC').toLocaleLowerCase('fr')
}

function csvField(value: string): string {
  return /[;"\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value
}

function warn(message: string): void {
  console.warn(`WARNING: ${message}`)
}

function main(): void {
  const communes = readPackageJson<Commune[]>('data/communes.json')
  const epcis = readPackageJson<Epci[]>('data/epci.json')
  const packageVersion = readPackageJson<{ version: string }>('package.json').version

  const marne = communes
    .filter((c) => c.type === 'commune-actuelle' && c.departement === DEPARTEMENT)
    .sort((a, b) => a.code.localeCompare(b.code))

  // Commune INSEE code → EPCI. Each commune belongs to exactly one EPCI à fiscalité propre.
  const epciByCommune = new Map<string, Epci>()
  for (const epci of epcis) {
    for (const member of epci.membres) {
      const existing = epciByCommune.get(member.code)
      if (existing) {
        warn(`commune ${member.code} is in two EPCIs: ${existing.code} and ${epci.code}`)
      }
      epciByCommune.set(member.code, epci)
    }
  }

  // Check the SIRENs of the mapping table against epci.json.
  const epciBySiren = new Map(epcis.map((e) => [e.code, e]))
  for (const [siren, { expectedName }] of Object.entries(EPCI_MAPPING)) {
    const epci = epciBySiren.get(siren)
    if (!epci) {
      warn(`EPCI ${siren} (${expectedName}) is absent from epci.json`)
    } else if (normaliseName(epci.nom) !== normaliseName(expectedName)) {
      console.log(`note: EPCI ${siren} is named "${epci.nom}" in epci.json (expected "${expectedName}")`)
    }
  }

  // Former Reims Métropole: resolve names to INSEE codes within the Grand Reims.
  const grandReims = epciBySiren.get(GRAND_REIMS)
  const formerReimsMetropole = new Set<string>()
  for (const name of FORMER_REIMS_METROPOLE) {
    const member = grandReims?.membres.find((m) => normaliseName(m.nom) === normaliseName(name))
    if (member) {
      formerReimsMetropole.add(member.code)
    } else {
      warn(`former Reims Métropole commune "${name}" not found in the Grand Reims`)
    }
  }

  const rows: string[][] = []
  const counts = new Map<string, number>()
  const unmappedEpcis = new Map<string, string>()

  for (const commune of marne) {
    const epci = epciByCommune.get(commune.code)
    if (!epci) {
      warn(`commune ${commune.code} ${commune.nom} has no EPCI`)
    }
    if (commune.population === undefined) {
      warn(`commune ${commune.code} ${commune.nom} has no population`)
    }

    let mapping: Mapping = { missionLocale: null, note: 'EPCI not in the mapping table' }
    if (epci) {
      const known = EPCI_MAPPING[epci.code]
      if (known) {
        mapping = known
      } else {
        unmappedEpcis.set(epci.code, epci.nom)
      }
      if (epci.code === GRAND_REIMS && formerReimsMetropole.has(commune.code)) {
        mapping = { missionLocale: 'reims', note: FORMER_REIMS_METROPOLE_NOTE }
      }
    }

    const population = commune.population ?? 0
    const status: MappingStatus = mapping.missionLocale ? 'inferred' : 'none'
    const key = mapping.missionLocale ?? '(none)'
    counts.set(key, (counts.get(key) ?? 0) + 1)

    rows.push([
      commune.code,
      commune.nom,
      (commune.codesPostaux ?? []).join('|'),
      epci?.code ?? '',
      epci?.nom ?? '',
      commune.population === undefined ? '' : String(population),
      String(commune.population !== undefined && population < RURAL_THRESHOLD),
      mapping.missionLocale ?? '',
      status,
      mapping.note,
    ])
  }

  for (const [siren, name] of unmappedEpcis) {
    warn(`EPCI ${siren} (${name}) has Marne communes but no mapping`)
  }

  const csv = [HEADER, ...rows].map((row) => row.map(csvField).join(';')).join('\n') + '\n'
  mkdirSync(dirname(outputPath), { recursive: true })
  writeFileSync(outputPath, csv, 'utf8')

  console.log(`@etalab/decoupage-administratif ${packageVersion}`)
  console.log(`Marne: ${marne.length} current communes`)
  console.log(`former Reims Métropole matched: ${formerReimsMetropole.size}/${FORMER_REIMS_METROPOLE.length}`)
  for (const key of ['reims', 'epernay', 'chalons', '(none)']) {
    console.log(`  ${key.padEnd(8)} ${counts.get(key) ?? 0}`)
  }
  console.log(`wrote ${relative(repoRoot, outputPath)}`)
}

main()
