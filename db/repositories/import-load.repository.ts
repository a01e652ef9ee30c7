/**
 * The SQL of the import pipeline, all of it inside the load's one transaction (postgres.js, for
 * COPY): the staging table, the COPY, the merges, the row report and the final state.
 *
 * How each import kind lands in the database: the columns of its staging table (filled by
 * COPY from validated rows) and the one set-based merge that moves them into the real tables.
 *
 * Every merge is an upsert on the table's natural key (its primary key), so a re-import of
 * overlapping data replaces rows instead of duplicating them; the `WHERE … IS DISTINCT FROM`
 * guard leaves unchanged rows untouched (no dead tuples on a re-import).
 */
import { once } from 'node:events'
import { finished } from 'node:stream/promises'
import type postgres from 'postgres'
import type { AttendanceShape, ImportKind } from '../vocabulary/index.ts'

/** A validated row's values by column key (server/services/imports/kinds: `RowValues`). */
export type RowValues = Record<string, string | number | boolean | null>

export type StagingColumn = {
  name: string
  /** PostgreSQL type in the staging table. */
  type: string
  value: (v: RowValues, ctx: LoaderContext) => string | number | boolean | null
}

/** What turning a row into staging values needs: contact details are encrypted before they reach the database. */
export type LoaderContext = { encrypt: (clear: string) => Buffer; keyId: number }

export type MergeParams = { universityId: string; importId: string }

export type Loader = {
  /** Target table, for messages and the benchmark. */
  table: string
  columns: StagingColumn[]
  /** The natural key in staging-column names; duplicates inside one file keep the last line. */
  key: string[]
  /** INSERT … SELECT from `stg` (aliased g, joined to students s), without the ON CONFLICT clause. */
  insert: string
  onConflict: string
  /** SQL expression over staging alias g giving the academic year of a row, or null. */
  academicYear: string | null
  /** Whether a finished import of this kind asks for the cohort to be scored again. */
  scoring: boolean
}

const col = (name: string, type: string, key = name): StagingColumn => ({ name, type, value: (v) => v[key] ?? null })
/** Text columns that are part of a natural key are never null: '' stands for "not given". */
const keyText = (name: string, key: string): StagingColumn => ({ name, type: 'text', value: (v) => (v[key] as string | null) ?? '' })

/** The academic year of a date: September to August. */
const yearOfDate = (expr: string) =>
  `CASE WHEN extract(month FROM ${expr}) >= 9 THEN extract(year FROM ${expr})::int || '/' || (extract(year FROM ${expr})::int + 1) ELSE (extract(year FROM ${expr})::int - 1) || '/' || extract(year FROM ${expr})::int END`

const STUDENT_JOIN = `FROM stg g JOIN students s ON s.university_id = $1 AND s.pseudo_id = g.pseudo_id`

const attendanceSession: Loader = {
  table: 'attendance_sessions',
  columns: [
    col('pseudo_id', 'text', 'id_pseudo'),
    col('course_unit', 'text', 'code_elp'),
    col('session_date', 'date', 'date_seance'),
    keyText('session_type', 'type_seance'),
    keyText('session_time', 'heure_seance'),
    col('presence_raw', 'text', 'statut_presence_raw'),
    col('presence', 'text', 'statut_presence'),
    col('justified', 'boolean', 'justif'),
  ],
  key: ['pseudo_id', 'course_unit', 'session_date', 'session_type', 'session_time'],
  insert: `INSERT INTO attendance_sessions AS t (student_id, course_unit, session_date, session_type, session_time, presence_raw, presence, justified, import_id)
    SELECT s.id, g.course_unit, g.session_date, g.session_type, g.session_time, g.presence_raw, g.presence::presence, g.justified, $2 ${STUDENT_JOIN}
    ORDER BY s.id, g.course_unit, g.session_date, g.session_type, g.session_time`,
  onConflict: `ON CONFLICT (student_id, course_unit, session_date, session_type, session_time) DO UPDATE
    SET presence_raw = excluded.presence_raw, presence = excluded.presence, justified = excluded.justified, import_id = excluded.import_id, updated_at = now()
    WHERE (t.presence_raw, t.justified) IS DISTINCT FROM (excluded.presence_raw, excluded.justified)`,
  academicYear: yearOfDate('g.session_date'),
  scoring: true,
}

