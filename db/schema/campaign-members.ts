import { bigint, index, pgEnum, pgTable, primaryKey, timestamp, uuid } from 'drizzle-orm/pg-core'
import { CAMPAIGN_ARMS } from '../vocabulary/index.ts'
import { campaigns } from './campaigns.ts'
import { organisations } from './organisations.ts'
import { students } from './students.ts'

export const campaignArm = pgEnum('campaign_arm', CAMPAIGN_ARMS)

/**
 * The students of a campaign, fixed when it is scheduled, each with its arm (drawn with the
 * campaign's recorded seed). Control members are never contacted.
 */
export const campaignMembers = pgTable(
  'campaign_members',
  {
    campaignId: uuid('campaign_id')
      .notNull()
      .references(() => campaigns.id, { onDelete: 'cascade' }),
    studentId: bigint('student_id', { mode: 'number' })
      .notNull()
      .references(() => students.id, { onDelete: 'cascade' }),
    arm: campaignArm('arm').notNull(),
    /** The Mission Locale whose capacity paces this member's invitation. */
    missionLocaleId: uuid('mission_locale_id')
      .notNull()
      .references(() => organisations.id, { onDelete: 'restrict' }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.campaignId, t.studentId] }), index('campaign_members_student_idx').on(t.studentId)],
)
