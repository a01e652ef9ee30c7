/**
 * Pseudonymises a university CSV export ON THE UNIVERSITY'S OWN MACHINE, before it is uploaded to Repère.
 *
 *   npx tsx scripts/pseudonymise.ts --in export.csv --out export-pseudo.csv --column "numéro étudiant" [--secret-file secret.txt]
 *
 * - The student-number column is replaced by `id_pseudo` = HMAC-SHA256(secret, trimmed student number),
 *   encoded in base64url and truncated to 22 characters (132 bits: collisions are negligible even over
 *   millions of students). Without the secret nobody, Repère included, can link an id_pseudo back to a
 *   student number or recompute it; the university, which keeps the secret, can.
 * - The SAME secret must be used for every export and every year, or the same student gets different ids
 *   and attendance, results and outcomes no longer line up. Keep it in a password manager; losing it
 *   breaks the history, leaking it lets whoever has Repère's data re-identify students.
 * - Columns that are direct identifiers (name, e-mail, phone, INE, NIR, address, birth date…) are
 *   dropped and listed on stderr; `--keep` keeps one anyway, `--drop` drops another one.
 * - The output is UTF-8 with BOM, `;`-separated, CRLF, whatever the input's encoding and delimiter,
 *   written by the platform's CSV writer (server/lib/csv/writer.ts): a cell a spreadsheet would run
 *   as a formula gets the same apostrophe as in every export; numbers stay as they are.
 *   Files are streamed: any size works.
 *
 * The secret comes from `--secret-file` (first line) or the REPERE_PSEUDO_SECRET environment variable;
 * it must be at least 32 characters (e.g. `openssl rand -base64 32 > secret.txt`). It is never printed.
 *
 * Exit codes: 0 done, 64 usage error, 65 unreadable input, 1 anything else.
 */
