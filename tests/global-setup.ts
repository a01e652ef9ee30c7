/**
 * Runs once before the integration tier: recreates the test database and applies the
 * committed migrations, so every run starts from the schema the code ships with.
 */
import postgres from 'postgres'
import { migrate } from '../scripts/migrate.ts'
import { TEST_DATABASE_URL } from './helpers/env.ts'

export default async function setup(): Promise<void> {
  const url = new URL(TEST_DATABASE_URL)
  const name = url.pathname.slice(1)
  if (!/^[a-z0-9_]+$/.test(name) || !name.includes('test')) {
    throw new Error(`Refusing to recreate "${name}": the test database name must contain "test"`)
  }
  const admin = postgres({
    host: url.hostname,
    port: Number(url.port || 5432),
    user: url.username || 'postgres',
    password: url.password || undefined,
    database: 'postgres',
    max: 1,
    onnotice: () => {},
  })
  try {
    await admin.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
    await admin.unsafe(`CREATE DATABASE ${name}`)
  } finally {
    await admin.end()
  }
  await migrate(TEST_DATABASE_URL)
}
