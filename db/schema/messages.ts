import { sql } from 'drizzle-orm'
import { bigint, index, integer, pgEnum, pgTable, smallint, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core'
import { MESSAGE_STATUSES } from '../vocabulary/index.ts'
import { id } from './columns.ts'
import { campaigns } from './campaigns.ts'
import { consentChannel } from './consents.ts'
import { links } from './links.ts'
import { students } from './students.ts'

export const messageStatus = pgEnum('message_status', MESSAGE_STATUSES)

/**
 * One outreach message: unique per campaign × student × step (0 = invitation, 1… = reminders),
 * so no retry, crash or Redis restart can create a second one. Claimed (`queued → sending`) in a
 * transaction before the provider is called; a claim older than the timeout is recovered.
 */
export const messages = pgTable(
  'messages',
  {
    id: id(),
    campaignId: uuid('campaign_id')
      .notNull()
      .references(() => campaigns.id, { onDelete: 'cascade' }),
    studentId: bigint('student_id', { mode: 'number' })
      .notNull()
      .references(() => students.id, { onDelete: 'cascade' }),
    step: smallint('step').notNull(),
    channel: consentChannel('channel').notNull(),
    status: messageStatus('status').notNull().default('queued'),
    linkId: uuid('link_id').references(() => links.id, { onDelete: 'set null' }),
    providerId: text('provider_id'),
    attempts: integer('attempts').notNull().default(0),
    error: text('error'),
    queuedAt: timestamp('queued_at', { withTimezone: true }).notNull().defaultNow(),
    claimedAt: timestamp('claimed_at', { withTimezone: true }),
    /** Last time a `message.send` job was enqueued for it; `dispatches` numbers those jobs (job id). */
    dispatchedAt: timestamp('dispatched_at', { withTimezone: true }),
    dispatches: integer('dispatches').notNull().default(0),
    sentAt: timestamp('sent_at', { withTimezone: true }),
    /** When this send took a token of the rate's one-second window (database clock); null once it is over. */
    pacedAt: timestamp('paced_at', { withTimezone: true }),
    /** When the provider accepted it (database clock, unlike `sent_at`, the job's time): the rate's one-second window. */
    acceptedAt: timestamp('accepted_at', { withTimezone: true }),
  },
  (t) => [
    uniqueIndex('messages_campaign_student_step_key').on(t.campaignId, t.studentId, t.step),
    // One student, one conversation: never two invitations waiting at once, whatever the campaigns.
    uniqueIndex('messages_one_pending_invitation_key')
      .on(t.studentId)
      .where(sql`${t.step} = 0 AND ${t.status} IN ('queued', 'sending')`),
    index('messages_pending_idx')
      .on(t.campaignId, t.status)
      .where(sql`${t.status} IN ('queued', 'sending')`),
    index('messages_student_sent_idx').on(t.studentId, t.sentAt),
    index('messages_campaign_accepted_idx')
      .on(t.campaignId, t.acceptedAt)
      .where(sql`${t.acceptedAt} IS NOT NULL`),
  ],
)

export type Message = typeof messages.$inferSelect
