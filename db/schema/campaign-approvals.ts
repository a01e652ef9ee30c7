import { pgTable, primaryKey, timestamp, uuid } from 'drizzle-orm/pg-core'
import { campaigns } from './campaigns.ts'
import { organisations } from './organisations.ts'
import { users } from './users.ts'

/** One approval per targeted Mission Locale; cleared when the draft changes. */
export const campaignApprovals = pgTable(
  'campaign_approvals',
  {
    campaignId: uuid('campaign_id')
      .notNull()
      .references(() => campaigns.id, { onDelete: 'cascade' }),
    missionLocaleId: uuid('mission_locale_id')
      .notNull()
      .references(() => organisations.id, { onDelete: 'restrict' }),
    approvedBy: uuid('approved_by').references(() => users.id, { onDelete: 'set null' }),
    approvedAt: timestamp('approved_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.campaignId, t.missionLocaleId] })],
)