const attendanceWeek: Loader = {
  table: 'attendance_weeks',
  columns: [
    col('pseudo_id', 'text', 'id_pseudo'),
    col('week_start', 'date', 'semaine'),
    keyText('course_unit', 'code_elp'),
    col('sessions_expected', 'integer', 'seances_prevues'),
    col('sessions_attended', 'integer', 'seances_suivies'),
  ],
  key: ['pseudo_id', 'week_start', 'course_unit'],
  insert: `INSERT INTO attendance_weeks AS t (student_id, week_start, course_unit, sessions_expected, sessions_attended, import_id)
    SELECT s.id, g.week_start, g.course_unit, g.sessions_expected, g.sessions_attended, $2 ${STUDENT_JOIN}
    ORDER BY s.id, g.week_start, g.course_unit`,
  onConflict: `ON CONFLICT (student_id, week_start, course_unit) DO UPDATE
    SET sessions_expected = excluded.sessions_expected, sessions_attended = excluded.sessions_attended, import_id = excluded.import_id, updated_at = now()
    WHERE (t.sessions_expected, t.sessions_attended) IS DISTINCT FROM (excluded.sessions_expected, excluded.sessions_attended)`,
  academicYear: yearOfDate('g.week_start'),
  scoring: true,
}

const enrolments: Loader = {
  table: 'enrolments',
  columns: [
    col('pseudo_id', 'text', 'id_pseudo'),
    col('academic_year', 'text', 'annee_univ'),
    col('faculty', 'text', 'composante'),
    col('step_code', 'text', 'code_etape'),
    col('step_label', 'text', 'lib_etape'),
    col('level', 'text', 'niveau'),
    col('campus', 'text', 'campus'),
    col('birth_year', 'integer', 'annee_naissance'),
    col('grant_holder', 'boolean', 'boursier'),
    col('grant_level', 'text', 'echelon_bourse'),
    col('home_commune_insee', 'text', 'commune_insee'),
    col('home_postcode', 'text', 'code_postal'),
    col('registration_date', 'date', 'date_inscription'),
    col('admin_status', 'text', 'statut_ia'),
    col('pedagogical_status', 'text', 'statut_ip'),
    col('study_regime', 'text', 'regime'),
    col('oui_si', 'boolean', 'oui_si'),
  ],
  key: ['pseudo_id', 'academic_year'],
  // A postcode alone is resolved to a commune only when it names exactly one commune.
  insert: `INSERT INTO enrolments AS t (student_id, academic_year, faculty, step_code, step_label, level, campus, birth_year,
      grant_holder, grant_level, home_commune_insee, home_postcode, registration_date, admin_status, pedagogical_status, study_regime, oui_si, import_id)
    SELECT s.id, g.academic_year, g.faculty, g.step_code, g.step_label, g.level, g.campus, g.birth_year, g.grant_holder, g.grant_level,
      coalesce(g.home_commune_insee, (SELECT min(c.insee_code) FROM communes c WHERE g.home_postcode = ANY (c.postcodes) HAVING count(*) = 1)),
      g.home_postcode, g.registration_date, g.admin_status, g.pedagogical_status, g.study_regime, g.oui_si, $2 ${STUDENT_JOIN}`,
  onConflict: `ON CONFLICT (student_id, academic_year) DO UPDATE SET
      faculty = excluded.faculty, step_code = excluded.step_code, step_label = excluded.step_label, level = excluded.level,
      campus = excluded.campus, birth_year = excluded.birth_year, grant_holder = excluded.grant_holder, grant_level = excluded.grant_level,
      home_commune_insee = excluded.home_commune_insee, home_postcode = excluded.home_postcode, registration_date = excluded.registration_date,
      admin_status = excluded.admin_status, pedagogical_status = excluded.pedagogical_status, study_regime = excluded.study_regime,
      oui_si = excluded.oui_si, import_id = excluded.import_id, updated_at = now()
    WHERE (t.faculty, t.step_code, t.step_label, t.level, t.campus, t.birth_year, t.grant_holder, t.grant_level, t.home_commune_insee,
      t.home_postcode, t.registration_date, t.admin_status, t.pedagogical_status, t.study_regime, t.oui_si)
      IS DISTINCT FROM (excluded.faculty, excluded.step_code, excluded.step_label, excluded.level, excluded.campus, excluded.birth_year,
      excluded.grant_holder, excluded.grant_level, excluded.home_commune_insee, excluded.home_postcode, excluded.registration_date,
      excluded.admin_status, excluded.pedagogical_status, excluded.study_regime, excluded.oui_si)`,
  academicYear: 'g.academic_year',
  scoring: true,
}

