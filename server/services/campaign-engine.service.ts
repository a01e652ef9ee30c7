/**
 * The campaign sending engine (docs/campaigns.md#sending-guarantees).
 *
 * `tick` (the repeatable `campaign.tick`): starts due campaigns, takes back stale claims, and for
 * each running campaign inside its send window queues the next messages — reminders to
 * non-responders, then invitations within the rate and each Mission Locale's capacity — writing
 * one `message.send` job per message in the outbox of the same transaction.
 *
 * `send` (`message.send`): claims the row (`queued → sending`, committed before the provider is
 * called) reading consent and the objection list in the same statement, creates the personal link,
 * renders, waits for its paced slot and a token of the one-second window (the rate), sends, and
 * records the outcome. A permanent failure marks the address invalid; a transient one puts the
 * row back to `queued` and lets the job retry with backoff.
 */
import { setTimeout as sleep } from 'node:timers/promises'
import type { Db } from '../../db/client.ts'
import { createCampaignRepository } from '../../db/repositories/campaigns.repository.ts'
import { createMessageRepository } from '../../db/repositories/messages.repository.ts'
import type { Campaign, SendWindow } from '../../db/schema/campaigns.ts'
import { renderMessage } from '../lib/campaign-templates.ts'
import { keyedHash } from '../lib/codes.ts'
import { decryptField, type Keyring } from '../lib/crypto.ts'
import type { Logger } from '../lib/logger.ts'
import type { Mailer } from '../lib/mailer.ts'
import { addDays, isoWeekday, isWorkingDay, parisDay, parisTime, parisToUtc, publicHolidayName } from '../lib/paris-time.ts'
import type { SmsSender } from '../lib/sms.ts'
import type { AvailabilityService } from './availability.service.ts'
import type { CampaignService } from './campaign.service.ts'
import type { ConsentService } from './consent.service.ts'
import type { LinkService } from './link.service.ts'
import type { OutboxService } from './outbox.service.ts'
import { normaliseEmail, normalisePhone } from './suppression.service.ts'

/** Auto-pause looks at the last attempts, and only once there are enough of them. */
const FAILURE_WINDOW = 50
const FAILURE_MIN_ATTEMPTS = 20
/** The tick keeps at most this much sending (at the campaign's rate) queued ahead. */
const BACKLOG_MS = 30_000
/**
 * A send waits at most this long for its pacing slot (or a token); further off, the message is
 * given back to the queue. At a slow rate the tick's backlog is a few sends spaced by 60/rate s, so
 * the wait stretches to the backlog's length: otherwise every send after the first would be given
 * back and wait CAMPAIGN_REDISPATCH_MS for a new job (a rate of 10 a minute sent ~1 a minute).
 */
const MAX_SLOT_WAIT_MS = 2_000
const maxSlotWait = (spacingMs: number, claimTimeoutMs: number) =>
  // Well inside the claim's timeout: a send still waiting must not look like a dead worker's claim.
  Math.min(Math.max(MAX_SLOT_WAIT_MS, BACKLOG_MS + spacingMs), claimTimeoutMs / 2)
/**
 * Slots are spaced this much wider than the rate asks: the time between a slot and the server's
 * 250 varies (queries, network, load), and without headroom the smooth pace would keep running
 * into the one-second token window (the hard limit) and stall on it.
 */
const PACING_HEADROOM = 1.04
/** How long a send waits before asking again for a token of the rate's one-second window. */
const TOKEN_RETRY_MS = 20

type Deps = {
  db: Db
  config: {
    PUBLIC_URL: string
    suppressionKey: Buffer
    dataKeys: Keyring
    SMS_STOP_MENTION: string
    CAMPAIGN_CLAIM_TIMEOUT_MS: number
    /** A queued message whose job was written this long ago without being sent is dispatched again. */
    CAMPAIGN_REDISPATCH_MS: number
    CAMPAIGN_WINDOW_ALWAYS_OPEN: boolean
    MAIL_FROM: string
  }
  mailer: Mailer
  sms: SmsSender
  links: Pick<LinkService, 'create' | 'resolve'>
  availability: Pick<AvailabilityService, 'freeSlots'>
  consents: Pick<ConsentService, 'withdraw'>
  campaigns: Pick<CampaignService, 'startDue' | 'autoPause'>
  outbox: Pick<OutboxService, 'add' | 'dispatch'>
  log: Logger
  now?: () => Date
  /**
   * Real-time pacing of each send (on by default). Only a replay of past sending on an injected
   * clock (the demo's history, scripts/demo/campaigns.ts) turns it off: the wall clock is not its clock.
   */
  pacing?: boolean
}

