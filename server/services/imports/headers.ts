/**
 * Matching a file's headers to a kind's columns, and refusing direct identifiers.
 *
 * Analytics files (everything but `contacts`) must be pseudonymised: no name, e-mail, phone, INE,
 * raw student number, NIR, postal address or exact birth date (docs/principles.md#double-blind-outreach,
 * docs/domain.md#student-information-systems, docs/domain.md#pseudonymised-data-is-personal-data).
 * Such columns are flagged by their header here, and by their values in `detectIdentifierValues`.
 */
import { KINDS, columnsFor, type AttendanceShape, type ColumnDef, type ImportKind, type KindDef } from './kinds/index.ts'
import { headerMatchKey, looksLikeEmail, looksLikeFrenchPhone, looksLikeIne, looksLikeNir, slugify, trimCell } from './values.ts'

export interface IdentifierFinding {
  /** The header as in the file. */
  header: string
  /** French: what the column looks like, why it is refused, what to do. */
  reason: string
  /** Column index in the file. */
  index?: number
}

export interface IndicatorColumn {
  /** snake_case name after the `indicateur_` prefix: `indicateur_Heures tutorat` → `heures_tutorat`. */
  name: string
  index: number
  header: string
}

export interface HeaderResolution {
  kind: ImportKind
  /** Detected attendance shape (assiduite only). */
  shape?: AttendanceShape
  /** The file's headers, trimmed (as given to `resolveHeaders`). */
  headers: string[]
  /** Column key → index in the file. */
  columns: Record<string, number>
  /** Required columns not found. */
  missing: ColumnDef[]
  /** Headers matched to nothing (indicateur_* excluded; identifier headers are listed here too). */
  unknown: string[]
  indicators: IndicatorColumn[]
  /** Headers that look like direct identifiers (analytics kinds only). Blocking. */
  identifiers: IdentifierFinding[]
  /** Several headers matching the same column (or the same indicator); the first one is used. Blocking. */
  duplicates: { key: string; headers: string[] }[]
}

// ---------------------------------------------------------------------------------------------
// Alias tables
// ---------------------------------------------------------------------------------------------

const aliasCache = new Map<string, Map<string, string>>()

/** Match key → column key, for every alias, key and label of the columns. */
function aliasMap(def: KindDef, shape: AttendanceShape | undefined): Map<string, string> {
  const cacheKey = `${def.kind}:${shape ?? ''}`
  let map = aliasCache.get(cacheKey)
  if (map === undefined) {
    map = new Map()
    for (const c of columnsFor(def, shape)) {
      for (const spelling of [c.key, ...c.aliases, c.label]) {
        const k = headerMatchKey(spelling)
        if (!map.has(k)) {
          map.set(k, c.key)
        }
      }
    }
    aliasCache.set(cacheKey, map)
  }
  return map
}

// ---------------------------------------------------------------------------------------------
// Direct identifiers by header
// ---------------------------------------------------------------------------------------------

const CONTACTS_ADVICE =
  'Retirez-la ; les coordonnées passent uniquement par l’import « contacts », pour les seuls étudiants qui ont consenti à être contactés.'
const USELESS_ADVICE = 'Retirez-la du fichier : Repère n’en a pas besoin.'
const PSEUDONYMISE_ADVICE =
  'Remplacez-la par un identifiant pseudonymisé : lancez scripts/pseudonymise.ts sur un poste de l’université (la clé secrète reste à l’université), puis envoyez le fichier produit.'

function identifierReason(header: string, what: string, advice: string): string {
  return `Les fichiers d’analyse ne doivent contenir aucune donnée directement identifiante : la colonne « ${header} » ${what}. ${advice}`
}

const set = (...words: string[]): Set<string> => new Set(words)

