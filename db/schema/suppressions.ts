import { bigserial, pgEnum, pgTable, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core'
import { SUPPRESSION_KINDS } from '../vocabulary/index.ts'

export const suppressionKind = pgEnum('suppression_kind', SUPPRESSION_KINDS)

/**
 * The objection list shared by the university and the three Missions Locales: keyed hashes
 * (HMAC-SHA256, key SUPPRESSION_KEY) of a pseudonymous id, an e-mail or a phone number. No
 * foreign key on purpose: a row outlives the purge of the student it came from.
 */
export const suppressions = pgTable(
  'suppressions',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    kind: suppressionKind('kind').notNull(),
    valueHash: text('value_hash').notNull(),
    /** Why: 'objection' (the student's "ce n'est pas pour moi"), later also unsubscribes. */
    source: text('source').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex('suppressions_kind_hash_key').on(t.kind, t.valueHash)],
)
