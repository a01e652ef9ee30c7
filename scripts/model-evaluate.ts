/**
 * `npm run model:evaluate -- <data.csv> [--keep]`: the scoring engine measured on real outcomes.
 *
 * The UCI "Predict Students' Dropout and Academic Success" file (Realinho et al. 2022, CC BY 4.0;
 * UCI id 697, https://doi.org/10.5281/zenodo.5777339) is converted into the platform's own import files, which go
 * through the real import pipeline (parse, validate, COPY, merge: services.imports +
 * services.importProcessor) into a scratch database `repere_eval`; the cohort is then trained with
 * 5-fold cross-validation by the same code as `model.train` (scoringService.trainOnCohort), and the
 * out-of-fold metrics of dropout vs rest are printed as `key=value` lines.
 *
 * Conversion (one academic year, 2023/2024, every student in L1 of their course):
 *  - etudiants: course → code étape (`UCI<code>`), daytime → FI / evening → FC, scholarship →
 *    boursier, birth year = 2023 − age at enrolment, and as `indicateur_*` what a French export
 *    could carry at enrolment: admission grade, previous qualification grade, tuition fees up to
 *    date, debtor, displaced, application order, units credited from earlier studies. Left out on
 *    purpose: gender, nationality, marital status, parents' education and jobs, special needs
 *    (sensitive or not ours to use, docs/domain.md#profiling-and-human-decisions), and the year's
 *    economic indicators.
 *  - resultats (session 1): per semester, `approved` units → ADM with the semester grade and 6 ECTS,
 *    units `without evaluations` → ABI, the other enrolled units → AJ; codes `7UCIxxxx<s><nn>`
 *    carry the semester, so semester 1 is known from February and semester 2 from June.
 *  - devenir: Dropout → abandon, Graduate → diplome, Enrolled → reinscrit.
 * As-of date: week 44 of the year (4 July 2024), after both semesters' first session.
 *
 * Environment: DATABASE_URL gives the server (the database name is always repere_eval); it is
 * dropped and created on each run, and dropped at the end unless `--keep`.
 */
import { createHash } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { parse } from 'csv-parse/sync'
import { Redis } from 'ioredis'
import postgres from 'postgres'
import { eq } from 'drizzle-orm'
import { createDatabase } from '../db/client.ts'
import { users } from '../db/schema/users.ts'
import { loadConfig } from '../server/config.ts'
import { createContainer } from '../server/container.ts'
import { createLogger } from '../server/lib/logger.ts'
import { memoryMailer } from '../server/lib/mailer.ts'
import type { Queues } from '../server/lib/queue.ts'
import { asOfDateOfWeek } from '../server/services/scoring/calendar.ts'
import { generateSecrets } from './lib/env-file.ts'
import { migrate } from './migrate.ts'
import { seedOrganisations, seedUsers } from './seed.ts'

const DATABASE = 'repere_eval'
const YEAR = '2023/2024'
const AS_OF_WEEK = 44
const UNIT_ECTS = 6

type UciRow = Record<string, string>

const emit = (key: string, value: string | number | null) => process.stdout.write(`${key}=${value ?? ''}\n`)
const note = (message: string) => process.stderr.write(`# ${message}\n`)
const r4 = (x: number) => Math.round(x * 10_000) / 10_000

/** A pseudonym like scripts/pseudonymise.ts makes: 22 base64url characters. */
const pseudo = (i: number) => createHash('sha256').update(`uci-${i}`).digest('base64url').slice(0, 22)

function readUci(text: string): UciRow[] {
  const rows = parse<UciRow>(text, {
    delimiter: ';',
    bom: true,
    columns: (h: string[]) => h.map((x) => x.trim()),
    skip_empty_lines: true,
    trim: true,
  })
  if (rows.length === 0 || !('Target' in rows[0]!)) {
    throw new Error('not the UCI dropout file: no Target column')
  }
  return rows
}

const num = (r: UciRow, key: string): number => {
  const v = Number(r[key])
  if (!Number.isFinite(v)) {
    throw new Error(`column "${key}": not a number (${r[key]})`)
  }
  return v
}
const fr = (x: number) => String(Math.round(x * 100) / 100).replace('.', ',')
const csv = (rows: (string | number)[][]) => rows.map((r) => r.join(';')).join('\r\n') + '\r\n'

