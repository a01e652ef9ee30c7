import { sql } from 'drizzle-orm'
import { check, index, integer, jsonb, pgEnum, pgTable, real, smallint, text, timestamp, uuid } from 'drizzle-orm/pg-core'
import { CAMPAIGN_STATUSES } from '../vocabulary/index.ts'
import type { Band } from '../vocabulary/index.ts'
import { id, timestamps } from './columns.ts'
import { consentChannel } from './consents.ts'
import { organisations } from './organisations.ts'
import { users } from './users.ts'

export const campaignStatus = pgEnum('campaign_status', CAMPAIGN_STATUSES)

/** Who a campaign targets, among the latest scores of the university's cohort. */
export type CampaignSegment = {
  band?: Band
  /** The N highest probabilities (after the filters), instead of or within a band. */
  topN?: number
  faculty?: string
  stepCode?: string
  level?: string
  campus?: string
}

/** Handlebars (strict) sources; SMS campaigns use `sms` only, e-mail ones the other three. */
export type CampaignTemplates = { subject: string; html: string; text: string; sms: string }

/** Europe/Paris; days 1 (Monday) … 7; French public holidays are always skipped. */
export type SendWindow = { days: number[]; start: string; end: string }

/**
 * An outreach campaign of a university, co-approved by the manager of each targeted Mission
 * Locale (`campaign_approvals`). Settings are frozen once scheduled; members and messages are
 * in `campaign_members` and `messages`.
 */
export const campaigns = pgTable(
  'campaigns',
  {
    id: id(),
    universityId: uuid('university_id')
      .notNull()
      .references(() => organisations.id, { onDelete: 'restrict' }),
    academicYear: text('academic_year').notNull(),
    name: text('name').notNull(),
    channel: consentChannel('channel').notNull(),
    status: campaignStatus('status').notNull().default('draft'),
    /** The Missions Locales whose territory the campaign targets; each one's manager co-approves. */
    territoryIds: uuid('territory_ids').array().notNull(),
    segment: jsonb('segment').$type<CampaignSegment>().notNull().default({}),
    /** Students contacted by any campaign in the last N days are left out. */
    recentDays: integer('recent_days').notNull().default(30),
    controlShare: real('control_share').notNull().default(0.1),
    /** Recorded so the control draw can be replayed and audited. */
    controlSeed: integer('control_seed').notNull(),
    templates: jsonb('templates').$type<CampaignTemplates>().notNull(),
    sendWindow: jsonb('send_window').$type<SendWindow>().notNull(),
    ratePerMinute: integer('rate_per_minute').notNull().default(60),
    /** Days after the invitation for each reminder (e.g. {3,7}); only to non-responders. */
    reminderDays: smallint('reminder_days')
      .array()
      .notNull()
      .default(sql`'{3,7}'::smallint[]`),
    /** Capacity pacing: pending invitations ≤ (free slots + callback capacity over `capacity_days`) × `capacity_factor`. */
    capacityDays: integer('capacity_days').notNull().default(10),
    capacityFactor: real('capacity_factor').notNull().default(1),
    /** Callbacks each targeted Mission Locale can make per working day, counted with its free slots. */
    callbacksPerDay: integer('callbacks_per_day').notNull().default(2),
    /** Auto-pause when failed / attempted exceeds this share (after at least 20 attempts). */
    failureThreshold: real('failure_threshold').notNull().default(0.2),
    pauseReason: text('pause_reason'),
    /**
     * Send pacing: the earliest instant of the next send of this campaign. Each send reserves
     * `greatest(next_send_at, now)` and moves it 60/rate s on, so sends start at least that far
     * apart whatever the number of workers (docs/campaigns.md#sending-guarantees).
     */
    nextSendAt: timestamp('next_send_at', { withTimezone: true }),
    startAt: timestamp('start_at', { withTimezone: true }),
    startedAt: timestamp('started_at', { withTimezone: true }),
    endedAt: timestamp('ended_at', { withTimezone: true }),
    createdBy: uuid('created_by').references(() => users.id, { onDelete: 'set null' }),
    ...timestamps,
  },
  (t) => [
    index('campaigns_university_idx').on(t.universityId, t.createdAt),
    index('campaigns_active_idx')
      .on(t.status)
      .where(sql`${t.status} IN ('scheduled', 'running')`),
    check('campaigns_control_share', sql`${t.controlShare} >= 0 AND ${t.controlShare} < 1`),
    check('campaigns_rate', sql`${t.ratePerMinute} > 0`),
    check('campaigns_territories', sql`cardinality(${t.territoryIds}) > 0`),
  ],
)

export type Campaign = typeof campaigns.$inferSelect