/** Europe/Paris: the window's weekdays and hours, never on a French public holiday. */
export function inSendWindow(w: SendWindow, at: Date): boolean {
  const day = parisDay(at)
  if (!w.days.includes(isoWeekday(day)) || publicHolidayName(day)) {
    return false
  }
  const t = parisTime(at)
  return t >= w.start && t < w.end
}

export type SendOutcome = 'done' | 'skipped'

/**
 * The Message-ID of a campaign message: one per message row, so a re-send after a crash (the one
 * window left, docs/campaigns.md) carries the same id, which receiving servers and mail clients
 * use to drop the duplicate.
 */
export function campaignMessageId(messageId: string, mailFrom: string): string {
  const domain = /@([^\s<>@]+?)>?\s*$/.exec(mailFrom)?.[1] ?? 'repere.localhost'
  return `<campagne-${messageId}@${domain}>`
}

/** SMTP 5xx and refused envelopes are permanent: retrying cannot help, the address is wrong. */
function isPermanent(err: unknown): boolean {
  const e = err as { responseCode?: number; code?: string; permanent?: boolean }
  return (
    e.permanent === true || (typeof e.responseCode === 'number' && e.responseCode >= 500 && e.responseCode < 600) || e.code === 'EENVELOPE'
  )
}

/** How many messages of the campaign may wait to be sent: BACKLOG_MS of sending at its rate. */
const backlogSize = (c: Pick<Campaign, 'ratePerMinute'>) => Math.ceil((c.ratePerMinute * BACKLOG_MS) / 60_000)

