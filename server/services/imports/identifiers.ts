/**
 * Direct identifiers, in one place: analytics files (everything but `contacts`) must be
 * pseudonymised, so no name, e-mail, phone, INE, raw student number, NIR, postal address or exact
 * birth date may reach Repère (docs/imports.md, "Direct identifiers are refused"). A column is
 * flagged by its header (`identifierReasonForHeader`, used while resolving headers) or by its
 * values on a sample of rows (`detectIdentifierValues`).
 */
import { KINDS, type ImportKind } from './kinds/index.ts'
import { isEmailAddress } from '../../lib/formats.ts'
import { headerMatchKey, isDigit, trimCell } from './values.ts'

export interface IdentifierFinding {
  /** The header as in the file. */
  header: string
  /** French: what the column looks like, why it is refused, what to do. */
  reason: string
  /** Column index in the file. */
  index?: number
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
// Values that look like identifiers
// ---------------------------------------------------------------------------------------------

export function looksLikeEmail(s: string): boolean {
  return isEmailAddress(s)
}

/** True when the text is written like a French phone number (national or +33 form). */
export function looksLikeFrenchPhone(s: string): boolean {
  const d = s.replace(/[\s.\-()\u00a0]/g, '')
  return /^(?:0|\+33|0033)[1-9]\d{8}$/.test(d) || /^\+330[1-9]\d{8}$/.test(d)
}

/** INE (identifiant national étudiant): 11 characters, e.g. `1234567404G` (INE-BEA) or `123456789AB`. */
export function looksLikeIne(s: string): boolean {
  if (s.length !== 11) {
    return false
  }
  const u = s.toUpperCase()
  if (!/^[0-9A-Z]{10}[A-Z]$/.test(u)) {
    return false
  }
  let digits = 0
  for (let i = 0; i < 11; i++) {
    if (isDigit(u.charCodeAt(i))) {
      digits++
    }
  }
  return digits >= 8
}

/**
 * NIR (numéro de sécurité sociale): 13 characters (sex 1/2, year, month, department with 2A/2B for
 * Corsica, commune, order) and optionally the 2-digit key = 97 − (number mod 97).
 */
export function looksLikeNir(s: string): boolean {
  const d = s.replace(/[\s.]/g, '').toUpperCase()
  const m = /^([12])(\d{2})(\d{2})(\d{2}|2A|2B)(\d{3})(\d{3})(\d{2})?$/.exec(d)
  if (!m) {
    return false
  }
  const month = Number(m[3])
  // 20–42 and 50–99 are pseudo-months of people whose birth month is unknown or registration is
  // temporary; without the key, accept only real months and 20–42 (a 13-digit timestamp is not a NIR).
  const usualMonth = (month >= 1 && month <= 12) || (month >= 20 && month <= 42)
  if (m[7] === undefined) {
    return usualMonth
  }
  if (!usualMonth && month < 50) {
    return false
  }
  const body = d.slice(0, 13).replace('2A', '19').replace('2B', '18')
  const key = 97 - Number(BigInt(body) % 97n)
  return key === Number(m[7])
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
  opts: { kind?: ImportKind; resolution?: { columns: Partial<Record<string, number>> } } = {},
): IdentifierFinding[] {
  const analytics = opts.kind === undefined ? true : KINDS[opts.kind].analytics
  let idIndex = opts.resolution?.columns.id_pseudo
  if (idIndex === undefined) {
    const id = KINDS.etudiants.columns.find((c) => c.key === 'id_pseudo')
    const spellings = new Set(id ? [id.key, ...id.aliases, id.label].map(headerMatchKey) : [])
    idIndex = headers.findIndex((h) => spellings.has(headerMatchKey(h)))
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
