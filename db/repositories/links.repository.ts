import { and, desc, eq, isNull, sql } from 'drizzle-orm'
import type { DbOrTx } from '../client.ts'
import { enrolments } from '../schema/enrolments.ts'
import { links, type Link } from '../schema/links.ts'
import { students } from '../schema/students.ts'

export type NewLink = typeof links.$inferInsert
export type LinkWithStudent = Link & { pseudoId: string }

/** Everything a student page shows about its link, read in one statement (`resolveByCodeHash`). */
export type ResolvedLinkRow = LinkWithStudent & {
  university: { id: string; name: string; shortName: string }
  missionLocale: { id: string; name: string; shortName: string; phone: string | null; email: string | null; address: string | null } | null
  birthYear: number | null
  /** The commune the student declared, else the latest enrolment's; null when unknown. */
  commune: { inseeCode: string; name: string } | null
  /** The pseudonym's hash is on the objection list; null when the link has no `suppression_hash`. */
  suppressed: boolean | null
  /** The link's booked appointment, if any (the landing page then offers to manage it). */
  bookedAppointmentId: string | null
}

export function createLinkRepository(q: DbOrTx) {
  return {
    /** One statement for any number of links (campaigns create them in bulk). */
    async insertMany(rows: NewLink[]): Promise<{ id: string; codeHash: string }[]> {
      if (rows.length === 0) {
        return []
      }
      return q.insert(links).values(rows).returning({ id: links.id, codeHash: links.codeHash })
    },

    /**
     * A link with what its pages show, in one statement: the student's pseudonym, birth year and
     * commune (declared, else the latest enrolment's), the university, and the Mission Locale's
     * generic contact (its settings and its first agency by name), whether the pseudonym is on the
     * objection list, and the booked appointment. The student pages run this on every request: one
     * round trip instead of one per fact. Reads `links_code_hash_key`.
     */
    async resolveByCodeHash(codeHash: string): Promise<ResolvedLinkRow | undefined> {
      const [r] = await q.execute<Record<string, unknown>>(sql`
        SELECT l.id, l.code_hash, l.student_id, l.university_id, l.mission_locale_id, l.declared_commune_insee,
               l.campaign_id, l.message_id, l.suppression_hash, l.expires_at, l.opened_at, l.created_at,
               s.pseudo_id, u.name AS university_name, u.short_name AS university_short_name,
               ml.name AS ml_name, ml.short_name AS ml_short_name, st.public_phone, st.public_email,
               ag.address AS agency_address, ag.postcode AS agency_postcode, agc.name AS agency_commune,
               e.birth_year, c.insee_code AS commune_insee, c.name AS commune_name,
               CASE WHEN l.suppression_hash IS NULL THEN NULL ELSE EXISTS (
                 SELECT 1 FROM suppressions x WHERE x.kind = 'pseudo_id' AND x.value_hash = l.suppression_hash
               ) END AS suppressed,
               (SELECT a.id FROM appointments a WHERE a.link_id = l.id AND a.status = 'booked' LIMIT 1) AS booked_appointment_id
        FROM links l
        JOIN students s ON s.id = l.student_id
        JOIN organisations u ON u.id = l.university_id
        LEFT JOIN organisations ml ON ml.id = l.mission_locale_id AND ml.kind = 'mission_locale'
        LEFT JOIN mission_locale_settings st ON st.mission_locale_id = ml.id
        LEFT JOIN LATERAL (
          SELECT address, postcode, insee_code FROM sites WHERE organisation_id = ml.id AND kind = 'agency' ORDER BY name LIMIT 1
        ) ag ON true
        LEFT JOIN communes agc ON agc.insee_code = ag.insee_code
        LEFT JOIN LATERAL (
          SELECT birth_year, home_commune_insee FROM enrolments WHERE student_id = l.student_id ORDER BY academic_year DESC LIMIT 1
        ) e ON true
        LEFT JOIN communes c ON c.insee_code = coalesce(l.declared_commune_insee, e.home_commune_insee)
        WHERE l.code_hash = ${codeHash}`)
      if (!r) {
        return undefined
      }
      const date = (v: unknown) => (v === null ? null : new Date(v as string))
      return {
        id: r.id as string,
        codeHash: r.code_hash as string,
        studentId: Number(r.student_id),
        universityId: r.university_id as string,
        missionLocaleId: r.mission_locale_id as string | null,
        declaredCommuneInsee: r.declared_commune_insee as string | null,
        campaignId: r.campaign_id as string | null,
        messageId: r.message_id as string | null,
        suppressionHash: r.suppression_hash as string | null,
        expiresAt: date(r.expires_at)!,
        openedAt: date(r.opened_at),
        createdAt: date(r.created_at)!,
        pseudoId: r.pseudo_id as string,
        university: { id: r.university_id as string, name: r.university_name as string, shortName: r.university_short_name as string },
        missionLocale:
          r.ml_name === null
            ? null
            : {
                id: r.mission_locale_id as string,
                name: r.ml_name as string,
                shortName: r.ml_short_name as string,
                phone: r.public_phone as string | null,
                email: r.public_email as string | null,
                address:
                  r.agency_address === null
                    ? null
                    : `${r.agency_address as string}, ${r.agency_postcode as string} ${(r.agency_commune as string | null) ?? ''}`.trim(),
              },
        birthYear: r.birth_year === null ? null : Number(r.birth_year),
        commune: r.commune_insee === null ? null : { inseeCode: r.commune_insee as string, name: r.commune_name as string },
        suppressed: r.suppressed as boolean | null,
        bookedAppointmentId: r.booked_appointment_id as string | null,
      }
    },

    /** Reads the unique index `links_code_hash_key`. */
    async byCodeHash(codeHash: string): Promise<LinkWithStudent | undefined> {
      const [row] = await q
        .select({ link: links, pseudoId: students.pseudoId })
        .from(links)
        .innerJoin(students, eq(students.id, links.studentId))
        .where(eq(links.codeHash, codeHash))
      return row ? { ...row.link, pseudoId: row.pseudoId } : undefined
    },

    async byId(id: string): Promise<LinkWithStudent | undefined> {
      const [row] = await q
        .select({ link: links, pseudoId: students.pseudoId })
        .from(links)
        .innerJoin(students, eq(students.id, links.studentId))
        .where(eq(links.id, id))
      return row ? { ...row.link, pseudoId: row.pseudoId } : undefined
    },

    /** Sets opened_at the first time only; true when this call was the first opening. */
    async markOpened(id: string): Promise<boolean> {
      const rows = await q
        .update(links)
        .set({ openedAt: sql`now()` })
        .where(and(eq(links.id, id), isNull(links.openedAt)))
        .returning({ id: links.id })
      return rows.length > 0
    },

    /** Stores the commune the student declared and the Mission Locale it routes to. */
    async setCommune(id: string, inseeCode: string, missionLocaleId: string | null): Promise<void> {
      await q.update(links).set({ declaredCommuneInsee: inseeCode, missionLocaleId }).where(eq(links.id, id))
    },

    /** What the platform knows of a student that the student pages may use: pseudonymous facts only. */
    async studentFacts(studentId: number): Promise<{ homeCommuneInsee: string | null; birthYear: number | null }> {
      const [row] = await q
        .select({ homeCommuneInsee: enrolments.homeCommuneInsee, birthYear: enrolments.birthYear })
        .from(enrolments)
        .where(eq(enrolments.studentId, studentId))
        .orderBy(desc(enrolments.academicYear))
        .limit(1)
      return row ?? { homeCommuneInsee: null, birthYear: null }
    },

    async studentByPseudo(universityId: string, pseudoId: string): Promise<{ id: number } | undefined> {
      const [row] = await q
        .select({ id: students.id })
        .from(students)
        .where(and(eq(students.universityId, universityId), eq(students.pseudoId, pseudoId)))
      return row
    },

    async studentById(studentId: number): Promise<{ id: number; universityId: string; pseudoId: string } | undefined> {
      const [row] = await q
        .select({ id: students.id, universityId: students.universityId, pseudoId: students.pseudoId })
        .from(students)
        .where(eq(students.id, studentId))
      return row
    },
  }
}
export type LinkRepository = ReturnType<typeof createLinkRepository>