const results: Loader = {
  table: 'results',
  columns: [
    col('pseudo_id', 'text', 'id_pseudo'),
    col('academic_year', 'text', 'annee_univ'),
    col('course_unit', 'text', 'code_elp'),
    col('session', 'smallint', 'session'),
    col('grade', 'numeric', 'note'),
    col('result_raw', 'text', 'resultat_raw'),
    col('result', 'text', 'resultat'),
    col('ects', 'numeric', 'ects'),
  ],
  key: ['pseudo_id', 'academic_year', 'course_unit', 'session'],
  insert: `INSERT INTO results AS t (student_id, academic_year, course_unit, session, grade, result_raw, result, ects, import_id)
    SELECT s.id, g.academic_year, g.course_unit, g.session, g.grade, g.result_raw, g.result::result_outcome, g.ects, $2 ${STUDENT_JOIN}
    ORDER BY s.id, g.academic_year, g.course_unit, g.session`,
  onConflict: `ON CONFLICT (student_id, academic_year, course_unit, session) DO UPDATE SET
      grade = excluded.grade, result_raw = excluded.result_raw, result = excluded.result, ects = excluded.ects, import_id = excluded.import_id, updated_at = now()
    WHERE (t.grade, t.result_raw, t.ects) IS DISTINCT FROM (excluded.grade, excluded.result_raw, excluded.ects)`,
  academicYear: 'g.academic_year',
  scoring: true,
}

const lms: Loader = {
  table: 'lms_activity',
  columns: [
    col('pseudo_id', 'text', 'id_pseudo'),
    col('week_start', 'date', 'semaine'),
    col('logins', 'integer', 'connexions'),
    col('minutes', 'integer', 'minutes'),
    col('resources_viewed', 'integer', 'ressources_consultees'),
    col('assignments_submitted', 'integer', 'devoirs_rendus'),
  ],
  key: ['pseudo_id', 'week_start'],
  insert: `INSERT INTO lms_activity AS t (student_id, week_start, logins, minutes, resources_viewed, assignments_submitted, import_id)
    SELECT s.id, g.week_start, g.logins, g.minutes, g.resources_viewed, g.assignments_submitted, $2 ${STUDENT_JOIN}
    ORDER BY s.id, g.week_start`,
  onConflict: `ON CONFLICT (student_id, week_start) DO UPDATE SET
      logins = excluded.logins, minutes = excluded.minutes, resources_viewed = excluded.resources_viewed,
      assignments_submitted = excluded.assignments_submitted, import_id = excluded.import_id, updated_at = now()
    WHERE (t.logins, t.minutes, t.resources_viewed, t.assignments_submitted)
      IS DISTINCT FROM (excluded.logins, excluded.minutes, excluded.resources_viewed, excluded.assignments_submitted)`,
  academicYear: yearOfDate('g.week_start'),
  scoring: true,
}

