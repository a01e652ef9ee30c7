/**
 * Campaigns (issue #10): university staff prepare, the manager of each targeted Mission Locale
 * co-approves (an admin can do both), and the engine sends. This file holds the state machine,
 * the segment with its exclusions and the control draw; sending is in campaign-engine.service.ts.
 *
 * States: draft → scheduled → running ⇄ paused → finished | cancelled. Every transition is one
 * guarded UPDATE (`WHERE status IN (…)`), so two clicks or a worker racing a user cannot both win.
 */
import { createHash, randomInt } from 'node:crypto'
import type { Db, DbOrTx } from '../../db/client.ts'
import { createCampaignRepository, type SegmentCandidate } from '../../db/repositories/campaigns.repository.ts'
import type { Campaign, CampaignSegment, CampaignTemplates, SendWindow } from '../../db/schema/campaigns.ts'
import {
  CAMPAIGN_TRANSITIONS,
  EXCLUSION_REASONS,
  type CampaignArm,
  type CampaignStatus,
  type ConsentChannel,
  type ExclusionReason,
} from '../../db/vocabulary/index.ts'
import { BadInput, Conflict, Forbidden, NotFound } from '../errors.ts'
import { checkTemplates, DEFAULT_TEMPLATES, renderMessage, SAMPLE_DATA, type CheckResult } from '../lib/campaign-templates.ts'
import { keyedHash } from '../lib/codes.ts'
import { decryptField, type Keyring } from '../lib/crypto.ts'
import type { Mailer } from '../lib/mailer.ts'
import type { Principal } from './access.ts'
import type { AuditContext, AuditService } from './audit.service.ts'
import { normaliseEmail, normalisePhone } from './suppression.service.ts'

export const DEFAULT_SEND_WINDOW: SendWindow = { days: [1, 2, 3, 4, 5], start: '09:00', end: '19:00' }

export type CampaignInput = {
  name: string
  channel: ConsentChannel
  territoryIds: string[]
  segment: CampaignSegment
  /** Admins only: the university (others: their own). */
  universityId?: string
  academicYear?: string
  recentDays?: number
  controlShare?: number
  templates?: Partial<CampaignTemplates>
  sendWindow?: SendWindow
  ratePerMinute?: number
  reminderDays?: number[]
  capacityDays?: number
  capacityFactor?: number
  failureThreshold?: number
  startAt?: Date | null
}

export type SegmentCount = {
  /** Students of the segment before exclusions. */
  total: number
  excluded: Record<ExclusionReason, number>
  /** Members: treated + control. */
  members: number
  treated: number
  control: number
}

type Member = { studentId: number; arm: CampaignArm; missionLocaleId: string }

type Deps = {
  db: Db
  config: { suppressionKey: Buffer; dataKeys: Keyring }
  audit: Pick<AuditService, 'record'>
  mailer: Mailer
  now?: () => Date
}

/** The control draw: a stable function of the recorded seed and the student, so it can be replayed. */
export function isControl(seed: number, studentId: number, share: number): boolean {
  if (share <= 0) {
    return false
  }
  const h = createHash('sha256').update(`${seed}:${studentId}`).digest()
  return h.readUInt32BE(0) / 2 ** 32 < share
}

