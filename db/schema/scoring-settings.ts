import { pgTable, integer, real, text, uuid } from 'drizzle-orm/pg-core'
import { timestamps } from './columns.ts'
import { organisations } from './organisations.ts'
import { users } from './users.ts'

/**
 * How a university turns probabilities into bands (bands.ts): thresholds (`high`, `medium`), or
 * "the top N the Missions Locales can receive". No row: the defaults of bands.ts.
 */
export const scoringSettings = pgTable('scoring_settings', {
  universityId: uuid('university_id')
    .primaryKey()
    .references(() => organisations.id, { onDelete: 'cascade' }),
  /** 'thresholds' or 'top_n'. */
  bandMode: text('band_mode').notNull().default('thresholds'),
  highThreshold: real('high_threshold').notNull().default(0.4),
  mediumThreshold: real('medium_threshold').notNull().default(0.2),
  topN: integer('top_n'),
  updatedBy: uuid('updated_by').references(() => users.id, { onDelete: 'set null' }),
  ...timestamps,
})