import { createHmac, createSecretKey, type KeyObject } from 'node:crypto'
import { createWriteStream, readFileSync, renameSync, rmSync } from 'node:fs'
import { once } from 'node:events'
import { pipeline } from 'node:stream/promises'
import { resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { csvStream } from '../server/lib/csv/writer.ts'
import {
  ImportStructureError,
  detectIdentifierValues,
  headerMatchKey,
  identifierReasonForHeader,
  openCsv,
} from '../server/services/imports/index.ts'

/** Length of the base64url id: 22 characters × 6 bits = 132 bits of the 256-bit HMAC. */
export const PSEUDO_ID_LENGTH = 22
const MIN_SECRET_LENGTH = 32
const ID_HEADER = 'id_pseudo'

const USAGE = `Usage : npx tsx scripts/pseudonymise.ts --in <export.csv> --out <export-pseudo.csv> [options]

Remplace la colonne du numéro étudiant par un identifiant pseudonymisé (id_pseudo) et retire les
colonnes directement identifiantes (nom, prénom, e-mail, téléphone, INE, NIR, adresse, date de naissance).
Replaces the student-number column with a pseudonymous id (id_pseudo) and drops direct identifiers.

Options :
  --in <fichier>           export CSV à pseudonymiser / CSV export to pseudonymise (any encoding, ; tab or ,)
  --out <fichier>          fichier produit / output file (UTF-8 with BOM, ;)
  --column <en-tête>       colonne du numéro étudiant / student-number column header
                           (par défaut : détectée parmi « numéro étudiant », « code NIP », « COD_ETU »…)
  --secret-file <fichier>  fichier contenant le secret / file holding the secret
                           (sinon / otherwise: variable d'environnement REPERE_PSEUDO_SECRET)
  --keep <en-tête>         garder une colonne qui serait retirée / keep a column (repeatable)
  --drop <en-tête>         retirer une colonne de plus / drop another column (repeatable)
  --help                   cette aide / this help

Le secret doit faire au moins ${MIN_SECRET_LENGTH} caractères et rester le même d'une année à l'autre :
  openssl rand -base64 32 > secret.txt
The secret must be at least ${MIN_SECRET_LENGTH} characters and stay the same across years.
`

class UsageError extends Error {}

function fail(fr: string, en: string): never {
  throw new UsageError(`Erreur : ${fr}\nError: ${en}`)
}

/** id_pseudo of one student number. */
export function pseudonymise(key: KeyObject, studentNumber: string): string {
  return createHmac('sha256', key).update(studentNumber.trim(), 'utf8').digest('base64url').slice(0, PSEUDO_ID_LENGTH)
}

function readSecret(secretFile: string | undefined): string {
  let secret: string | undefined
  if (secretFile !== undefined) {
    try {
      secret = readFileSync(secretFile, 'utf8').split(/\r?\n/)[0]?.trim()
    } catch {
      fail(`impossible de lire le fichier secret « ${secretFile} ».`, `cannot read the secret file "${secretFile}".`)
    }
  } else {
    secret = process.env.REPERE_PSEUDO_SECRET?.trim()
  }
  if (!secret) {
    fail(
      'aucun secret : passez --secret-file <fichier> ou définissez REPERE_PSEUDO_SECRET.',
      'no secret: pass --secret-file <file> or set REPERE_PSEUDO_SECRET.',
    )
  }
  if (secret.length < MIN_SECRET_LENGTH) {
    fail(
      `le secret est trop court (${MIN_SECRET_LENGTH} caractères au moins) ; générez-en un avec : openssl rand -base64 32`,
      `the secret is too short (at least ${MIN_SECRET_LENGTH} characters); generate one with: openssl rand -base64 32`,
    )
  }
  return secret
}

const STUDENT_NUMBER_HEADERS = [
  'numero etudiant',
  'numéro d’étudiant',
  'n° étudiant',
  'no etudiant',
  'num etudiant',
  'code étudiant',
  'code etu',
  'cod_etu',
  'code NIP',
  'NIP',
  'matricule',
  'student number',
  'student id',
].map(headerMatchKey)

function findColumn(headers: string[], wanted: string | undefined): number {
  const keys = headers.map(headerMatchKey)
  if (wanted !== undefined) {
    const exact = headers.indexOf(wanted.trim())
    const index = exact !== -1 ? exact : keys.indexOf(headerMatchKey(wanted))
    if (index === -1) {
      fail(
        `colonne « ${wanted} » introuvable. En-têtes du fichier : ${headers.join(' | ')}`,
        `column "${wanted}" not found. File headers: ${headers.join(' | ')}`,
      )
    }
    return index
  }
  const candidates = keys.flatMap((k, i) => (STUDENT_NUMBER_HEADERS.includes(k) ? [i] : []))
  if (candidates.length !== 1) {
    fail(
      `précisez la colonne du numéro étudiant avec --column. En-têtes du fichier : ${headers.join(' | ')}`,
      `tell which column holds the student number with --column. File headers: ${headers.join(' | ')}`,
    )
  }
  return candidates[0]!
}

export async function main(argv: string[]): Promise<number> {
  let args
  try {
    args = parseArgs({
      args: argv,
      options: {
        in: { type: 'string' },
        out: { type: 'string' },
        column: { type: 'string' },
        'secret-file': { type: 'string' },
        keep: { type: 'string', multiple: true },
        drop: { type: 'string', multiple: true },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    }).values
  } catch (err) {
    process.stderr.write(`Erreur : option invalide / Error: invalid option — ${(err as Error).message}\n\n${USAGE}`)
    return 64
  }
  if (args.help) {
    process.stdout.write(USAGE)
    return 0
  }
  try {
    if (!args.in || !args.out) {
      fail('--in et --out sont obligatoires.', '--in and --out are required.')
    }
    const input = resolve(args.in)
    const output = resolve(args.out)
    if (input === output) {
      fail('--out doit être différent de --in.', '--out must differ from --in.')
    }
    const key = createSecretKey(Buffer.from(readSecret(args['secret-file']), 'utf8'))

    const csv = await openCsv(input)
    const { headers } = csv
    const idIndex = findColumn(headers, args.column)
    const keep = new Set((args.keep ?? []).map(headerMatchKey))
    const drop = new Set((args.drop ?? []).map(headerMatchKey))
    const dropped: { header: string; why: string }[] = []
    const kept: number[] = []
    headers.forEach((header, i) => {
      if (i === idIndex) {
        kept.push(i)
        return
      }
      const k = headerMatchKey(header)
      if (k === headerMatchKey(ID_HEADER)) {
        fail(
          `le fichier a déjà une colonne « ${header} » : est-il déjà pseudonymisé ?`,
          `the file already has a "${header}" column: is it already pseudonymised?`,
        )
      }
      if (drop.has(k)) {
        dropped.push({ header, why: '--drop' })
      } else if (!keep.has(k) && identifierReasonForHeader(header) !== null) {
        dropped.push({ header, why: 'identifiant direct / direct identifier' })
      } else {
        kept.push(i)
      }
    })

    // Columns kept whose values still look like identifiers: the upload will refuse them, say it now.
    const warnings = detectIdentifierValues(
      csv.sample.map((row) => kept.map((i) => (i === idIndex ? 'x'.repeat(PSEUDO_ID_LENGTH) : (row[i] ?? '')))),
      kept.map((i) => headers[i]!),
      { kind: 'etudiants', resolution: { columns: { id_pseudo: kept.indexOf(idIndex) } } },
    )

    const tmp = `${output}.tmp-${process.pid}`
    const csvOut = csvStream()
    const written = pipeline(csvOut, createWriteStream(tmp))
    // Reported through `await written` below; this only keeps an early failure from being unhandled.
    written.catch(() => undefined)
    let rows = 0
    let emptyIds = 0
    const skipped: number[] = []
    const width = headers.length
    try {
      csvOut.write(kept.map((i) => (i === idIndex ? ID_HEADER : headers[i]!)))
      for await (const batch of csv.batches) {
        let room = true
        for (const { line, fields } of batch) {
          if (fields.length !== width) {
            // A misaligned row could put an identifier into a kept column: leave it out.
            skipped.push(line)
            continue
          }
          const cells = new Array<string>(kept.length)
          for (let c = 0; c < kept.length; c++) {
            const i = kept[c]!
            if (i === idIndex) {
              const raw = fields[i]!.trim()
              if (raw === '') {
                emptyIds++
              }
              cells[c] = raw === '' ? '' : pseudonymise(key, raw)
            } else {
              cells[c] = fields[i]!
            }
          }
          room = csvOut.write(cells)
          rows++
        }
        if (!room) {
          await once(csvOut, 'drain')
        }
      }
      csvOut.end()
      await written
      renameSync(tmp, output)
    } catch (err) {
      csvOut.destroy()
      await written.catch(() => undefined)
      rmSync(tmp, { force: true })
      throw err
    }

    const log = (s: string): boolean => process.stderr.write(`${s}\n`)
    log(`${rows} ligne(s) pseudonymisée(s) → ${output}`)
    log(`${rows} row(s) pseudonymised → ${output}`)
    log(`Colonne « ${headers[idIndex]} » remplacée par « ${ID_HEADER} » / replaced by "${ID_HEADER}".`)
    if (dropped.length > 0) {
      log(`Colonnes retirées / dropped columns: ${dropped.map((d) => `« ${d.header} » (${d.why})`).join(', ')}`)
    } else {
      log('Aucune colonne retirée / no column dropped.')
    }
    if (emptyIds > 0) {
      log(`Attention : ${emptyIds} ligne(s) sans numéro étudiant (id_pseudo vide) / warning: ${emptyIds} row(s) without a student number.`)
    }
    if (skipped.length > 0) {
      const shown = skipped.slice(0, 20).join(', ')
      log(
        `Attention : ${skipped.length} ligne(s) ignorée(s) car leur nombre de colonnes diffère de l’en-tête (lignes ${shown}${skipped.length > 20 ? '…' : ''}) / ` +
          `warning: ${skipped.length} row(s) skipped, wrong number of cells.`,
      )
    }
    for (const w of warnings) {
      log(`Attention / warning: ${w.reason} (--drop "${w.header}")`)
    }
    return 0
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`${err.message}\n\nAide / help: npx tsx scripts/pseudonymise.ts --help\n`)
      return 64
    }
    if (err instanceof ImportStructureError) {
      process.stderr.write(`Erreur : ${err.message}\nError: the input file cannot be read as CSV (${err.code}).\n`)
      return 65
    }
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      process.stderr.write(`Erreur : fichier introuvable / Error: file not found — ${(err as NodeJS.ErrnoException).path ?? ''}\n`)
      return 64
    }
    throw err
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code
    },
    (err: unknown) => {
      process.stderr.write(`Erreur inattendue / unexpected error: ${(err as Error).stack ?? String(err)}\n`)
      process.exitCode = 1
    },
  )
}
