import { sql } from 'drizzle-orm'
import { bigint, index, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core'
import { campaigns } from './campaigns.ts'
import { id } from './columns.ts'
import { organisations } from './organisations.ts'
import { students } from './students.ts'

/**
 * Personal links (`/r/:code`). The code (≥ 96 random bits, base64url) is given once to whoever
 * creates the link and never stored: only its sha256 is, so a database dump opens no link.
 * `campaign_id` / `message_id` name the campaign message that carried the link; a purge that
 * deletes the campaign (its messages go with it) leaves the link, and what was booked through it,
 * with these two set to null.
 */
export const links = pgTable(
  'links',
  {
    id: id(),
    codeHash: text('code_hash').notNull(),
    studentId: bigint('student_id', { mode: 'number' })
      .notNull()
      .references(() => students.id, { onDelete: 'cascade' }),
    universityId: uuid('university_id')
      .notNull()
      .references(() => organisations.id, { onDelete: 'restrict' }),
    /** The Mission Locale covering the student's home commune; null when none of the partners does. */
    missionLocaleId: uuid('mission_locale_id').references(() => organisations.id, { onDelete: 'set null' }),
    /** The home commune the student gave on the page ("j'ai déménagé"); wins over the enrolment's. */
    declaredCommuneInsee: text('declared_commune_insee'),
    campaignId: uuid('campaign_id').references(() => campaigns.id, { onDelete: 'set null' }),
    /**
     * References messages(id) ON DELETE SET NULL too, but that key is written in SQL only
     * (migration 0013_campaign_send_pacing_and_link_keys): declaring it here would make links.ts
     * and messages.ts (whose link_id references links) import each other, which the module
     * boundaries forbid. tests/integration/campaign-engine.test.ts checks it exists.
     */
    messageId: uuid('message_id'),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
    /**
     * The keyed hash of the student's pseudonym as the suppression list stores it (kind
     * `pseudo_id`), written at creation so resolving a link checks the objection list in the same
     * statement. Null for links made before it existed: the service then hashes on the fly.
     */
    suppressionHash: text('suppression_hash'),
    /** Set by the first opening only. */
    openedAt: timestamp('opened_at', { withTimezone: true }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('links_code_hash_key').on(t.codeHash),
    index('links_student_idx').on(t.studentId),
    index('links_campaign_idx')
      .on(t.campaignId)
      .where(sql`${t.campaignId} IS NOT NULL`),
  ],
)

export type Link = typeof links.$inferSelect
