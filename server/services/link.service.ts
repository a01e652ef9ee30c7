/**
 * Personal links: `/r/<code>`, the code (128 random bits) returned once to the creator and stored
 * only as a sha256. A link belongs to a pseudonymous student, their university and the Mission
 * Locale covering their home commune (routed when not given). `resolve` never throws for a bad
 * code: the page shows a helpful answer for `unknown`, `expired` and `objected`.
 */
import type { Db } from '../../db/client.ts'
import { createLinkRepository, type LinkWithStudent } from '../../db/repositories/links.repository.ts'
import type { LinkStatus } from '../../db/vocabulary/index.ts'
import { CODE_PATTERN, hashCode, newCode } from '../lib/codes.ts'
import { BadInput, LinkUnusable } from '../errors.ts'
import type { AuditContext, AuditService } from './audit.service.ts'
import type { MissionLocaleContact, RoutingAnswer, RoutingService } from './routing.service.ts'
import type { SuppressionService } from './suppression.service.ts'

export type NewLinkInput = {
  studentId: number
  /** Default: the Mission Locale of the student's home commune (null when none of the partners covers it). */
  missionLocaleId?: string | null
  campaignId?: string | null
  messageId?: string | null
  /** Default: now + LINK_EXPIRY_DAYS. */
  expiresAt?: Date
}
export type CreatedLink = { linkId: string; code: string; url: string; missionLocaleId: string | null; expiresAt: Date }

export type LinkResolution = {
  status: LinkStatus
  /** Null only for `unknown`. `bookedAppointmentId`: the link's booked appointment, if any. */
  link: {
    id: string
    studentId: number
    expiresAt: Date
    openedAt: Date | null
    missionLocaleId: string | null
    bookedAppointmentId: string | null
  } | null
  /** Pseudonymous facts only. */
  student: { homeCommune: { inseeCode: string; name: string } | null; birthYear: number | null } | null
  university: { id: string; name: string; shortName: string } | null
  missionLocale: MissionLocaleContact | null
}

type Deps = {
  db: Db
  config: { PUBLIC_URL: string; LINK_EXPIRY_DAYS: number }
  routing: Pick<RoutingService, 'commune' | 'forCommune' | 'missionLocale'>
  suppressions: Pick<SuppressionService, 'isSuppressed' | 'keysOf'>
  audit: Pick<AuditService, 'record'>
}