/** Encrypted before COPY: clear contact details never reach the database, not even staging. */
const encrypted = (name: string, key: string): StagingColumn => ({
  name,
  type: 'bytea',
  value: (v, ctx) => {
    const clear = v[key]
    return clear === null || clear === undefined || clear === '' ? null : `\\x${ctx.encrypt(String(clear)).toString('hex')}`
  },
})

const contacts: Loader = {
  table: 'contacts',
  columns: [
    col('pseudo_id', 'text', 'id_pseudo'),
    encrypted('first_name_enc', 'prenom'),
    encrypted('email_enc', 'email'),
    encrypted('phone_enc', 'telephone'),
    { name: 'key_id', type: 'smallint', value: (_v, ctx) => ctx.keyId },
    // Null when the file says nothing for the channel (no address, no number).
    col('consent_email', 'boolean', 'consentement_email'),
    col('consent_sms', 'boolean', 'consentement_sms'),
    col('consent_date', 'date', 'date_consentement'),
    col('consent_source', 'text', 'source_consentement'),
    col('consent_version', 'text', 'version_texte'),
  ],
  key: ['pseudo_id'],
  insert: `INSERT INTO contacts AS t (student_id, first_name_enc, email_enc, phone_enc, key_id, import_id)
    SELECT s.id, g.first_name_enc, g.email_enc, g.phone_enc, g.key_id, $2 ${STUDENT_JOIN}`,
  // Encrypted values differ at every import (random nonce): always replace. Consents go to the
  // ledger (mergeStagedConsents), never here.
  onConflict: `ON CONFLICT (student_id) DO UPDATE SET
      first_name_enc = excluded.first_name_enc, email_enc = excluded.email_enc, phone_enc = excluded.phone_enc,
      key_id = excluded.key_id, import_id = excluded.import_id, updated_at = now(),
      email_invalid_at = CASE WHEN t.email_enc IS NULL OR excluded.email_enc IS NULL THEN NULL ELSE t.email_invalid_at END,
      phone_invalid_at = CASE WHEN t.phone_enc IS NULL OR excluded.phone_enc IS NULL THEN NULL ELSE t.phone_invalid_at END`,
  academicYear: null,
  scoring: false,
}

/**
 * Feeds the consent ledger from a staged contacts file, in the import's transaction. The file
 * is one source among others and never the last word:
 * - an objection is never overridden;
 * - a withdrawal is overridden only by a consent dated a later day than the withdrawal;
 * - a "no" in the file withdraws a consent only if it is not older than that consent;
 * - a file older than the current consent changes nothing.
 * Only changes are written: each one as a `consents` row and one `consent_events` row.
 */
export async function mergeStagedConsents(tx: postgres.TransactionSql, p: MergeParams): Promise<number> {
  const res = await tx.unsafe(
    `WITH src AS (
       SELECT DISTINCT ON (s.id, ch.channel) s.id AS student_id, ch.channel::consent_channel AS channel,
         (CASE WHEN ch.given THEN 'given' ELSE 'withdrawn' END)::consent_status AS status,
         g.consent_source AS source, g.consent_version AS text_version,
         (g.consent_date::timestamp AT TIME ZONE 'Europe/Paris') AS at
       FROM stg g JOIN students s ON s.university_id = $1 AND s.pseudo_id = g.pseudo_id
       CROSS JOIN LATERAL (VALUES ('email', g.consent_email), ('sms', g.consent_sms)) AS ch(channel, given)
       WHERE ch.given IS NOT NULL
       ORDER BY s.id, ch.channel, g.line DESC
     ), applied AS (
       INSERT INTO consents AS t (student_id, channel, status, source, text_version, at, import_id)
       SELECT student_id, channel, status, source, text_version, at, $2 FROM src ORDER BY student_id, channel
       ON CONFLICT (student_id, channel) DO UPDATE
         SET status = excluded.status, source = excluded.source, text_version = excluded.text_version, at = excluded.at,
           import_id = excluded.import_id, updated_at = now()
         WHERE t.status <> 'objected' AND (
           (t.status = 'given' AND excluded.at >= t.at
             AND (excluded.status, excluded.source, excluded.text_version, excluded.at) IS DISTINCT FROM (t.status, t.source, t.text_version, t.at))
           OR (t.status = 'withdrawn' AND excluded.status = 'given'
             AND (excluded.at AT TIME ZONE 'Europe/Paris')::date > (t.at AT TIME ZONE 'Europe/Paris')::date))
       RETURNING t.student_id, t.channel, t.status, t.source, t.text_version, t.at, t.import_id
     )
     INSERT INTO consent_events (student_id, channel, status, source, text_version, at, import_id)
     SELECT student_id, channel, status, source, text_version, at, import_id FROM applied`,
    [p.universityId, p.importId],
  )
  return res.count
}

