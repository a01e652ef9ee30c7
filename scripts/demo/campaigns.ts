/**
 * The campaigns' demo (issue #10): on the demo cohort, one campaign finished two weeks ago and one
 * running since a few days, both through the real chain — created by the university staff account,
 * approved by each Mission Locale's manager, scheduled (members and control fixed), then sent by
 * the sending engine with a back-dated clock (invitations, reminders to non-responders, the end of
 * the campaign). The mail goes through the mailer given (the local mail catcher under `npm start`).
 *
 * Students' responses are deterministic (scripts/demo/rng.ts): some open their link (the opening is
 * back-dated to a few hours after the message), and of those, in turn, some book a slot or ask to
 * be called back (through the booking and callback services, now), a few object.
 *
 * The running campaign's window is always open and its capacity factor low: part of its members
 * wait for capacity, and its first reminder is due when the worker starts, so the worker's
 * `campaign.tick` sends live into the mail catcher; the second reminder is still ahead.
 *
 * Idempotent: a campaign of the demo that already exists (by name) is left alone, nothing is sent
 * again.
 */
import { and, eq, inArray, isNotNull } from 'drizzle-orm'
import type { Database } from '../../db/client.ts'
import { createCampaignRepository } from '../../db/repositories/campaigns.repository.ts'
import { createScoringRepository } from '../../db/repositories/scoring.repository.ts'
import { campaignApprovals, campaigns, links, messages, users } from '../../db/schema/index.ts'
import type { SendWindow } from '../../db/schema/campaigns.ts'
import type { Container } from '../../server/container.ts'
import type { Mailer } from '../../server/lib/mailer.ts'
import { addDays, isWorkingDay, parisDay, parisToUtc } from '../../server/lib/paris-time.ts'
import type { Principal } from '../../server/services/access.ts'
import { createCampaignEngine } from '../../server/services/campaign-engine.service.ts'
import type { CampaignInput } from '../../server/services/campaign.service.ts'
import { academicYearOf, todayInParis } from '../../server/services/scoring/calendar.ts'
import { Rng } from './rng.ts'

const SEED = 2026
const HOUR = 3_600_000
const DAY = 24 * HOUR

export const DEMO_FINISHED_CAMPAIGN = 'Premier contact — les risques les plus élevés'
export const DEMO_RUNNING_CAMPAIGN = 'Deuxième vague — risques élevés et moyens'
/** Every day, all day: the demo's running campaign sends whenever the demo is started. */
export const ALWAYS_OPEN: SendWindow = { days: [1, 2, 3, 4, 5, 6, 7], start: '00:00', end: '24:00' }

const MLS = ['ml-reims', 'ml-epernay', 'ml-chalons'] as const
const FIRST_NAMES = ['Léna', 'Hugo', 'Maëlys', 'Adam', 'Zoé', 'Noah', 'Inaya', 'Théo', 'Lina', 'Ethan', 'Jade', 'Sacha']
const LAST_NAMES = ['Bernard', 'Dubois', 'Lambert', 'Garnier', 'Faure', 'Mercier', 'Blanc', 'Guérin']

export type DemoCampaigns = { finishedId: string | null; runningId: string | null }

type Response = { kind: 'book' | 'callback'; linkId: string; missionLocaleId: string; studentId: number }

async function principal(database: Database, email: string): Promise<Principal | null> {
  const [u] = await database.db.select().from(users).where(eq(users.email, email))
  return u ? { userId: u.id, organisationId: u.organisationId, role: u.role } : null
}

/**
 * Campaigns target the latest scores: under `npm start` the worker scores the cohort after the
 * seed, which is too late. The cohort's pending run (opened by the seed) is run here, through the
 * code of the `score.run` and `score.batch` jobs; their queued jobs then find it done and skip.
 */
export async function ensureDemoScores(database: Database, services: Container, universityId: string): Promise<boolean> {
  if (await createCampaignRepository(database.db).latestSnapshot(universityId)) {
    return true
  }
  const year = academicYearOf(services.config.SCORE_AS_OF || todayInParis())
  await services.scoring.requestCohortScore({ universityId, academicYear: year }, 'demo')
  const repo = createScoringRepository(database.db)
  const pending = await repo.pendingRunOf(universityId, year)
  if (!pending) {
    return false
  }
  await services.scoring.startRun(pending.id)
  const run = await repo.runById(pending.id)
  if (run?.status === 'running') {
    for (const range of await repo.cohortBatches(universityId, year, run.asOf, services.config.SCORE_BATCH_SIZE)) {
      await services.scoring.scoreBatch({ runId: run.id, fromId: range.fromId, toId: range.toId })
    }
  }
  return Boolean(await createCampaignRepository(database.db).latestSnapshot(universityId))
}