export function createLinkService({ db, config, routing, suppressions, audit }: Deps) {
  const repo = createLinkRepository(db)
  const pseudoKey = (s: { universityId: string; pseudoId: string }) =>
    suppressions.keysOf({ universityId: s.universityId, pseudoId: s.pseudoId })[0]?.valueHash ?? null
  const urlOf = (code: string) => `${config.PUBLIC_URL.replace(/\/$/, '')}/r/${code}`

  /** `suppressed`: what the resolving statement already knows (null: ask the suppression list). */
  async function statusOf(link: LinkWithStudent, now: Date, suppressed: boolean | null = null): Promise<LinkStatus> {
    if (suppressed ?? (await suppressions.isSuppressed({ universityId: link.universityId, pseudoId: link.pseudoId }))) {
      return 'objected'
    }
    return link.expiresAt.getTime() <= now.getTime() ? 'expired' : 'ok'
  }

  async function createMany(inputs: NewLinkInput[]): Promise<CreatedLink[]> {
    const now = Date.now()
    const prepared: { code: string; row: Parameters<typeof repo.insertMany>[0][number] }[] = []
    for (const input of inputs) {
      const student = await repo.studentById(input.studentId)
      if (!student) {
        throw new BadInput(`Étudiant ${input.studentId} inconnu.`)
      }
      let missionLocaleId = input.missionLocaleId
      if (missionLocaleId === undefined) {
        const facts = await repo.studentFacts(student.id)
        missionLocaleId = facts.homeCommuneInsee ? ((await routing.forCommune(facts.homeCommuneInsee)).missionLocale?.id ?? null) : null
      }
      const code = newCode()
      prepared.push({
        code,
        row: {
          codeHash: hashCode(code),
          suppressionHash: pseudoKey(student),
          studentId: student.id,
          universityId: student.universityId,
          missionLocaleId,
          campaignId: input.campaignId ?? null,
          messageId: input.messageId ?? null,
          expiresAt: input.expiresAt ?? new Date(now + config.LINK_EXPIRY_DAYS * 86_400_000),
        },
      })
    }
    const rows = await repo.insertMany(prepared.map((p) => p.row))
    const idByHash = new Map(rows.map((r) => [r.codeHash, r.id]))
    return prepared.map((p) => ({
      linkId: idByHash.get(p.row.codeHash) as string,
      code: p.code,
      url: urlOf(p.code),
      missionLocaleId: p.row.missionLocaleId ?? null,
      expiresAt: p.row.expiresAt,
    }))
  }

  return {
    urlOf,
    createMany,
    async create(input: NewLinkInput): Promise<CreatedLink> {
      const [created] = await createMany([input])
      return created as CreatedLink
    },

    async resolve(code: string, now = new Date()): Promise<LinkResolution> {
      const unknown: LinkResolution = { status: 'unknown', link: null, student: null, university: null, missionLocale: null }
      if (!CODE_PATTERN.test(code)) {
        return unknown
      }
      // One statement for the link, everything its pages show and the objection list.
      const link = await repo.resolveByCodeHash(hashCode(code))
      if (!link) {
        return unknown
      }
      return {
        status: await statusOf(link, now, link.suppressed),
        link: {
          id: link.id,
          studentId: link.studentId,
          expiresAt: link.expiresAt,
          openedAt: link.openedAt,
          missionLocaleId: link.missionLocaleId,
          bookedAppointmentId: link.bookedAppointmentId,
        },
        student: { homeCommune: link.commune, birthYear: link.birthYear },
        university: link.university,
        missionLocale: link.missionLocale,
      }
    },

    /** The admin action (API): by student id or by pseudonym; audited without the code. */
    async createFor(
      ctx: AuditContext,
      input: Omit<NewLinkInput, 'studentId'> & { studentId?: number; universityId?: string; pseudoId?: string },
    ): Promise<CreatedLink> {
      const { universityId, pseudoId, studentId, ...rest } = input
      const id = studentId ?? (universityId && pseudoId ? (await repo.studentByPseudo(universityId, pseudoId))?.id : undefined)
      if (!id) {
        throw new BadInput('Indiquez un étudiant : studentId, ou universityId avec pseudoId.')
      }
      const [created] = await createMany([{ ...rest, studentId: id }])
      const link = created as CreatedLink
      await audit.record(ctx, { action: 'link.create', entityType: 'link', entityId: link.linkId })
      return link
    },

    /** The usable link behind an id, for the services acting on it; throws LinkUnusable otherwise. */
    async usable(linkId: string, now = new Date()): Promise<LinkWithStudent> {
      const link = await repo.byId(linkId)
      if (!link || (await statusOf(link, now)) !== 'ok') {
        throw new LinkUnusable()
      }
      return link
    },

    /**
     * The student says they live elsewhere ("j'ai déménagé"): the link routes by that commune
     * from now on (resolve's homeCommune and missionLocale follow it). Returns the routing answer.
     */
    async setCommune(ctx: AuditContext, linkId: string, inseeCode: string): Promise<RoutingAnswer> {
      const link = await this.usable(linkId)
      const answer = await routing.forCommune(inseeCode)
      if (!answer.commune) {
        throw new BadInput('Commune inconnue : choisissez-la dans la liste proposée.')
      }
      await repo.setCommune(link.id, answer.commune.inseeCode, answer.missionLocale?.id ?? null)
      await audit.record({ ...ctx, studentLinkId: link.id }, { action: 'student.commune_change', entityType: 'link', entityId: link.id })
      return answer
    },

    /** Records the first opening (opened_at, audit `student.link_open`); later openings change nothing. */
    async markOpened(ctx: AuditContext, linkId: string): Promise<void> {
      if (await repo.markOpened(linkId)) {
        await audit.record({ ...ctx, studentLinkId: linkId }, { action: 'student.link_open', entityType: 'link', entityId: linkId })
      }
    },
  }
}
export type LinkService = ReturnType<typeof createLinkService>