const outcomes: Loader = {
  table: 'outcomes',
  columns: [
    col('pseudo_id', 'text', 'id_pseudo'),
    col('academic_year', 'text', 'annee_univ'),
    col('outcome', 'text', 'devenir'),
    col('observed_on', 'date', 'date_constat'),
  ],
  key: ['pseudo_id', 'academic_year'],
  insert: `INSERT INTO outcomes AS t (student_id, academic_year, outcome, observed_on, import_id)
    SELECT s.id, g.academic_year, g.outcome::outcome_kind, g.observed_on, $2 ${STUDENT_JOIN}`,
  onConflict: `ON CONFLICT (student_id, academic_year) DO UPDATE SET
      outcome = excluded.outcome, observed_on = excluded.observed_on, import_id = excluded.import_id, updated_at = now()
    WHERE (t.outcome, t.observed_on) IS DISTINCT FROM (excluded.outcome, excluded.observed_on)`,
  academicYear: 'g.academic_year',
  // Outcomes label past years for training; they do not change current scores.
  scoring: false,
}

export function loaderFor(kind: ImportKind, shape?: AttendanceShape | null): Loader {
  switch (kind) {
    case 'assiduite':
      return shape === 'week' ? attendanceWeek : attendanceSession
    case 'etudiants':
      return enrolments
    case 'resultats':
      return results
    case 'activite_ent':
      return lms
    case 'contacts':
      return contacts
    case 'devenir':
      return outcomes
  }
}

/** COPY text format: \N for null, backslash escapes for the four special characters. */
export function copyField(value: string | number | boolean | null): string {
  if (value === null) {
    return '\\N'
  }
  if (typeof value === 'boolean') {
    return value ? 't' : 'f'
  }
  if (typeof value === 'number') {
    return String(value)
  }
  return /[\\\t\n\r]/.test(value)
    ? value.replace(/[\\\t\n\r]/g, (c) => ({ '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' })[c] as string)
    : value
}

export function stagingDdl(loader: Loader, withIndicators: boolean): string {
  const cols = loader.columns.map((c) => `${c.name} ${c.type}`)
  cols.push('line integer NOT NULL')
  if (withIndicators) {
    cols.push('indicators jsonb')
  }
  // Temporary: no WAL, dropped with the transaction.
  return `CREATE TEMP TABLE stg (${cols.join(', ')}) ON COMMIT DROP`
}

/**
 * Runs the merge. Inserts are sorted by the target's primary key, so the index is walked in
 * order instead of touched at random pages (measured: about a quarter off the merge of 1M rows). Fast path: the plain upsert. If the file repeats a natural key, PostgreSQL
 * refuses to update a row twice in one statement (21000): then the merge runs again on the
 * last line of each key only.
 */