/** The platform's import files for the UCI rows. */
export function uciToImports(rows: UciRow[]): { etudiants: string; resultats: string; devenir: string } {
  const etudiants: (string | number)[][] = [
    [
      'id_pseudo',
      'annee_univ',
      'code_etape',
      'niveau',
      'regime',
      'boursier',
      'annee_naissance',
      'indicateur_note_admission',
      'indicateur_note_diplome_precedent',
      'indicateur_frais_a_jour',
      'indicateur_debiteur',
      'indicateur_deplace',
      'indicateur_ordre_candidature',
      'indicateur_ue_creditees',
    ],
  ]
  const resultats: (string | number)[][] = [['id_pseudo', 'annee_univ', 'code_elp', 'session', 'note', 'resultat', 'ects']]
  const devenir: (string | number)[][] = [['id_pseudo', 'annee_univ', 'devenir']]
  const outcome: Record<string, string> = { Dropout: 'abandon', Graduate: 'diplome', Enrolled: 'reinscrit' }
  rows.forEach((r, i) => {
    const id = pseudo(i)
    const course = num(r, 'Course')
    etudiants.push([
      id,
      YEAR,
      `UCI${course}`,
      'L1',
      num(r, 'Daytime/evening attendance') === 1 ? 'FI' : 'FC',
      num(r, 'Scholarship holder') === 1 ? 'O' : 'N',
      2023 - num(r, 'Age at enrollment'),
      fr(num(r, 'Admission grade')),
      fr(num(r, 'Previous qualification (grade)')),
      num(r, 'Tuition fees up to date'),
      num(r, 'Debtor'),
      num(r, 'Displaced'),
      num(r, 'Application order'),
      num(r, 'Curricular units 1st sem (credited)') + num(r, 'Curricular units 2nd sem (credited)'),
    ])
    for (const [s, label] of [
      [1, '1st'],
      [2, '2nd'],
    ] as const) {
      const enrolled = num(r, `Curricular units ${label} sem (enrolled)`)
      const approved = Math.min(enrolled, num(r, `Curricular units ${label} sem (approved)`))
      const absent = Math.min(enrolled - approved, num(r, `Curricular units ${label} sem (without evaluations)`))
      const grade = num(r, `Curricular units ${label} sem (grade)`)
      for (let u = 0; u < enrolled; u++) {
        const code = `7UCI${course}${s}${String(u + 1).padStart(2, '0')}`
        if (u < approved) {
          resultats.push([id, YEAR, code, 1, fr(Math.min(20, grade)), 'ADM', UNIT_ECTS])
        } else if (u < approved + absent) {
          resultats.push([id, YEAR, code, 1, '', 'ABI', 0])
        } else {
          resultats.push([id, YEAR, code, 1, '', 'AJ', 0])
        }
      }
    }
    const target = outcome[r.Target ?? '']
    if (!target) {
      throw new Error(`line ${i + 2}: unknown Target "${r.Target}"`)
    }
    devenir.push([id, YEAR, target])
  })
  return { etudiants: csv(etudiants), resultats: csv(resultats), devenir: csv(devenir) }
}

/** Queues that only remember what was asked: the pipeline is driven in-process, no Redis needed. */
function recordingQueues(): Queues & { asked: { name: string; payload: unknown }[] } {
  const asked: { name: string; payload: unknown }[] = []
  return {
    asked,
    enqueue(name, payload) {
      asked.push({ name, payload })
      return Promise.resolve(`${name}-${asked.length}`)
    },
    all: () => [],
    get: () => {
      throw new Error('no queue in the evaluation')
    },
    close: () => Promise.resolve(),
  }
}