function validate(input: Partial<CampaignInput>): void {
  const bad = (m: string) => {
    throw new BadInput(m)
  }
  if (input.name !== undefined && !input.name.trim()) {
    bad('Donnez un nom à la campagne.')
  }
  if (input.territoryIds !== undefined && input.territoryIds.length === 0) {
    bad('Choisissez au moins une Mission Locale.')
  }
  if (input.controlShare !== undefined && !(input.controlShare >= 0 && input.controlShare <= 0.5)) {
    bad('Le groupe témoin doit être entre 0 et 50 %.')
  }
  if (
    input.ratePerMinute !== undefined &&
    !(Number.isInteger(input.ratePerMinute) && input.ratePerMinute >= 1 && input.ratePerMinute <= 6000)
  ) {
    bad('Le débit doit être entre 1 et 6000 messages par minute.')
  }
  if (
    input.reminderDays !== undefined &&
    (input.reminderDays.length > 3 || input.reminderDays.some((d) => !Number.isInteger(d) || d < 1 || d > 60))
  ) {
    bad('Au plus 3 relances, chacune entre 1 et 60 jours après l’invitation.')
  }
  if (input.segment?.topN !== undefined && !(Number.isInteger(input.segment.topN) && input.segment.topN >= 1)) {
    bad('Le nombre d’étudiants doit être positif.')
  }
  if (input.recentDays !== undefined && !(Number.isInteger(input.recentDays) && input.recentDays >= 0 && input.recentDays <= 365)) {
    bad('Le délai depuis le dernier contact doit être entre 0 et 365 jours.')
  }
  if (input.capacityFactor !== undefined && !(input.capacityFactor > 0 && input.capacityFactor <= 10)) {
    bad('Le facteur de capacité doit être entre 0 et 10.')
  }
  if (input.capacityDays !== undefined && !(Number.isInteger(input.capacityDays) && input.capacityDays >= 1 && input.capacityDays <= 60)) {
    bad('La capacité se compte sur 1 à 60 jours.')
  }
  const w = input.sendWindow
  if (
    w &&
    (w.days.length === 0 ||
      w.days.some((d) => d < 1 || d > 7) ||
      !/^\d\d:\d\d$/.test(w.start) ||
      !/^\d\d:\d\d$/.test(w.end) ||
      w.start >= w.end)
  ) {
    bad('La plage d’envoi est invalide.')
  }
}