export async function runMerge(tx: postgres.TransactionSql, loader: Loader, p: MergeParams): Promise<number> {
  // First load of this kind for the university (typically the onboarding of a year of history,
  // the largest files): nothing can conflict with existing rows, so a plain INSERT skips the
  // speculative insertion of ON CONFLICT (measured: 5.6 s instead of 6.7 s for 1M rows). A key
  // repeated inside the file still fails (23505) and falls through to the upsert paths below.
  const [existing] = await tx.unsafe(
    `SELECT EXISTS (SELECT 1 FROM ${loader.table} t JOIN students s ON s.id = t.student_id WHERE s.university_id = $1) AS any`,
    [p.universityId],
  )
  if (existing && existing.any === false) {
    try {
      const res = await tx.savepoint((sp) => sp.unsafe(loader.insert, [p.universityId, p.importId]))
      return res.count
    } catch (err) {
      if ((err as { code?: string }).code !== '23505') {
        throw err
      }
    }
  }
  try {
    const res = await tx.savepoint((sp) => sp.unsafe(`${loader.insert} ${loader.onConflict}`, [p.universityId, p.importId]))
    return res.count
  } catch (err) {
    if ((err as { code?: string }).code !== '21000') {
      throw err
    }
  }
  const keys = loader.key.map((k) => `g.${k}`).join(', ')
  const dedup = loader.insert.replace(
    STUDENT_JOIN,
    `FROM (SELECT DISTINCT ON (${keys}) g.* FROM stg g ORDER BY ${keys}, g.line DESC) g JOIN students s ON s.university_id = $1 AND s.pseudo_id = g.pseudo_id`,
  )
  const res = await tx.unsafe(`${dedup} ${loader.onConflict}`, [p.universityId, p.importId])
  return res.count
}

/** One line of an import's row report. */
export type ImportErrorRow = { line: number; column: string; value: string; reason: string }

/** Replaces an import's row report (inside the caller's transaction). */
export async function replaceImportErrors(tx: postgres.TransactionSql, importId: string, errors: ImportErrorRow[]): Promise<void> {
  await tx`DELETE FROM import_errors WHERE import_id = ${importId}`
  for (let i = 0; i < errors.length; i += 1_000) {
    const rows = errors
      .slice(i, i + 1_000)
      .map((e) => ({ import_id: importId, line: e.line, column: e.column, value: e.value.slice(0, 500), reason: e.reason }))
    await tx`INSERT INTO import_errors ${tx(rows)}`
  }
}

/** Written to the COPY's CopyFail: PostgreSQL logs it, so it says nothing about the file's content. */
const COPY_ABORTED = 'import aborted by the application (see the import row for the reason)'

/**
 * Runs `feed` against a `COPY … FROM STDIN` on `tx`, and ends the COPY whichever way `feed` ends.
 *
 * - `feed` throws (a reader error mid-file: unclosed quote, record too large, invalid bytes…): the
 *   stream is destroyed, which makes postgres.js send CopyFail and free the connection's COPY state,
 *   then `feed`'s own error is rethrown. The transaction's ROLLBACK can then run on the same
 *   connection; without this, postgres.js refuses it with COPY_IN_PROGRESS, the reader's French
 *   message is lost and the connection goes back to the pool still in COPY mode.
 * - The server rejects the data after `end()` (CopyDone sent): postgres.js 3.4.9 rejects the COPY
 *   query object but never settles the stream (its `final` callback waits for a CommandComplete that
 *   never comes), so awaiting 'finish' alone would hang with the transaction open. The query's
 *   rejection is watched as well, so the error reaches the caller and the transaction rolls back.
 */
export async function copyInto(
  tx: postgres.TransactionSql,
  statement: string,
  feed: (write: (chunk: string) => Promise<void>) => Promise<void>,
  /** Errors of `feed` that say more than any COPY error (the reader's own, a refusal). */
  isFeedErrorFirst: (err: unknown) => boolean = () => false,
): Promise<void> {
  const query = tx.unsafe(statement)
  const internals = query as unknown as { reject?: (err: Error) => void }
  const rejectQuery = internals.reject
  const serverFailed = new Promise<never>((_, reject) => {
    if (typeof rejectQuery === 'function') {
      internals.reject = (err) => {
        reject(err)
        rejectQuery(err)
      }
    }
  })
  serverFailed.catch(() => {})
  const copy = await query.writable()
  const done = finished(copy)
  // Settled one way or another below; never an unhandled rejection meanwhile.
  done.catch(() => {})
  const write = async (chunk: string) => {
    if (!copy.write(chunk)) {
      // Rejects if the stream errors while waiting, and removes its listeners either way.
      await once(copy, 'drain')
    }
  }
  try {
    await feed(write)
  } catch (err) {
    if (!copy.destroyed) {
      copy.destroy(new Error(COPY_ABORTED))
    }
    // A server-side COPY error (which destroyed the stream and failed `write`) says more than the write's own.
    const copyError = await done.then(
      () => undefined,
      (e: unknown) => (e instanceof Error && e.message === COPY_ABORTED ? undefined : e),
    )
    throw copyError !== undefined && !isFeedErrorFirst(err) ? copyError : err
  }
  copy.end()
  await Promise.race([done, serverFailed])
}

