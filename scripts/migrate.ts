/**
 * Applies the committed drizzle migrations with a single connection.
 * Usage: `npm run db:migrate` (reads DATABASE_URL through the config).
 */
import { fileURLToPath } from 'node:url'
import path from 'node:path'
import { drizzle } from 'drizzle-orm/postgres-js'
import { migrate as runMigrations } from 'drizzle-orm/postgres-js/migrator'
import postgres from 'postgres'

export const MIGRATIONS_FOLDER = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'db', 'migrations')

export async function migrate(databaseUrl: string): Promise<void> {
  const sql = postgres(databaseUrl, { max: 1, onnotice: () => {} })
  try {
    await runMigrations(drizzle(sql), { migrationsFolder: MIGRATIONS_FOLDER })
  } finally {
    await sql.end({ timeout: 5 })
  }
}

if (fileURLToPath(import.meta.url) === path.resolve(process.argv[1] ?? '')) {
  const { loadConfigOrExit } = await import('../server/config.ts')
  const config = loadConfigOrExit()
  try {
    await migrate(config.DATABASE_URL)
    process.stdout.write('migrations applied\n')
  } catch (err) {
    process.stderr.write(`migration failed: ${(err as Error).message}\n`)
    process.exit(1)
  }
}