const EMAIL_WORDS = set('email', 'mail', 'courriel', 'adressemail', 'adresseemail', 'adresseelectronique', 'emailaddress', 'mel', 'adrmail')
const PHONE_WORDS = set(
  'tel',
  'telephone',
  'telephones',
  'telfixe',
  'telportable',
  'telmobile',
  'portable',
  'mobile',
  'gsm',
  'phone',
  'phonenumber',
  'mobilephone',
  'cellphone',
  'numtel',
  'notel',
  'numerodetelephone',
  'numerotelephone',
  'numeroportable',
  'numtelport',
  'numtelportable',
)
const NIR_WORDS = set(
  'nir',
  'numerosecuritesociale',
  'numerodesecuritesociale',
  'numsecu',
  'nsecu',
  'nosecu',
  'numerosecu',
  'securitesociale',
  'numss',
  'nss',
  'numeross',
  'numeroinsee',
  'ninsee',
  'socialsecuritynumber',
  'ssn',
)
const INE_WORDS = set(
  'ine',
  'codeine',
  'numeroine',
  'noine',
  'nine',
  'inebea',
  'bea',
  'codebea',
  'ineetudiant',
  'identifiantnational',
  'identifiantnationaletudiant',
  'codnne',
  'codnneind',
  'codclenneind',
  'nationalstudentid',
)
const STUDENT_NUMBER_WORDS = set(
  'numeroetudiant',
  'numerodetudiant',
  'numetudiant',
  'noetudiant',
  'netudiant',
  'nodetudiant',
  'numetu',
  'codeetudiant',
  'codeetu',
  'codetu',
  'nip',
  'codenip',
  'numeronip',
  'studentnumber',
  'studentid',
  'studentno',
  'matricule',
  'numeromatricule',
  'codeindividu',
  'codind',
  'numerodossier',
  'numdossier',
  'idetudiant',
  'identifiantetudiant',
  'numeroapogee',
)
const BIRTH_DATE_WORDS = set(
  'datedenaissance',
  'datenaissance',
  'dnaissance',
  'naissance',
  'datenais',
  'datenaiind',
  'dob',
  'birthdate',
  'dateofbirth',
  'birthday',
  'nele',
  'neele',
)
const ADDRESS_WORDS = set('rue', 'voie', 'numerovoie', 'libellevoie', 'lieudit', 'boitepostale', 'street', 'streetaddress')
const NAME_WORDS = set(
  'nom',
  'noms',
  'name',
  'names',
  'lastname',
  'surname',
  'familyname',
  'fullname',
  'nomcomplet',
  'nomprenom',
  'nometprenom',
  'prenomnom',
  'prenometnom',
  'firstname',
  'givenname',
  'forename',
  'middlename',
  'autresprenoms',
  'civilitenomprenom',
)

/**
 * If the header names a direct identifier, the French reason it is refused; otherwise null.
 * Matching uses `headerMatchKey`, so accents, case and separators do not matter.
 */
export function identifierReasonForHeader(header: string): string | null {
  const k = headerMatchKey(header)
  if (k === '') {
    return null
  }
  if (EMAIL_WORDS.has(k) || k.includes('email') || k.includes('courriel') || k.startsWith('mail') || k.startsWith('adressemail')) {
    return identifierReason(header, 'contient des adresses e-mail', CONTACTS_ADVICE)
  }
  if (PHONE_WORDS.has(k) || k.includes('telephone') || k.includes('phone') || /^(?:num|no|n)?tel(?:port|mob|fixe)/.test(k)) {
    return identifierReason(header, 'contient des numéros de téléphone', CONTACTS_ADVICE)
  }
  if (NIR_WORDS.has(k) || k.includes('securitesociale') || k.includes('secusociale')) {
    return identifierReason(header, 'contient le numéro de sécurité sociale (NIR), un identifiant national', USELESS_ADVICE)
  }
  if (INE_WORDS.has(k)) {
    return identifierReason(
      header,
      'contient l’identifiant national étudiant (INE), qui identifie l’étudiant partout en France',
      USELESS_ADVICE,
    )
  }
  if (STUDENT_NUMBER_WORDS.has(k)) {
    return identifierReason(
      header,
      'contient le numéro étudiant en clair, que les services de l’université relient directement à la personne',
      PSEUDONYMISE_ADVICE,
    )
  }
  if (BIRTH_DATE_WORDS.has(k) || (k.includes('naissance') && k.includes('date'))) {
    return identifierReason(
      header,
      'contient la date de naissance complète, qui permet avec la formation de retrouver la personne',
      'Remplacez-la par la seule année de naissance (colonne « Année de naissance »).',
    )
  }
  if (ADDRESS_WORDS.has(k) || k.includes('adresse') || k.includes('address') || k.startsWith('adr')) {
    return identifierReason(
      header,
      'contient une adresse postale',
      'Retirez-la : seul le code commune INSEE (ou le code postal) de résidence est utile, pour orienter vers la bonne Mission Locale.',
    )
  }
  if (
    NAME_WORDS.has(k) ||
    k.startsWith('prenom') ||
    /^libnom/.test(k) ||
    /^libpr\d/.test(k) ||
    (k.startsWith('nom') && /naissance|usage|usuel|famille|patronym|marital|epou|jeunefille|etudiant|eleve/.test(k))
  ) {
    return identifierReason(header, 'contient des noms ou prénoms', CONTACTS_ADVICE)
  }
  return null
}

// ---------------------------------------------------------------------------------------------
// Resolution
// ---------------------------------------------------------------------------------------------

const WEEK_KEYS = ['seances_prevues', 'seances_suivies', 'semaine']
const SESSION_KEYS = ['date_seance', 'statut_presence', 'type_seance', 'heure_seance', 'justif']