/** Inside the load's transaction: more memory for the merge's sorts, and the temporary staging table. */
export async function createStaging(tx: postgres.TransactionSql, loader: Loader, withIndicators: boolean): Promise<string[]> {
  await tx`SET LOCAL work_mem = '256MB'`
  await tx.unsafe(stagingDdl(loader, withIndicators))
  return [...loader.columns.map((c) => c.name), 'line', ...(withIndicators ? ['indicators'] : [])]
}

/** The COPY statement that fills the staging table with `columns`. */
export const stagingCopy = (columns: string[]): string => `COPY stg (${columns.join(', ')}) FROM STDIN`

/**
 * Creates the students the staging table names and the university does not know yet; returns how
 * many. Sorted, so two imports creating the same students lock them in the same order (no deadlock).
 */
export async function insertStagedStudents(tx: postgres.TransactionSql, universityId: string): Promise<number> {
  const created = await tx.unsafe(
    `INSERT INTO students (university_id, pseudo_id) SELECT DISTINCT $1::uuid, pseudo_id FROM stg ORDER BY pseudo_id ON CONFLICT DO NOTHING`,
    [universityId],
  )
  return created.count
}

/** Upserts the staged `indicateur_*` values (last line wins per student, year and name). */
export async function mergeStagedIndicators(
  tx: postgres.TransactionSql,
  loader: Loader,
  p: MergeParams & { kind: ImportKind },
): Promise<void> {
  const year = loader.academicYear ? `coalesce(${loader.academicYear}, '')` : `''`
  await tx.unsafe(
    `INSERT INTO student_indicators AS t (student_id, academic_year, source_kind, name, value, import_id)
     SELECT DISTINCT ON (s.id, ${year}, e.key) s.id, ${year}, $3::import_kind, e.key, e.value::float8, $2
     FROM stg g JOIN students s ON s.university_id = $1 AND s.pseudo_id = g.pseudo_id, jsonb_each_text(g.indicators) e
     ORDER BY s.id, ${year}, e.key, g.line DESC
     ON CONFLICT (student_id, academic_year, source_kind, name) DO UPDATE
       SET value = excluded.value, import_id = excluded.import_id, updated_at = now()
       WHERE t.value IS DISTINCT FROM excluded.value`,
    [p.universityId, p.importId, p.kind],
  )
}

export type LoadSummary = {
  shape: string | null
  rowsRead: number
  rowsValid: number
  rowsInvalid: number
  rowsChanged: number
  studentsCreated: number
  academicYear: string | null
}

/** The import's final state, in the transaction that loaded its rows. */
export async function markImportLoaded(tx: postgres.TransactionSql, importId: string, s: LoadSummary): Promise<void> {
  await tx`
    UPDATE imports SET status = 'succeeded', shape = ${s.shape}, rows_read = ${s.rowsRead}, rows_valid = ${s.rowsValid},
      rows_invalid = ${s.rowsInvalid}, rows_loaded = ${s.rowsValid}, rows_changed = ${s.rowsChanged},
      students_created = ${s.studentsCreated}, academic_year = ${s.academicYear}, finished_at = clock_timestamp(),
      error_code = NULL, error_message = NULL, updated_at = now()
    WHERE id = ${importId}`
}
