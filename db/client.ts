import { drizzle, type PostgresJsDatabase } from 'drizzle-orm/postgres-js'
import postgres from 'postgres'
import * as schema from './schema/index.ts'

export type Db = PostgresJsDatabase<typeof schema>
/** A transaction handle; repositories accept either. */
export type Tx = Parameters<Parameters<Db['transaction']>[0]>[0]
export type DbOrTx = Db | Tx

export type Database = { db: Db; sql: postgres.Sql; close: () => Promise<void> }

/**
 * One postgres.js pool per process, wrapped by drizzle. `sql` stays available for what
 * drizzle does not cover (COPY streams, set-based merges).
 */
export function createDatabase(url: string, opts: { max?: number; appName?: string } = {}): Database {
  const sql = postgres(url, {
    max: opts.max ?? 10,
    onnotice: () => {},
    connection: { application_name: opts.appName ?? 'repere' },
    // Dates come back as JS Dates for timestamptz; keep `date` columns as 'YYYY-MM-DD' strings.
    types: { date: { to: 1082, from: [1082], serialize: (x: string) => x, parse: (x: string) => x } },
  })
  const db = drizzle(sql, { schema, casing: undefined })
  return { db, sql, close: () => sql.end({ timeout: 5 }) }
}

export { schema }
