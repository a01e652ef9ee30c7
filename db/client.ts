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

/**
 * A drizzle handle over a postgres.js transaction (`sql.begin(async (tx) => …)`), for code that
 * opened its transaction with postgres.js (the COPY path) and must write through a repository
 * in it. drizzle reads the client's `options` at construction, which a postgres.js transaction
 * handle does not carry: the pool's are lent (the same object the pool's own drizzle uses).
 */
export function drizzleOver(tx: postgres.TransactionSql, pool: postgres.Sql): Db {
  return drizzle(Object.assign(tx, { options: pool.options }) as unknown as postgres.Sql, { schema })
}

export { schema }