function findHeader(headers: string[], matchKeys: string[], wanted: string): number {
  const exact = headers.indexOf(wanted.trim())
  if (exact !== -1) {
    return exact
  }
  const k = headerMatchKey(wanted)
  return k === '' ? -1 : matchKeys.indexOf(k)
}

function detectShape(def: KindDef, headers: string[], matchKeys: string[], saved: Record<string, string> | undefined): AttendanceShape {
  const hits = (shape: AttendanceShape, keys: string[]): number => {
    const map = aliasMap(def, shape)
    const found = new Set<string>()
    for (const k of matchKeys) {
      const key = map.get(k)
      if (key !== undefined && keys.includes(key)) {
        found.add(key)
      }
    }
    for (const [key, header] of Object.entries(saved ?? {})) {
      if (keys.includes(key) && findHeader(headers, matchKeys, header) !== -1) {
        found.add(key)
      }
    }
    return found.size
  }
  return hits('week', WEEK_KEYS) > hits('session', SESSION_KEYS) ? 'week' : 'session'
}

/**
 * Matches headers to columns. A saved mapping (column key → header text, from the mapping step the
 * user did last time) wins over aliases; then aliases, keys and labels are matched ignoring case,
 * accents, spaces and punctuation; the first matching header wins.
 */
export function resolveHeaders(kind: ImportKind, headers: string[], saved?: Record<string, string>): HeaderResolution {
  const def = KINDS[kind]
  const trimmed = headers.map((h) => h.trim())
  const matchKeys = trimmed.map(headerMatchKey)
  const shape = def.shapes ? detectShape(def, trimmed, matchKeys, saved) : undefined
  const cols = columnsFor(def, shape)
  const colKeys = new Set(cols.map((c) => c.key))
  const map = aliasMap(def, shape)

  const columns: Record<string, number> = {}
  const taken = new Set<number>()
  /** Keys the user mapped explicitly: other headers with a matching alias are then simply unknown. */
  const fromSaved = new Set<string>()
  const duplicateHeaders = new Map<string, string[]>()
  const addDuplicate = (key: string, first: string, other: string): void => {
    const list = duplicateHeaders.get(key) ?? [first]
    list.push(other)
    duplicateHeaders.set(key, list)
  }

  for (const [key, header] of Object.entries(saved ?? {})) {
    if (!colKeys.has(key) || typeof header !== 'string' || header.trim() === '') {
      continue
    }
    const index = findHeader(trimmed, matchKeys, header)
    if (index !== -1 && !taken.has(index)) {
      columns[key] = index
      taken.add(index)
      fromSaved.add(key)
    }
  }

  const indicators: IndicatorColumn[] = []
  const unknown: string[] = []
  const unknownIndexes: number[] = []
  for (let i = 0; i < trimmed.length; i++) {
    if (taken.has(i)) {
      continue
    }
    const header = trimmed[i]!
    const key = map.get(matchKeys[i]!)
    if (key !== undefined && !fromSaved.has(key)) {
      const existing = columns[key]
      if (existing === undefined) {
        columns[key] = i
        taken.add(i)
      } else {
        addDuplicate(key, trimmed[existing]!, header)
      }
      continue
    }
    const slug = slugify(header)
    if (def.analytics && slug.startsWith('indicateur_') && slug.length > 'indicateur_'.length) {
      const name = slug.slice('indicateur_'.length)
      const same = indicators.find((ind) => ind.name === name)
      if (same) {
        addDuplicate(`indicateur_${name}`, same.header, header)
      } else {
        indicators.push({ name, index: i, header })
      }
      continue
    }
    unknown.push(header === '' ? `(colonne ${i + 1} sans titre)` : header)
    unknownIndexes.push(i)
  }

  const identifiers: IdentifierFinding[] = []
  if (def.analytics) {
    unknownIndexes.forEach((index) => {
      const header = trimmed[index]!
      const reason = identifierReasonForHeader(header)
      if (reason !== null) {
        identifiers.push({ header, reason, index })
      }
    })
  }

  const resolution: HeaderResolution = {
    kind,
    headers: trimmed,
    columns,
    missing: cols.filter((c) => c.required && columns[c.key] === undefined),
    unknown,
    indicators,
    identifiers,
    duplicates: [...duplicateHeaders].map(([key, hs]) => ({ key, headers: hs })),
  }
  if (shape !== undefined) {
    resolution.shape = shape
  }
  return resolution
}

/**
 * French sentences for the blocking problems of a resolution (missing columns, duplicates, identifier
 * columns), ready to show; empty when the file can be validated row by row.
 */