/**
 * The engine of the worker, on `clock`, whose `message.send` jobs are kept for the caller to run
 * in order (`takeJobs` returns the ids of the messages to send) instead of going through the queue.
 */
export function inlineEngine(database: Database, services: Container, mailer: Mailer, clock?: () => Date) {
  const jobs: string[] = []
  const engine = createCampaignEngine({
    ...services,
    db: database.db,
    mailer,
    sms: { send: () => Promise.resolve({ providerId: 'demo' }) },
    outbox: {
      add: (_q, _name, payload) => {
        jobs.push((payload as { messageId: string }).messageId)
        return Promise.resolve(0)
      },
      dispatch: () => Promise.resolve(),
    },
    ...(clock ? { now: clock } : {}),
    // Past sending replayed on `clock`: no real-time pacing (the rate still bounds each tick).
    pacing: !clock,
  })
  return { engine, takeJobs: () => jobs.splice(0) }
}

export async function seedDemoCampaigns(
  database: Database,
  services: Container,
  orgIds: Map<string, string>,
  mailer: Mailer,
  now = new Date(),
): Promise<DemoCampaigns> {
  const { db } = database
  const universityId = orgIds.get('urca')
  const staff = await principal(database, 'universite@demo.repere.test')
  const managers = (await Promise.all(MLS.map((ml) => principal(database, `direction.${ml.slice(3)}@demo.repere.test`)))).filter(
    (p): p is Principal => p !== null,
  )
  const territoryIds = MLS.map((ml) => orgIds.get(ml)).filter((id): id is string => Boolean(id))
  if (!universityId || !staff || managers.length !== territoryIds.length || territoryIds.length === 0) {
    return { finishedId: null, runningId: null }
  }
  const existing = async (name: string) =>
    (
      await db
        .select({ id: campaigns.id })
        .from(campaigns)
        .where(and(eq(campaigns.universityId, universityId), eq(campaigns.name, name)))
    )[0]?.id ?? null
  const result: DemoCampaigns = { finishedId: await existing(DEMO_FINISHED_CAMPAIGN), runningId: await existing(DEMO_RUNNING_CAMPAIGN) }
  if ((result.finishedId && result.runningId) || !(await ensureDemoScores(database, services, universityId))) {
    return result
  }

  let clock = now
  const { engine, takeJobs } = inlineEngine(database, services, mailer, () => clock)
  const seed = { requestId: 'demo-seed' }
  const responses: Response[] = []
  const openers = new Map<string, number>()

  /** One tick at `at`, its messages sent a minute later, then the recipients' responses. */
  async function tick(campaignName: string, at: Date): Promise<void> {
    clock = at
    await engine.tick(at)
    const ids = takeJobs()
    const sentAt = new Date(at.getTime() + 60_000)
    for (const id of ids) {
      await engine.send(id, sentAt)
    }
    if (ids.length === 0) {
      return
    }
    const sent = await db
      .select({ id: messages.id, studentId: messages.studentId, step: messages.step, linkId: messages.linkId, ml: links.missionLocaleId })
      .from(messages)
      .innerJoin(links, eq(links.id, messages.linkId))
      .where(and(inArray(messages.id, ids), eq(messages.status, 'sent'), isNotNull(messages.linkId)))
      .orderBy(messages.studentId, messages.step)
    for (const m of sent) {
      const rng = new Rng(SEED, 'campaign', campaignName, m.studentId, m.step)
      if (!rng.chance(m.step === 0 ? 0.3 : 0.15)) {
        continue
      }
      const linkId = m.linkId as string
      const openedAt = new Date(Math.min(sentAt.getTime() + rng.int(1, 30) * HOUR + rng.int(0, 59) * 60_000, now.getTime() - HOUR))
      await services.links.markOpened(seed, linkId)
      await db.update(links).set({ openedAt }).where(eq(links.id, linkId))
      // Among the students who open, in the order they do: one in six books, one in six asks to be
      // called back, one in twelve objects; the rest only read.
      const k = (openers.get(campaignName) ?? 0) + 1
      openers.set(campaignName, k)
      if (k % 12 === 11) {
        await services.suppressions.object(seed, { linkId })
      } else if ((k % 6 === 1 || k % 6 === 4) && m.ml) {
        responses.push({ kind: k % 6 === 1 ? 'book' : 'callback', linkId, missionLocaleId: m.ml, studentId: m.studentId })
      }
    }
  }

  /** Created by the staff account, approved by each manager, scheduled: the members are fixed. */
  async function prepare(input: CampaignInput, createdAt: Date): Promise<string> {
    const c = await services.campaigns.create({ ...seed, actor: staff as Principal }, input)
    for (const manager of managers) {
      await services.campaigns.approve({ ...seed, actor: manager }, c.id)
    }
    await services.campaigns.schedule({ ...seed, actor: staff as Principal }, c.id, input.startAt ?? undefined)
    // Back-dated like the rest of its history: prepared, then approved the next day.
    await db.update(campaigns).set({ createdAt }).where(eq(campaigns.id, c.id))
    await db
      .update(campaignApprovals)
      .set({ approvedAt: new Date(createdAt.getTime() + DAY) })
      .where(eq(campaignApprovals.campaignId, c.id))
    return c.id
  }

  const today = parisDay(now)
  if (!result.finishedId) {
    // Two weeks ago, Monday to Friday 9:00–19:00: invitations over a few days, paced by the rate,
    // reminders 3 and 7 days later, and the end once the last reminder is behind.
    let day = addDays(today, -16)
    while (!isWorkingDay(day)) {
      day = addDays(day, 1)
    }
    const start = parisToUtc(day, '10:00')
    result.finishedId = await prepare(
      {
        name: DEMO_FINISHED_CAMPAIGN,
        channel: 'email',
        territoryIds,
        segment: { topN: 150 },
        controlShare: 0.1,
        ratePerMinute: 20,
        reminderDays: [3, 7],
        capacityFactor: 3,
        startAt: start,
      },
      new Date(start.getTime() - 3 * DAY),
    )
    for (; day < today; day = addDays(day, 1)) {
      for (const time of ['10:00', '11:00', '14:00', '16:00']) {
        const c = await createCampaignRepository(db).byId(result.finishedId)
        if (c?.status === 'finished') {
          break
        }
        await tick(DEMO_FINISHED_CAMPAIGN, parisToUtc(day, time))
      }
    }
  }
  if (!result.runningId) {
    // Four days ago, every day: two waves of invitations within a low capacity (the rest wait),
    // no tick since, so the first reminder falls due when the worker starts.
    const start = new Date(now.getTime() - 4 * DAY)
    result.runningId = await prepare(
      {
        name: DEMO_RUNNING_CAMPAIGN,
        channel: 'email',
        territoryIds,
        segment: { topN: 400 },
        controlShare: 0.15,
        sendWindow: ALWAYS_OPEN,
        ratePerMinute: 30,
        reminderDays: [3, 7],
        capacityFactor: 0.2,
        startAt: start,
      },
      new Date(start.getTime() - DAY),
    )
    await tick(DEMO_RUNNING_CAMPAIGN, start)
    await tick(DEMO_RUNNING_CAMPAIGN, new Date(start.getTime() + DAY))
  }

  // The students who went further: a booking (a free slot some days ahead) or a callback request.
  const slotsOf = new Map<string, string[]>()
  for (const [i, r] of responses.entries()) {
    const rng = new Rng(SEED, 'campaign-response', r.studentId)
    const firstName = rng.pick(FIRST_NAMES)
    if (r.kind === 'callback') {
      await services.callbacks
        .request(seed, {
          linkId: r.linkId,
          phone: `06 99 01 ${String(10 + (i % 90)).padStart(2, '0')} ${String(rng.int(10, 99))}`,
          firstName,
          moments: [rng.pick(['matin', 'apres_midi', 'soir'] as const)],
          consentToShare: true,
        })
        .catch(() => undefined) // the link is no longer usable (an objection since): one request less
      continue
    }
    let free = slotsOf.get(r.missionLocaleId)
    if (!free) {
      // Later days than the journey's demo bookings, one slot in three, so bookings do not collide.
      const days = await services.availability.freeSlots({ missionLocaleId: r.missionLocaleId })
      free = days.slice(4).flatMap((d) => d.slots.filter((_, k) => k % 3 === 1).map((s) => s.slotKey))
      slotsOf.set(r.missionLocaleId, free)
    }
    const slotKey = free.shift()
    if (!slotKey) {
      continue
    }
    const lastName = rng.pick(LAST_NAMES)
    await services.bookings
      .book(seed, {
        linkId: r.linkId,
        slotKey,
        identity: {
          firstName,
          lastName,
          email: `${firstName}.${lastName}.${r.studentId}@demo.repere.test`
            .normalize('NFD')
            .replace(/[\u0300-\u036f]/g, '')
            .toLowerCase(),
          phone: null,
          birthDate: `${rng.int(2003, 2007)}-0${rng.int(1, 9)}-1${rng.int(0, 9)}`,
          message: null,
          consentToShare: true,
        },
        idempotencyKey: `demo-campaign-${r.linkId}`,
      })
      .catch(() => undefined) // the slot went or the student is too old for the Mission Locale: one booking less
  }
  return result
}
