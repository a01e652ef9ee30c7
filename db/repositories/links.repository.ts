import { and, desc, eq, isNull, sql } from 'drizzle-orm'
import type { DbOrTx } from '../client.ts'
import { enrolments } from '../schema/enrolments.ts'
import { links, type Link } from '../schema/links.ts'
import { students } from '../schema/students.ts'

export type NewLink = typeof links.$inferInsert
export type LinkWithStudent = Link & { pseudoId: string }

export function createLinkRepository(q: DbOrTx) {
  return {
    /** One statement for any number of links (campaigns create them in bulk). */
    async insertMany(rows: NewLink[]): Promise<{ id: string; codeHash: string }[]> {
      if (rows.length === 0) {
        return []
      }
      return q.insert(links).values(rows).returning({ id: links.id, codeHash: links.codeHash })
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