export function createCampaignEngine(deps: Deps) {
  const { db, config, mailer, sms, links, availability, consents, campaigns, outbox, log } = deps
  const clock = deps.now ?? (() => new Date())
  const pacing = deps.pacing ?? true

  /**
   * Waits for this send's turn, as close to the provider call as possible (the less happens between
   * the slot and the provider's answer, the less jitter): sends of a campaign start at least 60/rate s
   * apart (plus headroom), across every worker; then the hard limit, never more than rate/60 in
   * flight or accepted within a second, whatever the jitter. False: the turn is too far off, the
   * caller gives the message back (a refused slot leaves the link just made unused).
   */
  async function paced(c: Campaign, messageId: string): Promise<boolean> {
    const spacing = (60_000 / c.ratePerMinute) * PACING_HEADROOM
    const wait = await createCampaignRepository(db).reserveSendSlot(c.id, spacing, maxSlotWait(spacing, config.CAMPAIGN_CLAIM_TIMEOUT_MS))
    if (wait === null) {
      return false
    }
    if (wait > 0) {
      await sleep(wait)
    }
    const perSecond = Math.min(2_000_000_000, Math.max(1, Math.floor(c.ratePerMinute / 60)))
    const giveUp = Date.now() + MAX_SLOT_WAIT_MS
    while (!(await createMessageRepository(db).takeSendToken(c.id, messageId, perSecond))) {
      if (Date.now() > giveUp) {
        return false
      }
      await sleep(TOKEN_RETRY_MS)
    }
    return true
  }
  const base = config.PUBLIC_URL.replace(/\/$/, '')
  const windowOpen = (c: Campaign, at: Date) => config.CAMPAIGN_WINDOW_ALWAYS_OPEN || inSendWindow(c.sendWindow, at)

  /** Free slots plus callbacks over the next days, times the campaign's factor, minus what is already pending. */
  async function allowance(c: Campaign, missionLocaleId: string, now: Date): Promise<number> {
    const to = new Date(now.getTime() + c.capacityDays * 86_400_000)
    const slots = (await availability.freeSlots({ missionLocaleId, from: now, to, now })).reduce((n, d) => n + d.slots.length, 0)
    let workingDays = 0
    for (let d = parisDay(now), i = 0; i < c.capacityDays; d = addDays(d, 1), i++) {
      if (isWorkingDay(d)) {
        workingDays++
      }
    }
    const capacity = Math.floor((slots + c.callbacksPerDay * workingDays) * c.capacityFactor)
    const pending = await createMessageRepository(db).pendingInvitations(missionLocaleId, c.capacityDays, now)
    return Math.max(0, capacity - pending)
  }

  /** Queues what one running campaign may send now; returns the outbox ids to dispatch. */
  async function step(c: Campaign, now: Date): Promise<{ outboxIds: number[]; queued: number; finished: boolean }> {
    const messages = createMessageRepository(db)
    const { attempted, failed } = await messages.failureShare(c.id, FAILURE_WINDOW)
    if (attempted >= FAILURE_MIN_ATTEMPTS && failed / attempted > c.failureThreshold) {
      const pct = Math.round((failed / attempted) * 100)
      await campaigns.autoPause(
        c.id,
        `Pause automatique : ${pct} % d’échecs sur les ${attempted} derniers envois (seuil ${Math.round(c.failureThreshold * 100)} %).`,
      )
      return { outboxIds: [], queued: 0, finished: false }
    }
    if (!windowOpen(c, now)) {
      return { outboxIds: [], queued: 0, finished: false }
    }
    // Never more than BACKLOG_MS of sending waiting. The rate itself is held where it matters, at
    // each send (a paced slot, then a token of the one-second window): a budget of messages queued
    // per minute on top of it would only stall the campaign once the first backlog is counted in.
    let budget = Math.max(0, backlogSize(c) - (await messages.pendingCount(c.id)))
    const capacities = new Map<string, number>()
    for (const ml of c.territoryIds) {
      capacities.set(ml, await allowance(c, ml, now))
    }
    return db.transaction(async (tx) => {
      const m = createMessageRepository(tx)
      let queued = 0
      // Reminders first: they go to students already invited, and use no new capacity.
      for (const [i, days] of c.reminderDays.entries()) {
        const ids = await m.queueReminders({ campaignId: c.id, channel: c.channel, step: i + 1, afterDays: days, limit: budget, now })
        budget -= ids.length
        queued += ids.length
      }
      for (const [ml, n] of capacities) {
        const r = await m.queueInvitations({
          campaignId: c.id,
          channel: c.channel,
          missionLocaleId: ml,
          recentDays: c.recentDays,
          limit: Math.min(n, budget),
          now,
        })
        budget -= r.queued.length
        queued += r.queued.length
      }
      // One job per queued message not dispatched lately (new ones, and those a lost job left behind).
      const outboxIds: number[] = []
      const dispatchLimit = Math.max(1_000, backlogSize(c))
      for (const d of await m.dispatchable(c.id, new Date(now.getTime() - config.CAMPAIGN_REDISPATCH_MS), dispatchLimit, now)) {
        outboxIds.push(await outbox.add(tx, 'message.send', { messageId: d.id, n: d.dispatches }))
      }
      const work = await m.openWork(c.id)
      const lastReminderDue = work.lastInvitation ? work.lastInvitation.getTime() + (Math.max(0, ...c.reminderDays) + 1) * 86_400_000 : 0
      const finished = work.unsent === 0 && work.pending === 0 && now.getTime() >= lastReminderDue
      if (finished) {
        await createCampaignRepository(tx).updateIf(c.id, ['running'], { status: 'finished', endedAt: now })
      }
      return { outboxIds, queued, finished }
    })
  }

  return {
    inSendWindow,

    async tick(now = clock()): Promise<{ started: number; recovered: number; queued: number; finished: number }> {
      const started = (await campaigns.startDue(now)).length
      const recovered = await createMessageRepository(db).recoverStale(new Date(now.getTime() - config.CAMPAIGN_CLAIM_TIMEOUT_MS))
      let queued = 0
      let finished = 0
      for (const id of await createMessageRepository(db).running()) {
        const c = await createCampaignRepository(db).byId(id)
        if (!c || c.status !== 'running') {
          continue
        }
        const r = await step(c, now)
        await outbox.dispatch(r.outboxIds)
        queued += r.queued
        finished += r.finished ? 1 : 0
      }
      if (recovered) {
        log.warn({ recovered }, 'campaign: stale message claims taken back')
      }
      return { started, recovered, queued, finished }
    },

    async send(messageId: string, now = clock()): Promise<SendOutcome> {
      const messages = createMessageRepository(db)
      const ctx = await messages.sendContext(messageId)
      if (!ctx) {
        return 'skipped'
      }
      const c = await createCampaignRepository(db).byId(ctx.campaignId)
      // Paused, cancelled or outside the window: the row stays queued; the tick dispatches it again later.
      if (!c || c.status !== 'running' || !windowOpen(c, now) || ctx.status !== 'queued') {
        return 'skipped'
      }
      const enc = ctx.channel === 'email' ? ctx.emailEnc : ctx.phoneEnc
      const address = enc ? decryptField(config.dataKeys, enc) : null
      const hashes = [keyedHash(config.suppressionKey, `${ctx.universityId}:${ctx.pseudoId}`)]
      if (address) {
        hashes.push(keyedHash(config.suppressionKey, ctx.channel === 'email' ? normaliseEmail(address) : normalisePhone(address)))
      }
      // The claim reads consent (ledger) and the objection list in the same statement: at the moment of sending.
      const claimed = await messages.claim(messageId, now, hashes)
      if (!claimed) {
        return 'skipped'
      }
      try {
        if (claimed.consent !== 'given') {
          await messages.finish(messageId, 'skipped', { error: 'consentement retiré ou opposition' })
          return 'skipped'
        }
        if (claimed.suppressed) {
          await messages.finish(messageId, 'skipped', { error: 'sur la liste d’opposition' })
          return 'skipped'
        }
        if (!address) {
          await messages.finish(messageId, 'skipped', { error: 'pas d’adresse valide' })
          return 'skipped'
        }
        const link = await links.create({ studentId: ctx.studentId, missionLocaleId: ctx.missionLocaleId, campaignId: c.id, messageId })
        const unsubscribe = `${base}/api/v1/unsubscribe/${link.code}`
        const data = {
          prenom: ctx.firstNameEnc ? decryptField(config.dataKeys, ctx.firstNameEnc) : '',
          lien: link.url,
          desinscription: `${base}/r/${link.code}/desinscription`,
          expediteur: ctx.universityName,
          mission_locale: ctx.missionLocaleName,
        }
        const rendered = renderMessage(ctx.channel, c.templates, data, config.SMS_STOP_MENTION, { reminder: ctx.step > 0 })
        // Pacing, as close to the provider call as possible (the less happens between the slot and the
        // provider's answer, the less jitter): sends of a campaign start at least 60/rate s apart (plus
        // headroom), across every worker. A refused slot leaves the link just made unused.
        if (pacing && !(await paced(c, messageId))) {
          await messages.release(messageId)
          return 'skipped'
        }
        let providerId: string
        if ('sms' in rendered) {
          providerId = (await sms.send({ to: address, text: rendered.sms })).providerId
        } else {
          providerId = (
            await mailer.send({
              to: address,
              ...rendered,
              messageId: campaignMessageId(messageId, config.MAIL_FROM),
              headers: { 'List-Unsubscribe': `<${unsubscribe}>`, 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' },
            })
          ).messageId
        }
        await messages.finish(messageId, 'sent', { providerId, linkId: link.linkId, sentAt: now, error: null })
        return 'done'
      } catch (err) {
        const reason = (err as Error).message.slice(0, 300)
        if (isPermanent(err)) {
          await messages.finish(messageId, 'bounced', { error: reason })
          await messages.markContactInvalid(ctx.studentId, ctx.channel, now)
          log.warn({ messageId }, 'campaign: permanent failure, address marked invalid')
          return 'done'
        }
        await messages.finish(messageId, 'queued', { error: reason })
        throw err
      }
    },

    async fail(messageId: string): Promise<void> {
      await createMessageRepository(db).failIfPending(messageId, 'abandonné après plusieurs tentatives')
    },

    /**
     * The one-click unsubscribe (RFC 8058) of an e-mail: withdraws the student's e-mail consent in
     * the ledger. Idempotent; false for a code that names no link.
     */
    async unsubscribe(code: string): Promise<boolean> {
      const r = await links.resolve(code, clock())
      if (!r.link) {
        return false
      }
      await consents.withdraw(r.link.studentId, 'email', 'désinscription en un clic (e-mail)')
      return true
    },

    tracking: (campaignId: string) => createMessageRepository(db).tracking(campaignId),
  }
}
export type CampaignEngine = ReturnType<typeof createCampaignEngine>

/** The start of a Paris day (for tests and pages). */
export const parisMidnight = (day: string) => parisToUtc(day, '00:00')