export function resolutionProblems(resolution: HeaderResolution, valueFindings: IdentifierFinding[] = []): string[] {
  const problems: string[] = []
  if (resolution.missing.length > 0) {
    const list = resolution.missing.map((c) => `« ${c.label} » (ex. ${c.aliases[0]})`).join(', ')
    problems.push(
      resolution.missing.length === 1
        ? `Colonne obligatoire introuvable : ${list}. Renommez l’en-tête ou associez la colonne à l’étape de correspondance.`
        : `Colonnes obligatoires introuvables : ${list}. Renommez les en-têtes ou associez les colonnes à l’étape de correspondance.`,
    )
  }
  for (const d of resolution.duplicates) {
    problems.push(`Plusieurs colonnes correspondent à « ${d.key} » : ${d.headers.map((h) => `« ${h} »`).join(', ')}. Gardez-en une seule.`)
  }
  const seen = new Set<string>()
  for (const f of [...resolution.identifiers, ...valueFindings]) {
    if (!seen.has(f.header)) {
      seen.add(f.header)
      problems.push(f.reason)
    }
  }
  return problems
}

// ---------------------------------------------------------------------------------------------
// Direct identifiers by value
// ---------------------------------------------------------------------------------------------

const RAW_STUDENT_NUMBER = /^\d{5,12}$/
const HASH_LIKE = /^[A-Za-z0-9_\-+/=]{16,128}$/

/**
 * Flags columns whose VALUES look like direct identifiers, on a sample of rows (e.g. `CsvFile.sample`):
 * e-mails, French phone numbers, INE, NIR in any column of an analytics file, and, in the
 * `id_pseudo` column of every kind, raw student numbers or anything that is not a keyed hash.
 * Reasons never quote the values, since they end up in logs and reports.
 */
export function detectIdentifierValues(
  sample: string[][],
  headers: string[],
  opts: { kind?: ImportKind; resolution?: Pick<HeaderResolution, 'columns'> } = {},
): IdentifierFinding[] {
  const analytics = opts.kind === undefined ? true : KINDS[opts.kind].analytics
  let idIndex = opts.resolution?.columns.id_pseudo
  if (idIndex === undefined) {
    const map = aliasMap(KINDS.etudiants, undefined)
    idIndex = headers.findIndex((h) => map.get(headerMatchKey(h)) === 'id_pseudo')
  }
  const findings: IdentifierFinding[] = []
  for (let col = 0; col < headers.length; col++) {
    const header = headers[col]!.trim() || `colonne ${col + 1}`
    const values: string[] = []
    for (const row of sample) {
      const v = trimCell(row[col] ?? '')
      if (v !== '') {
        values.push(v)
      }
    }
    if (values.length === 0) {
      continue
    }
    const count = (test: (v: string) => boolean): number => values.reduce((n, v) => (test(v) ? n + 1 : n), 0)
    if (col === idIndex) {
      const raw = count((v) => RAW_STUDENT_NUMBER.test(v))
      const notHash = count((v) => !HASH_LIKE.test(v))
      if (raw > 0 && raw >= values.length * 0.2) {
        findings.push({
          header,
          index: col,
          reason:
            `La colonne « ${header} » doit contenir des identifiants pseudonymisés, mais ses valeurs ressemblent à des numéros étudiants en clair, qui identifient directement les étudiants. ` +
            PSEUDONYMISE_ADVICE,
        })
      } else if (notHash >= values.length * 0.5) {
        findings.push({
          header,
          index: col,
          reason:
            `La colonne « ${header} » doit contenir des identifiants pseudonymisés (au moins 16 caractères aléatoires), mais ses valeurs n’en ont pas l’allure ; un identifiant lisible permettrait de reconnaître l’étudiant. ` +
            PSEUDONYMISE_ADVICE,
        })
      }
      continue
    }
    if (!analytics) {
      continue
    }
    const emails = count(looksLikeEmail)
    if (emails > 0 && emails >= values.length * 0.2) {
      findings.push({ header, index: col, reason: identifierReason(header, 'ressemble à des adresses e-mail', CONTACTS_ADVICE) })
      continue
    }
    const phones = count(looksLikeFrenchPhone)
    if (phones > 0 && phones >= values.length * 0.5) {
      findings.push({ header, index: col, reason: identifierReason(header, 'ressemble à des numéros de téléphone', CONTACTS_ADVICE) })
      continue
    }
    const nirs = count(looksLikeNir)
    if (nirs > 0 && nirs >= values.length * 0.5) {
      findings.push({
        header,
        index: col,
        reason: identifierReason(header, 'ressemble à des numéros de sécurité sociale (NIR)', USELESS_ADVICE),
      })
      continue
    }
    const ines = count(looksLikeIne)
    if (ines > 0 && ines >= values.length * 0.5) {
      findings.push({
        header,
        index: col,
        reason: identifierReason(header, 'ressemble à des identifiants nationaux étudiants (INE)', USELESS_ADVICE),
      })
    }
  }
  return findings
}