export function createCampaignService({ db, config, audit, mailer, now = () => new Date() }: Deps) {
  const repo = (q: DbOrTx = db) => createCampaignRepository(q)

  function isUniversitySide(p: Principal, c: Pick<Campaign, 'universityId'>): boolean {
    return p.role === 'admin' || (p.role === 'university_staff' && p.organisationId === c.universityId)
  }

  /** Out of scope is 404: a Mission Locale that is not targeted does not learn the campaign exists. */
  async function visible(p: Principal, id: string): Promise<Campaign> {
    const c = await repo().byId(id)
    if (!c) {
      throw new NotFound()
    }
    if (isUniversitySide(p, c)) {
      return c
    }
    if ((p.role === 'ml_manager' || p.role === 'counsellor') && c.territoryIds.includes(p.organisationId)) {
      return c
    }
    throw new NotFound()
  }

  async function editable(p: Principal, id: string): Promise<Campaign> {
    const c = await visible(p, id)
    if (!isUniversitySide(p, c)) {
      throw new Forbidden()
    }
    return c
  }

  async function checkTerritories(ids: string[]): Promise<void> {
    const found = await repo().missionLocales(ids)
    if (found.length !== new Set(ids).size) {
      throw new BadInput('Une des Missions Locales choisies n’existe pas.')
    }
  }

  /** Who of the segment is reached, and why each other student is not (first reason that applies). */
  async function evaluate(
    q: DbOrTx,
    c: Pick<
      Campaign,
      'id' | 'universityId' | 'academicYear' | 'channel' | 'segment' | 'recentDays' | 'territoryIds' | 'controlSeed' | 'controlShare'
    >,
  ): Promise<{ count: SegmentCount; members: Member[] }> {
    const excluded = Object.fromEntries(EXCLUSION_REASONS.map((r) => [r, 0])) as Record<ExclusionReason, number>
    const snap = await repo(q).latestSnapshot(c.universityId, c.academicYear)
    if (!snap) {
      return { count: { total: 0, excluded, members: 0, treated: 0, control: 0 }, members: [] }
    }
    const candidates = await repo(q).segmentCandidates({
      campaignId: c.id || null,
      universityId: c.universityId,
      academicYear: c.academicYear,
      channel: c.channel,
      segment: c.segment,
      recentDays: c.recentDays,
      now: now(),
      snapshotId: snap.snapshotId,
    })
    // The objection list holds keyed hashes of the pseudonym, e-mail and phone: hash what we hold.
    const keysOf = (s: SegmentCandidate): string[] => {
      const keys = [keyedHash(config.suppressionKey, `${c.universityId}:${s.pseudoId}`)]
      if (s.hasContact && s.consent === 'given') {
        if (s.emailEnc) {
          keys.push(keyedHash(config.suppressionKey, normaliseEmail(decryptField(config.dataKeys, s.emailEnc))))
        }
        if (s.phoneEnc) {
          keys.push(keyedHash(config.suppressionKey, normalisePhone(decryptField(config.dataKeys, s.phoneEnc))))
        }
      }
      return keys
    }
    const keyed = candidates.map((s) => ({ s, keys: keysOf(s) }))
    const suppressed = await repo(q).suppressedHashes(keyed.flatMap((k) => k.keys))
    const members: Member[] = []
    for (const { s, keys } of keyed) {
      const reason: ExclusionReason | null = !s.hasContact
        ? 'no_contact'
        : s.consent !== 'given'
          ? 'no_consent'
          : keys.some((k) => suppressed.has(k))
            ? 'suppressed'
            : s.busy
              ? 'in_case_or_booked'
              : s.recent
                ? 'recently_contacted'
                : !s.territoryId || !c.territoryIds.includes(s.territoryId)
                  ? 'out_of_territory'
                  : null
      if (reason) {
        excluded[reason]++
      } else {
        members.push({
          studentId: s.studentId,
          arm: isControl(c.controlSeed, s.studentId, c.controlShare) ? 'control' : 'treated',
          missionLocaleId: s.territoryId as string,
        })
      }
    }
    const control = members.filter((m) => m.arm === 'control').length
    return { count: { total: candidates.length, excluded, members: members.length, treated: members.length - control, control }, members }
  }

  async function transition(
    ctx: AuditContext,
    c: Campaign,
    to: CampaignStatus,
    patch: Partial<Campaign> = {},
    q: DbOrTx = db,
  ): Promise<Campaign> {
    const from = (Object.keys(CAMPAIGN_TRANSITIONS) as CampaignStatus[]).filter((s) => CAMPAIGN_TRANSITIONS[s].includes(to))
    const updated = await repo(q).updateIf(c.id, from, { ...patch, status: to })
    if (!updated) {
      throw new Conflict(`La campagne est « ${c.status} » : cette action n’est plus possible.`)
    }
    await audit.record(ctx, { action: `campaign.${to}`, entityType: 'campaign', entityId: c.id, details: { from: c.status } })
    return updated
  }

  const service = {
    evaluate,

    async create(ctx: AuditContext & { actor: Principal }, input: CampaignInput): Promise<Campaign> {
      const p = ctx.actor
      if (p.role !== 'admin' && p.role !== 'university_staff') {
        throw new Forbidden()
      }
      const universityId = p.role === 'admin' ? input.universityId : p.organisationId
      if (!universityId) {
        throw new BadInput('Choisissez l’université.')
      }
      validate(input)
      await checkTerritories(input.territoryIds)
      const snap = await repo().latestSnapshot(universityId, input.academicYear)
      const academicYear = input.academicYear ?? snap?.academicYear
      if (!academicYear) {
        throw new BadInput('Aucun score n’a encore été calculé pour cette université : importez et évaluez la cohorte d’abord.')
      }
      const c = await repo().insert({
        universityId,
        academicYear,
        name: input.name.trim(),
        channel: input.channel,
        territoryIds: [...new Set(input.territoryIds)],
        segment: input.segment,
        recentDays: input.recentDays ?? 30,
        controlShare: input.controlShare ?? 0.1,
        controlSeed: randomInt(1, 2 ** 31 - 1),
        templates: { ...DEFAULT_TEMPLATES, ...input.templates },
        sendWindow: input.sendWindow ?? DEFAULT_SEND_WINDOW,
        ratePerMinute: input.ratePerMinute ?? 60,
        reminderDays: input.reminderDays ?? [3, 7],
        capacityDays: input.capacityDays ?? 10,
        capacityFactor: input.capacityFactor ?? 1,
        failureThreshold: input.failureThreshold ?? 0.2,
        startAt: input.startAt ?? null,
        createdBy: p.userId,
      })
      await audit.record(ctx, { action: 'campaign.create', entityType: 'campaign', entityId: c.id })
      return c
    },

    /** Drafts only; any change withdraws the approvals given so far. */
    async update(ctx: AuditContext & { actor: Principal }, id: string, input: Partial<CampaignInput>): Promise<Campaign> {
      const c = await editable(ctx.actor, id)
      validate(input)
      if (input.territoryIds) {
        await checkTerritories(input.territoryIds)
      }
      const { universityId: _u, templates, ...rest } = input
      return db.transaction(async (tx) => {
        const updated = await repo(tx).updateIf(c.id, ['draft'], {
          ...rest,
          ...(rest.name ? { name: rest.name.trim() } : {}),
          ...(templates ? { templates: { ...c.templates, ...templates } } : {}),
        })
        if (!updated) {
          throw new Conflict('Seul un brouillon peut être modifié.')
        }
        await repo(tx).clearApprovals(c.id)
        await audit.record(ctx, { action: 'campaign.update', entityType: 'campaign', entityId: c.id })
        return updated
      })
    },

    get: visible,

    async list(p: Principal): Promise<Campaign[]> {
      if (p.role === 'admin') {
        return repo().list({})
      }
      if (p.role === 'university_staff') {
        return repo().list({ universityId: p.organisationId })
      }
      return repo().list({ missionLocaleId: p.organisationId })
    },

    async count(p: Principal, id: string): Promise<SegmentCount> {
      return (await evaluate(db, await visible(p, id))).count
    },

    /** The live count of a segment being built, before the campaign exists. */
    async countDraft(
      p: Principal,
      input: Pick<CampaignInput, 'channel' | 'segment' | 'territoryIds' | 'recentDays' | 'controlShare' | 'universityId' | 'academicYear'>,
    ) {
      if (p.role !== 'admin' && p.role !== 'university_staff') {
        throw new Forbidden()
      }
      const universityId = p.role === 'admin' ? input.universityId : p.organisationId
      if (!universityId) {
        throw new BadInput('Choisissez l’université.')
      }
      validate(input)
      const snap = await repo().latestSnapshot(universityId, input.academicYear)
      if (!snap) {
        return (
          await evaluate(db, {
            id: '',
            universityId,
            academicYear: '',
            channel: input.channel,
            segment: {},
            recentDays: 0,
            territoryIds: [],
            controlSeed: 1,
            controlShare: 0,
          })
        ).count
      }
      return (
        await evaluate(db, {
          id: '',
          universityId,
          academicYear: snap.academicYear,
          channel: input.channel,
          segment: input.segment,
          recentDays: input.recentDays ?? 30,
          territoryIds: input.territoryIds,
          controlSeed: 1,
          controlShare: input.controlShare ?? 0.1,
        })
      ).count
    },

    /**
     * The academic year a new campaign of the university would target: its latest finished
     * scoring run's (null before any). The form builds its segment choices from that cohort.
     */
    async segmentYear(p: Principal, universityId: string): Promise<string | null> {
      if (p.role !== 'admin' && !(p.role === 'university_staff' && p.organisationId === universityId)) {
        throw new Forbidden()
      }
      return (await repo().latestSnapshot(universityId))?.academicYear ?? null
    },

    async approvals(p: Principal, id: string) {
      const c = await visible(p, id)
      const given = await repo().approvals(c.id)
      const names = await repo().missionLocales(c.territoryIds)
      return names.map((m) => ({ ...m, approval: given.find((g) => g.missionLocaleId === m.id) ?? null }))
    },

    /** A Mission Locale manager approves for their territory; an admin for every targeted one. */
    async approve(ctx: AuditContext & { actor: Principal }, id: string): Promise<void> {
      const p = ctx.actor
      const c = await visible(p, id)
      const mine =
        p.role === 'admin' ? c.territoryIds : p.role === 'ml_manager' && c.territoryIds.includes(p.organisationId) ? [p.organisationId] : []
      if (mine.length === 0) {
        throw new Forbidden()
      }
      if (c.status !== 'draft') {
        throw new Conflict('Seul un brouillon attend une validation.')
      }
      if (service.check(c).blocking.length) {
        throw new Conflict('Le message ne passe pas la vérification : corrigez-le avant de le valider.')
      }
      await repo().approve(c.id, mine, p.userId)
      await audit.record(ctx, { action: 'campaign.approve', entityType: 'campaign', entityId: c.id, details: { missionLocales: mine } })
    },

    check(c: Pick<Campaign, 'channel' | 'templates'>): CheckResult {
      return checkTemplates(c.channel, c.templates)
    },

    /** Renders the campaign's message on sample data and sends it to the staff member's own address. */
    async testSend(ctx: AuditContext & { actor: Principal }, id: string, ownEmail: string): Promise<void> {
      const c = await editable(ctx.actor, id)
      if (c.channel !== 'email') {
        throw new BadInput('L’envoi d’essai existe pour les e-mails ; pour un SMS, regardez l’aperçu.')
      }
      const m = renderMessage('email', c.templates, SAMPLE_DATA)
      if (!('html' in m)) {
        throw new BadInput('Aperçu impossible.')
      }
      await mailer.send({ to: ownEmail, subject: `[ESSAI] ${m.subject}`, html: m.html, text: m.text })
      await audit.record(ctx, { action: 'campaign.test_send', entityType: 'campaign', entityId: c.id })
    },

    /**
     * draft → scheduled: every targeted Mission Locale approved, the message passes the check,
     * someone is reached. The members (and their arm) are fixed now, in the same transaction.
     */
    async schedule(ctx: AuditContext & { actor: Principal }, id: string, startAt?: Date): Promise<Campaign> {
      const c = await editable(ctx.actor, id)
      const approved = new Set((await repo().approvals(c.id)).map((a) => a.missionLocaleId))
      const missing = c.territoryIds.filter((t) => !approved.has(t))
      if (missing.length) {
        throw new Conflict('Chaque Mission Locale visée doit d’abord valider la campagne.')
      }
      const check = service.check(c)
      if (check.blocking.length) {
        throw new Conflict(check.blocking.join(' '))
      }
      return db.transaction(async (tx) => {
        const { members } = await evaluate(tx, c)
        if (members.length === 0) {
          throw new Conflict('Personne ne serait contacté : élargissez le segment.')
        }
        const updated = await transition(ctx, c, 'scheduled', { startAt: startAt ?? c.startAt ?? now() }, tx)
        await repo(tx).insertMembers(members.map((m) => ({ ...m, campaignId: c.id })))
        return updated
      })
    },

    async pause(ctx: AuditContext & { actor: Principal }, id: string): Promise<Campaign> {
      const c = await visible(ctx.actor, id)
      const may = isUniversitySide(ctx.actor, c) || (ctx.actor.role === 'ml_manager' && c.territoryIds.includes(ctx.actor.organisationId))
      if (!may) {
        throw new Forbidden()
      }
      return transition(ctx, c, 'paused', { pauseReason: 'Mise en pause manuelle' })
    },

    async resume(ctx: AuditContext & { actor: Principal }, id: string): Promise<Campaign> {
      const c = await visible(ctx.actor, id)
      const may = isUniversitySide(ctx.actor, c) || (ctx.actor.role === 'ml_manager' && c.territoryIds.includes(ctx.actor.organisationId))
      if (!may) {
        throw new Forbidden()
      }
      if (c.status !== 'paused') {
        throw new Conflict('Seule une campagne en pause peut reprendre.')
      }
      return transition(ctx, c, 'running', { pauseReason: null })
    },

    async cancel(ctx: AuditContext & { actor: Principal }, id: string): Promise<Campaign> {
      const c = await editable(ctx.actor, id)
      return transition(ctx, c, 'cancelled', { endedAt: now() })
    },

    /** The engine's side: scheduled campaigns whose start has come begin to run. */
    async startDue(at = now()): Promise<Campaign[]> {
      const started: Campaign[] = []
      for (const c of await repo().dueToStart(at)) {
        const updated = await repo().updateIf(c.id, ['scheduled'], { status: 'running', startedAt: at })
        if (updated) {
          await audit.record({}, { action: 'campaign.running', entityType: 'campaign', entityId: c.id, details: { from: 'scheduled' } })
          started.push(updated)
        }
      }
      return started
    },

    /** The engine's side: too many failures stop the campaign, with the reason shown on its page. */
    async autoPause(id: string, reason: string): Promise<boolean> {
      const updated = await repo().updateIf(id, ['running'], { status: 'paused', pauseReason: reason })
      if (updated) {
        await audit.record({}, { action: 'campaign.auto_pause', entityType: 'campaign', entityId: id, details: { reason } })
      }
      return Boolean(updated)
    },
  }
  return service
}
export type CampaignService = ReturnType<typeof createCampaignService>