async function main(args: string[]): Promise<number> {
  const file = args.find((a) => !a.startsWith('--'))
  const keep = args.includes('--keep')
  if (!file) {
    process.stderr.write('usage: npm run model:evaluate -- <data.csv> [--keep]\n')
    return 64
  }
  const started = performance.now()
  const rows = readUci(await readFile(file, 'utf8'))
  note(`${rows.length} students read from ${file}`)

  const base = new URL(process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/repere')
  const url = (name: string) => {
    const u = new URL(base)
    u.pathname = `/${name}`
    return u.toString()
  }
  const admin = postgres(url('postgres'), { max: 1, onnotice: () => {} })
  await admin.unsafe(`DROP DATABASE IF EXISTS ${DATABASE} WITH (FORCE)`)
  await admin.unsafe(`CREATE DATABASE ${DATABASE}`)
  await migrate(url(DATABASE))
  const config = loadConfig({
    NODE_ENV: 'production',
    DATABASE_URL: url(DATABASE),
    LOG_LEVEL: 'warn',
    UPLOAD_DIR: await mkdtemp(join(tmpdir(), 'repere-eval-uploads-')),
    ...generateSecrets(),
  })
  const database = createDatabase(config.DATABASE_URL, { max: 4, appName: 'repere-eval' })
  const work = await mkdtemp(join(tmpdir(), 'repere-eval-'))
  // Never connected: the health service is the only user of it and is not called here.
  const redis = new Redis(config.REDIS_URL, { lazyConnect: true })
  try {
    const orgIds = await seedOrganisations(database.db)
    await seedUsers(database.db, orgIds)
    const universityId = orgIds.get('urca')!
    const [staff] = await database.db.select().from(users).where(eq(users.email, 'universite@demo.repere.test'))
    const queues = recordingQueues()
    const services = createContainer({ config, database, redis, queues, mailer: memoryMailer(), log: createLogger(config, 'eval') })
    const actor = { userId: staff!.id, organisationId: universityId, role: staff!.role }

    const files = uciToImports(rows)
    for (const kind of ['etudiants', 'resultats', 'devenir'] as const) {
      const path = join(work, `${kind}.csv`)
      await writeFile(path, files[kind])
      const t0 = performance.now()
      const up = await services.imports.upload(
        { actor, requestId: 'model-evaluate' },
        { kind, fileName: `uci-${kind}.csv`, stream: createReadStream(path), truncated: () => false },
      )
      if (up.outcome !== 'queued') {
        throw new Error(`${kind}: upload ${up.outcome}`)
      }
      const outcome = await services.importProcessor.process({ importId: up.import.id })
      const [imp] = await database.sql<{ rows_loaded: number; rows_invalid: number; error_message: string | null }[]>`
        SELECT rows_loaded, rows_invalid, error_message FROM imports WHERE id = ${up.import.id}`
      if (outcome !== 'succeeded') {
        throw new Error(`${kind}: import ${outcome}: ${imp?.error_message ?? ''}`)
      }
      note(`${kind}: ${imp!.rows_loaded} rows loaded, ${imp!.rows_invalid} invalid, ${Math.round(performance.now() - t0)} ms`)
    }

    const asOf = asOfDateOfWeek(YEAR, AS_OF_WEEK)
    const t1 = performance.now()
    const result = await services.scoring.trainOnCohort({ universityId, academicYear: YEAR, asOf, options: { folds: 5 } })
    const m = result.metrics
    note(`trained as of ${asOf} (week ${AS_OF_WEEK}) in ${Math.round(performance.now() - t1)} ms, ${result.spec.columns.length} columns`)
    emit('students', m.count)
    emit('dropouts', m.positives)
    emit('auc', r4(m.auc))
    emit('average_precision', r4(m.averagePrecision))
    emit('precision_at_10', r4(m.precisionAt10))
    emit('recall_at_10', r4(m.recallAt10))
    emit('precision_at_20', r4(m.precisionAt20))
    emit('recall_at_20', r4(m.recallAt20))
    emit('brier', r4(m.brier))
    emit('max_group_flag_ratio', m.maxGroupFlagRatio === null ? null : r4(m.maxGroupFlagRatio))
    emit('fold_auc', m.foldAuc.map(r4).join(','))
    emit('auc_target', 0.9)
    emit('auc_reference_all_features', 0.92)
    emit('seconds', Math.round((performance.now() - started) / 100) / 10)
    return m.auc >= 0.9 ? 0 : 1
  } finally {
    redis.disconnect()
    await database.close()
    await rm(work, { recursive: true, force: true })
    await rm(config.UPLOAD_DIR, { recursive: true, force: true })
    if (!keep) {
      await admin.unsafe(`DROP DATABASE IF EXISTS ${DATABASE} WITH (FORCE)`)
    }
    await admin.end({ timeout: 5 })
  }
}

try {
  process.exitCode = await main(process.argv.slice(2))
} catch (err) {
  process.stderr.write(`model:evaluate failed: ${(err as Error).stack ?? String(err)}\n`)
  process.exitCode = 1
}
process.exit(process.exitCode)
