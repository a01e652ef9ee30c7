/**
 * scripts/lib/services.ts against the real PostgreSQL and Redis of the integration tier, plus the
 * "not running" paths on free ports with a temporary var folder.
 */
import { spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { Redis } from 'ioredis'
import postgres from 'postgres'
import { afterAll, describe, expect, it } from 'vitest'
import { ensurePostgres, ensureRedis, findPostgresBinaries, ServiceError } from '../../scripts/lib/services.ts'
import { isRoot, which } from '../../scripts/lib/proc.ts'
import { TEST_DATABASE_URL, TEST_REDIS_URL } from '../helpers/env.ts'

// The servers the integration tier uses; this file makes and drops its own database on it.
const DATABASE_URL = TEST_DATABASE_URL
const REDIS_URL = TEST_REDIS_URL
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..')
const varDir = mkdtempSync(join(tmpdir(), 'repere-services-'))
const messages: string[] = []
const log = (message: string) => messages.push(message)

function withDatabase(url: string, database: string): string {
  const u = new URL(url)
  u.pathname = `/${database}`
  return u.href
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number }
      server.close(() => resolve(port))
    })
  })
}

async function databaseExists(url: string, name: string): Promise<boolean> {
  const sql = postgres(withDatabase(url, 'postgres'), { max: 1, onnotice: () => {} })
  try {
    return (await sql`select 1 from pg_database where datname = ${name}`).length > 0
  } finally {
    await sql.end()
  }
}

async function dropDatabase(url: string, name: string): Promise<void> {
  const sql = postgres(withDatabase(url, 'postgres'), { max: 1, onnotice: () => {} })
  try {
    await sql`drop database if exists ${sql(name)} with (force)`
  } finally {
    await sql.end()
  }
}

afterAll(() => {
  rmSync(varDir, { recursive: true, force: true })
})

describe('ensurePostgres', () => {
  const name = `repere_services_${randomBytes(6).toString('hex')}`
  afterAll(() => dropDatabase(DATABASE_URL, name))

  it('finds the running server and creates a missing database, starting nothing', async () => {
    expect(await databaseExists(DATABASE_URL, name)).toBe(false)
    const service = await ensurePostgres(withDatabase(DATABASE_URL, name), { varDir, log })
    expect(service.origin).toBe('running')
    expect(service.createdDatabase).toBe(true)
    expect(await databaseExists(DATABASE_URL, name)).toBe(true)
    await service.stop() // nothing to stop: must not touch the running server
    expect(await databaseExists(DATABASE_URL, name)).toBe(true)
  })

  it('leaves an existing database alone', async () => {
    const service = await ensurePostgres(withDatabase(DATABASE_URL, name), { varDir, log })
    expect(service).toMatchObject({ origin: 'running', createdDatabase: false })
  })

  it('does not try to start a server on another machine, and names DATABASE_URL', async () => {
    // 127.0.0.2 is loopback but not one of the "local" names: it stands in for a remote host.
    const port = await freePort()
    const attempt = ensurePostgres(`postgres://postgres@127.0.0.2:${port}/x`, { varDir, log })
    await expect(attempt).rejects.toBeInstanceOf(ServiceError)
    await expect(attempt).rejects.toThrow(/DATABASE_URL/)
  })

  it.skipIf(!findPostgresBinaries())(
    'starts a cluster of its own under varDir on a free local port, and stops it',
    async () => {
      const port = await freePort()
      const url = `postgres://postgres@127.0.0.1:${port}/repere_private`
      const service = await ensurePostgres(url, { varDir, log })
      try {
        expect(service).toMatchObject({ origin: 'private-cluster', createdDatabase: true })
        const sql = postgres(url, { max: 1 })
        expect(await sql`select current_database() as db`).toEqual([{ db: 'repere_private' }])
        await sql.end()
      } finally {
        await service.stop()
      }
      const after = postgres(url, { max: 1, connect_timeout: 2 })
      await expect(after`select 1`).rejects.toMatchObject({ code: 'ECONNREFUSED' })
      await after.end()
    },
    90_000,
  )
})

describe('ensureRedis', () => {
  it('is a no-op when Redis runs', async () => {
    const service = await ensureRedis(REDIS_URL, { varDir, log })
    expect(service.origin).toBe('running')
    await service.stop()
    const client = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 })
    expect(await client.ping()).toBe('PONG') // still running
    client.disconnect()
  })

  it('does not try to start a server on another machine, and names REDIS_URL', async () => {
    const port = await freePort()
    await expect(ensureRedis(`redis://127.0.0.2:${port}`, { varDir, log })).rejects.toThrow(/REDIS_URL/)
  })

  it.skipIf(!which('redis-server'))(
    'starts redis-server on a free local port, and stops it',
    async () => {
      const port = await freePort()
      const url = `redis://127.0.0.1:${port}`
      const service = await ensureRedis(url, { varDir, log })
      expect(service.origin).toBe('child')
      const client = new Redis(url, { maxRetriesPerRequest: 1, lazyConnect: true })
      expect(await client.ping()).toBe('PONG')
      client.disconnect()
      await service.stop()
      const after = new Redis(url, { lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0 })
      after.on('error', () => {})
      await expect(after.connect()).rejects.toThrow()
      after.disconnect()
    },
    30_000,
  )
})

/** Runs a module snippet with tsx in a new Node process; resolves with its exit code and output. */
function runSnippet(code: string, asUser?: string): Promise<{ code: number; out: string }> {
  const node = [process.execPath, '--import', 'tsx', '--input-type=module', '-e', code]
  const [cmd = '', ...args] = asUser ? ['runuser', '-u', asUser, '--', 'env', 'HOME=/tmp', ...node] : node
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()))
    child.stderr.on('data', (chunk: Buffer) => (out += chunk.toString()))
    child.on('error', reject)
    child.on('close', (exit) => resolve({ code: exit ?? 1, out }))
  })
}

describe('keep: what the tests set-up starts outlives it', () => {
  it.skipIf(!which('redis-server'))(
    'a redis-server started with keep: true still answers after the process that started it has exited',
    async () => {
      const port = await freePort()
      const url = `redis://127.0.0.1:${port}`
      const dir = JSON.stringify(varDir)
      const started = await runSnippet(
        `import { ensureRedis } from './scripts/lib/services.ts'
         const s = await ensureRedis('${url}', { varDir: ${dir}, log: () => {}, keep: true })
         console.log(s.origin)
         process.exit(0)`,
      )
      expect(started).toMatchObject({ code: 0, out: expect.stringContaining('child') })
      const client = new Redis(url, { maxRetriesPerRequest: 1, retryStrategy: () => null })
      client.on('error', () => {}) // SHUTDOWN below closes the connection under it
      try {
        expect(await client.ping()).toBe('PONG')
      } finally {
        await client.call('SHUTDOWN', 'NOSAVE').catch(() => {}) // the connection drops as it stops
        client.disconnect()
      }
    },
    30_000,
  )
})

describe('installPackages', () => {
  it.skipIf(!isRoot() || !which('runuser') || !which('apt-get'))(
    'as a user who may not install, names the exact command instead',
    async () => {
      const { code, out } = await runSnippet(
        `import { installPackages } from './scripts/lib/packages.ts'
         await installPackages(['chromium'], 'The browser tests need Chromium', () => {})
           .then(() => process.exit(0), (e) => { console.log(e.name + ': ' + e.message); process.exit(3) })`,
        'nobody',
      )
      expect(code).toBe(3)
      expect(out.trim()).toBe('ServiceError: The browser tests need Chromium: install with: sudo apt-get install -y chromium')
    },
    30_000,
  )
})
