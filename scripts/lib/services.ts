/**
 * Makes sure PostgreSQL and Redis answer before `npm start` or `npm test` runs anything else.
 *
 * Each function first tries the URL as given. When nothing answers and the host is this machine, it
 * starts what it can: a Debian cluster on that port (`pg_ctlcluster`), else a private cluster under
 * `<varDir>/postgres` made with the Debian binaries; for Redis, a `redis-server` child with its data
 * under `<varDir>/redis`. It returns a `stop()` that undoes only what it started: a server that was
 * already running is left alone, and its `stop()` does nothing. With `keep: true` (the tests' set-up,
 * which exits before the tests start) what it starts outlives this process: no exit hook stops it,
 * and redis-server is detached from it.
 *
 * When PostgreSQL or Redis is down and not installed, it installs the Debian package (`./packages.ts`:
 * as root or with `sudo -n`, else the message is the command to type).
 *
 * Nothing here prints a URL: messages name host and port only, so a password never reaches a terminal.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { chmodSync, existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs'
import { join, relative } from 'node:path'
import { Redis } from 'ioredis'
import postgres from 'postgres'
import { installPackages, privilege, ServiceError } from './packages.ts'
import { isAlive, isExecutable, isRoot, run, signalChild, sleep, stopChild, tail, which, type Log } from './proc.ts'

export { ServiceError }

export type EnsureOptions = {
  varDir: string
  log: Log
  /** Leave what this call starts running after this process exits (see the header). */
  keep?: boolean
  /**
   * On a CI machine only: when a local Debian cluster asks for a password over TCP, add `trust`
   * lines for 127.0.0.1 and ::1 to its pg_hba.conf, as the CI machines' tests connect without one.
   */
  trustLoopbackOnCi?: boolean
}

export type EnsuredService = {
  /** `running`: it already answered, nothing was started and `stop()` does nothing. */
  origin: 'running' | 'debian-cluster' | 'private-cluster' | 'child'
  /** True when this call created the database named in the URL (PostgreSQL only). */
  createdDatabase: boolean
  /** Stops what this call started; safe to call twice. */
  stop: () => Promise<void>
}

const LOCAL_HOSTS = new Set(['127.0.0.1', 'localhost', '::1', '[::1]'])
const INSTALL_HINT =
  'Install both with: sudo apt-get install -y postgresql redis-server (or set DATABASE_URL and REDIS_URL to existing servers).'

export const isLocalHost = (hostname: string): boolean => LOCAL_HOSTS.has(hostname.toLowerCase())

type Endpoint = { url: URL; host: string; port: number; where: string }

function endpoint(raw: string, variable: 'DATABASE_URL' | 'REDIS_URL', defaultPort: number): Endpoint {
  let url: URL
  try {
    url = new URL(raw)
  } catch {
    throw new ServiceError(`${variable} is not a valid URL.`)
  }
  const host = url.hostname || 'localhost'
  const port = url.port ? Number(url.port) : defaultPort
  return { url, host, port, where: `${host}:${port}` }
}

/** A folder as a person would type it: relative to the current folder when inside it. */
function display(path: string): string {
  const rel = relative(process.cwd(), path)
  return rel && !rel.startsWith('..') ? rel : path
}

const noop = async (): Promise<void> => {}

/**
 * Stops a started service at most once, and forgets its emergency exit hook once stopped.
 * `emergency` is left out when the service must outlive this process (`keep`).
 */
function once(stop: () => Promise<void>, emergency?: () => void): () => Promise<void> {
  let done: Promise<void> | undefined
  const onExit = emergency ? () => emergency() : undefined
  if (onExit) {
    // Last resort when the script dies without calling stop() (uncaught error, process.exit()).
    process.on('exit', onExit)
  }
  return () => {
    if (onExit) {
      process.off('exit', onExit)
    }
    done ??= stop()
    return done
  }
}

const firstLines = (text: string, n = 3): string => text.trim().split('\n').slice(0, n).join(' ').trim()

// ─── PostgreSQL ──────────────────────────────────────────────────────────────────────────────────

type PgProbe =
  | { status: 'ok' }
  | { status: 'no-database' }
  | { status: 'down'; reason: string }
  | { status: 'starting' }
  | { status: 'refused'; reason: string; code: string }

const NETWORK_ERRORS = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'CONNECT_TIMEOUT',
  'CONNECTION_CLOSED',
  'CONNECTION_ENDED',
  'CONNECTION_DESTROYED',
])

function pgClient(url: string, connectTimeoutSeconds: number) {
  return postgres(url, {
    max: 1,
    connect_timeout: connectTimeoutSeconds,
    idle_timeout: 1,
    onnotice: () => {},
    connection: { application_name: 'repere-start' },
  })
}

/** One attempt at `select 1`, classified. */
async function probePostgres(url: string, connectTimeoutSeconds = 3): Promise<PgProbe> {
  const sql = pgClient(url, connectTimeoutSeconds)
  try {
    await sql`select 1`
    return { status: 'ok' }
  } catch (err) {
    const code = errorCode(err)
    if (code === '3D000') {
      return { status: 'no-database' } // invalid_catalog_name: the server answers, the database is missing
    }
    if (code === '57P03') {
      return { status: 'starting' } // cannot_connect_now: the server is starting up
    }
    if (NETWORK_ERRORS.has(code)) {
      return { status: 'down', reason: code }
    }
    return { status: 'refused', reason: (err as Error).message, code }
  } finally {
    await sql.end({ timeout: 1 }).catch(() => {})
  }
}

async function waitForPostgres(url: string, where: string, timeoutMs: number, logFile?: string): Promise<PgProbe> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const probe = await probePostgres(url, 2)
    if (probe.status !== 'down' && probe.status !== 'starting') {
      return probe
    }
    if (Date.now() > deadline) {
      const lastLines = logFile ? tail(logFile) : ''
      throw new ServiceError(
        `PostgreSQL at ${where} did not accept connections within ${timeoutMs / 1000} s.` +
          (lastLines ? `\nLast lines of ${logFile}:\n${lastLines}` : ''),
      )
    }
    await sleep(250)
  }
}

type DebianCluster = { version: string; name: string; port: number; status: string }

async function debianClusters(): Promise<DebianCluster[]> {
  if (!which('pg_lsclusters')) {
    return []
  }
  const { code, stdout } = await run('pg_lsclusters', ['--no-header'])
  if (code !== 0) {
    return []
  }
  return stdout
    .split('\n')
    .map((line) => line.trim().split(/\s+/))
    .filter((cols) => cols.length >= 4)
    .map(([version = '', name = '', port = '', status = '']) => ({ version, name, port: Number(port), status }))
}

type PgBinaries = { version: string; initdb: string; pgCtl: string }

/** The highest Debian PostgreSQL version with initdb and pg_ctl, else the ones on the PATH. */
export function findPostgresBinaries(): PgBinaries | undefined {
  const root = '/usr/lib/postgresql'
  if (existsSync(root)) {
    const versions = readdirSync(root)
      .filter((v) => /^\d+(\.\d+)?$/.test(v))
      .filter((v) => isExecutable(join(root, v, 'bin', 'initdb')) && isExecutable(join(root, v, 'bin', 'pg_ctl')))
      .sort((a, b) => Number(b) - Number(a))
    const version = versions[0]
    if (version) {
      return { version, initdb: join(root, version, 'bin', 'initdb'), pgCtl: join(root, version, 'bin', 'pg_ctl') }
    }
  }
  const initdb = which('initdb')
  const pgCtl = which('pg_ctl')
  return initdb && pgCtl ? { version: 'local', initdb, pgCtl } : undefined
}

async function startDebianCluster(cluster: DebianCluster, where: string, log: Log, keep: boolean): Promise<EnsuredService> {
  const id = `${cluster.version}/${cluster.name}`
  if (cluster.status.startsWith('online')) {
    throw new ServiceError(
      `PostgreSQL cluster ${id} is online on port ${cluster.port} but does not accept connections at ${where}: ` +
        `check listen_addresses in /etc/postgresql/${id}/postgresql.conf, or change DATABASE_URL.`,
    )
  }
  const args = ['--skip-systemctl-redirect', cluster.version, cluster.name]
  // Registered before starting, so that an interruption during the start still stops it.
  const stop = once(
    async () => {
      log(`Stopping PostgreSQL cluster ${id}…`)
      await run('pg_ctlcluster', [...args, 'stop', '-m', 'fast'])
    },
    keep ? undefined : () => spawnSync('pg_ctlcluster', [...args, 'stop', '-m', 'fast'], { stdio: 'ignore' }),
  )
  log(`Starting PostgreSQL cluster ${id} on port ${cluster.port}…`)
  const started = await run('pg_ctlcluster', [...args, 'start'])
  if (started.code !== 0) {
    await stop()
    throw new ServiceError(
      `Could not start PostgreSQL cluster ${id}: ${firstLines(started.stderr || started.stdout)}` +
        (isRoot() ? '' : ` Try: sudo pg_ctlcluster ${args.join(' ')} start`),
    )
  }
  return { origin: 'debian-cluster', createdDatabase: false, stop }
}

/**
 * A cluster of our own under `<varDir>/postgres`: trust authentication, listening on the URL's host
 * and port only, its unix socket in `<varDir>/postgres-socket` so it never clashes with a system one.
 * initdb and postgres refuse to run as root, so as root they run as the `postgres` system user.
 */
async function startPrivateCluster(bin: PgBinaries, ep: Endpoint, { varDir, log, keep = false }: EnsureOptions): Promise<EnsuredService> {
  const dataDir = join(varDir, 'postgres')
  const socketDir = join(varDir, 'postgres-socket')
  const logFile = join(dataDir, 'server.log')
  const shown = display(dataDir)
  if (socketDir.includes("'")) {
    throw new ServiceError(`The folder ${varDir} must not contain a quote character.`)
  }
  mkdirSync(dataDir, { recursive: true })
  mkdirSync(socketDir, { recursive: true })

  const asPostgres = isRoot()
  const argv = (cmd: string, args: string[]): [string, string[]] =>
    asPostgres ? ['runuser', ['-u', 'postgres', '--', cmd, ...args]] : [cmd, args]
  const exec = (cmd: string, args: string[]) => run(...argv(cmd, args))
  if (asPostgres) {
    if ((await run('id', ['-u', 'postgres'])).code !== 0) {
      throw new ServiceError('Running as root, PostgreSQL needs the "postgres" system user, which does not exist. ' + INSTALL_HINT)
    }
    await run('chown', ['-R', 'postgres:postgres', dataDir, socketDir])
    // The postgres user must be able to walk into varDir (mkdtemp and some umasks make it 0700).
    // Only varDir, which is ours, gets o+x (enter, not list); folders above it are left alone.
    const mode = statSync(varDir).mode
    if ((mode & 0o001) === 0) {
      chmodSync(varDir, mode | 0o001)
    }
    if ((await run('runuser', ['-u', 'postgres', '--', 'test', '-w', dataDir])).code !== 0) {
      throw new ServiceError(
        `The postgres system user cannot reach ${shown}: let others enter the folders above it (chmod o+x), ` +
          'or set DATABASE_URL to an existing server.',
      )
    }
  }

  if (!existsSync(join(dataDir, 'PG_VERSION'))) {
    log(`Creating a PostgreSQL ${bin.version} cluster in ${shown} (trust authentication, local only)…`)
    const user = decodeURIComponent(ep.url.username) || 'postgres'
    const init = await exec(bin.initdb, ['-D', dataDir, '-U', user, '--auth=trust', '--encoding=UTF8', '--no-locale'])
    if (init.code !== 0) {
      throw new ServiceError(`initdb failed in ${shown}: ${firstLines(init.stderr || init.stdout, 5)}`)
    }
  }

  // A cluster left running by an earlier run that was killed: stop it, it may listen on another port.
  if ((await exec(bin.pgCtl, ['-D', dataDir, 'status'])).code === 0) {
    log(`Stopping a PostgreSQL left running in ${shown} by an earlier run…`)
    await exec(bin.pgCtl, ['-D', dataDir, '-m', 'fast', '-w', 'stop'])
  }

  const listen = ep.host === 'localhost' ? 'localhost' : ep.host.replace(/^\[|\]$/g, '')
  const stopArgs = ['-D', dataDir, '-m', 'fast', '-w', 'stop']
  // Registered before starting, so that an interruption during the start still stops it.
  const stop = once(
    async () => {
      log(`Stopping PostgreSQL (${shown})…`)
      await exec(bin.pgCtl, stopArgs)
    },
    keep ? undefined : () => spawnSync(...argv(bin.pgCtl, stopArgs), { stdio: 'ignore' }),
  )
  log(`Starting PostgreSQL ${bin.version} from ${shown} on ${ep.where}…`)
  // pg_ctl puts the server in its own session: a Ctrl-C in the terminal does not reach it.
  const start = await exec(bin.pgCtl, [
    '-D',
    dataDir,
    '-l',
    logFile,
    '-w',
    '-t',
    '60',
    '-o',
    `-p ${ep.port} -h ${listen} -k '${socketDir}'`,
    'start',
  ])
  if (start.code !== 0) {
    await stop()
    const lastLines = tail(logFile)
    throw new ServiceError(
      `PostgreSQL did not start from ${shown}: ${firstLines(start.stderr || start.stdout)}` +
        (lastLines ? `\nLast lines of ${logFile}:\n${lastLines}` : ''),
    )
  }
  return { origin: 'private-cluster', createdDatabase: false, stop }
}

/** Creates the URL's database when missing, connected to the `postgres` (or `template1`) database. */
async function createDatabaseIfMissing(ep: Endpoint, log: Log): Promise<boolean> {
  const name = decodeURIComponent(ep.url.pathname.replace(/^\//, '')) || decodeURIComponent(ep.url.username) || 'postgres'
  for (const maintenance of ['postgres', 'template1']) {
    if (maintenance === name) {
      return false
    }
    const adminUrl = new URL(ep.url.href)
    adminUrl.pathname = `/${maintenance}`
    const sql = pgClient(adminUrl.href, 5)
    try {
      const found = await sql`select 1 from pg_database where datname = ${name}`
      if (found.length > 0) {
        return false
      }
      await sql`create database ${sql(name)}`
      log(`Created database "${name}" on ${ep.where}.`)
      return true
    } catch (err) {
      const code = errorCode(err)
      if (code === '42P04') {
        return false // duplicate_database: created meanwhile by someone else
      }
      if (code === '3D000' && maintenance === 'postgres') {
        continue // no `postgres` database here: try template1
      }
      throw new ServiceError(
        `Could not create database "${name}" on ${ep.where}: ${(err as Error).message}. ` +
          'Create it yourself, or set DATABASE_URL to an existing database.',
      )
    } finally {
      await sql.end({ timeout: 1 }).catch(() => {})
    }
  }
  return false
}

/** invalid_password, invalid_authorization_specification: pg_hba.conf or the password. */
const AUTH_ERRORS = new Set(['28P01', '28000'])

/**
 * Adds `host all all 127.0.0.1/32 trust` and its ::1 twin at the top of the local cluster's
 * pg_hba.conf and reloads it. Only for CI machines (`trustLoopbackOnCi`): a stock Debian cluster asks
 * for a password over TCP, and the tests connect as `postgres` without one. Reached over the Unix
 * socket as the `postgres` system user (peer authentication), as root or with `sudo -n`.
 */
async function trustLoopback(ep: Endpoint, log: Log): Promise<void> {
  const priv = await privilege()
  const psql = which('psql')
  const fail = (why: string) =>
    new ServiceError(
      `PostgreSQL at ${ep.where} asks for a password and ${why}: allow trust for 127.0.0.1 in pg_hba.conf, or put the password in the URL.`,
    )
  if (!priv || !psql) {
    throw fail(priv ? 'psql is missing' : 'this CI job is neither root nor allowed sudo -n')
  }
  const psqlArgs = (sql: string) => [psql, '-p', String(ep.port), '-Atqc', sql]
  const asPostgres = (sql: string) =>
    priv.prefix.length > 0
      ? run('sudo', ['-n', '-u', 'postgres', ...psqlArgs(sql)])
      : run('runuser', ['-u', 'postgres', '--', ...psqlArgs(sql)])
  const shown = await asPostgres('show hba_file')
  const hba = shown.stdout.trim()
  if (shown.code !== 0 || !hba.startsWith('/')) {
    throw fail(`its pg_hba.conf could not be found (${firstLines(shown.stderr)})`)
  }
  log(`CI machine: allowing trust authentication from 127.0.0.1 and ::1 in ${hba}…`)
  const sed = ['sed', '-i', '1i host all all 127.0.0.1/32 trust\nhost all all ::1/128 trust', hba]
  const edited = priv.prefix.length > 0 ? await run('sudo', ['-n', ...sed]) : await run('sed', sed.slice(1))
  if (edited.code !== 0 || (await asPostgres('select pg_reload_conf()')).code !== 0) {
    throw fail(`${hba} could not be changed`)
  }
  await sleep(500)
}

/**
 * Makes sure PostgreSQL answers at `databaseUrl` and that its database exists.
 * @throws ServiceError with a message meant for a person (no URL, no stack).
 */
export async function ensurePostgres(databaseUrl: string, options: EnsureOptions): Promise<EnsuredService> {
  const { varDir, log, keep = false } = options
  const ep = endpoint(databaseUrl, 'DATABASE_URL', 5432)
  let probe = await probePostgres(databaseUrl)
  let service: EnsuredService = { origin: 'running', createdDatabase: false, stop: noop }
  let logFile: string | undefined

  if (probe.status === 'down') {
    if (!isLocalHost(ep.host)) {
      throw new ServiceError(`PostgreSQL at ${ep.where} does not answer (${probe.reason}). Start it, or fix DATABASE_URL.`)
    }
    if (!findPostgresBinaries()) {
      // The Debian package also creates (and may start) a cluster on port 5432.
      await installPackages(['postgresql'], `PostgreSQL does not answer at ${ep.where} and is not installed here`, log)
      probe = await probePostgres(databaseUrl)
    }
  }
  if (probe.status === 'down') {
    const cluster = (await debianClusters()).find((c) => c.port === ep.port)
    if (cluster) {
      service = await startDebianCluster(cluster, ep.where, log, keep)
    } else {
      const bin = findPostgresBinaries()
      if (!bin) {
        throw new ServiceError(`PostgreSQL does not answer at ${ep.where} and is not installed here. ${INSTALL_HINT}`)
      }
      service = await startPrivateCluster(bin, ep, options)
      logFile = join(varDir, 'postgres', 'server.log')
    }
  }
  try {
    if (probe.status === 'down' || probe.status === 'starting') {
      probe = await waitForPostgres(databaseUrl, ep.where, 30_000, logFile)
    }
    if (probe.status === 'refused' && AUTH_ERRORS.has(probe.code) && options.trustLoopbackOnCi && isLocalHost(ep.host)) {
      await trustLoopback(ep, log)
      probe = await probePostgres(databaseUrl)
    }
    if (probe.status === 'refused') {
      throw new ServiceError(
        `PostgreSQL at ${ep.where} refused the connection: ${probe.reason}. Check the user and password in DATABASE_URL.`,
      )
    }
    if (probe.status === 'no-database') {
      service.createdDatabase = await createDatabaseIfMissing(ep, log)
    }
    return service
  } catch (err) {
    await service.stop()
    throw err
  }
}

// ─── Redis ───────────────────────────────────────────────────────────────────────────────────────

type RedisProbe = { status: 'ok' } | { status: 'down'; reason: string } | { status: 'starting' } | { status: 'refused'; reason: string }

/** One PING without retries or reconnection, classified. */
async function probeRedis(url: string, timeoutMs = 2_000): Promise<RedisProbe> {
  const client = new Redis(url, {
    lazyConnect: true,
    maxRetriesPerRequest: 1,
    retryStrategy: () => null,
    reconnectOnError: () => false,
    connectTimeout: timeoutMs,
    enableOfflineQueue: false,
  })
  let networkCode = ''
  // ioredis reports the socket error here and rejects connect() with a generic "Connection is closed."
  client.on('error', (err: Error & { code?: string }) => (networkCode ||= err.code ?? ''))
  try {
    await client.connect()
    await client.ping()
    return { status: 'ok' }
  } catch (err) {
    const code = errorCode(err) || networkCode
    const message = (err as Error).message
    if (message.startsWith('LOADING')) {
      return { status: 'starting' }
    }
    if (NETWORK_ERRORS.has(code) || /ECONNREFUSED|ETIMEDOUT|Connection is closed|connect/i.test(message)) {
      return { status: 'down', reason: code || message }
    }
    return { status: 'refused', reason: message }
  } finally {
    client.disconnect()
  }
}

function findRedisServer(): string | undefined {
  return which('redis-server') ?? ['/usr/bin/redis-server', '/usr/sbin/redis-server'].find(isExecutable)
}

/**
 * Our own redis-server, a child of this script in its own process group (so a Ctrl-C in the
 * terminal reaches only the start script, which stops things in order).
 *
 * It keeps an append-only file under `<varDir>/redis`: BullMQ holds queued and delayed jobs and the
 * repeatable `campaign.tick` schedule only in Redis, so without persistence a restart of `npm start`
 * would silently drop an import or a message that was waiting. The folder is git-ignored with var/.
 * @see {@link https://docs.bullmq.io/guide/going-to-production#persistence}
 */
async function spawnRedis(bin: string, ep: Endpoint, { varDir, log, keep = false }: EnsureOptions): Promise<EnsuredService> {
  const dir = join(varDir, 'redis')
  const logFile = join(dir, 'redis.log')
  mkdirSync(dir, { recursive: true })
  writeFileSync(logFile, '') // one run per log: an error below shows this run's lines only
  const bind = ep.host === 'localhost' ? ['127.0.0.1', '-::1'] : [ep.host.replace(/^\[|\]$/g, '')]
  const args = [
    '--bind',
    ...bind,
    '--port',
    String(ep.port),
    '--dir',
    dir,
    '--save',
    '',
    '--appendonly',
    'yes',
    '--appendfsync',
    'everysec',
    '--maxmemory-policy',
    'noeviction', // BullMQ requires it
    '--daemonize',
    'no',
    '--logfile',
    logFile,
  ]
  if (ep.url.password) {
    args.push('--requirepass', decodeURIComponent(ep.url.password))
  }
  log(`Starting redis-server on ${ep.where} (data in ${display(dir)})…`)
  const child: ChildProcess = spawn(bin, args, { stdio: 'ignore', detached: true })
  if (keep) {
    child.unref() // outlives this process (see the header)
  }
  let failed: Error | undefined
  child.once('error', (err) => (failed = err))
  const stop = once(
    async () => {
      if (isAlive(child)) {
        log('Stopping redis-server…')
        await stopChild(child, { graceMs: 10_000, group: true })
      }
    },
    keep ? undefined : () => signalChild(child, 'SIGKILL', true),
  )

  const deadline = Date.now() + 15_000
  for (;;) {
    await sleep(100)
    if (failed || !isAlive(child)) {
      await stop()
      const lastLines = tail(logFile, 6)
      throw new ServiceError(
        `redis-server did not start on ${ep.where}${failed ? `: ${failed.message}` : ''}.` +
          (lastLines ? `\nLast lines of ${logFile}:\n${lastLines}` : ''),
      )
    }
    const probe = await probeRedis(ep.url.href, 1_000)
    if (probe.status === 'ok') {
      return { origin: 'child', createdDatabase: false, stop }
    }
    if (probe.status === 'refused' || Date.now() > deadline) {
      await stop()
      throw new ServiceError(
        `redis-server on ${ep.where} did not answer PING within 15 s` +
          (probe.status === 'refused' ? ` (${probe.reason})` : '') +
          `. See ${logFile}.`,
      )
    }
  }
}

/**
 * Makes sure Redis answers PING at `redisUrl`.
 * @throws ServiceError with a message meant for a person (no URL, no stack).
 */
export async function ensureRedis(redisUrl: string, options: EnsureOptions): Promise<EnsuredService> {
  const ep = endpoint(redisUrl, 'REDIS_URL', 6379)
  const probe = await probeRedis(redisUrl)
  switch (probe.status) {
    case 'ok':
      return { origin: 'running', createdDatabase: false, stop: noop }
    case 'refused':
      throw new ServiceError(`Redis at ${ep.where} answered but refused: ${probe.reason}. Check REDIS_URL.`)
    case 'starting': {
      const deadline = Date.now() + 30_000
      while (Date.now() < deadline) {
        await sleep(250)
        if ((await probeRedis(redisUrl)).status === 'ok') {
          return { origin: 'running', createdDatabase: false, stop: noop }
        }
      }
      throw new ServiceError(`Redis at ${ep.where} is still loading its data after 30 s.`)
    }
    case 'down': {
      if (!isLocalHost(ep.host)) {
        throw new ServiceError(`Redis at ${ep.where} does not answer (${probe.reason}). Start it, or fix REDIS_URL.`)
      }
      if (!findRedisServer()) {
        await installPackages(['redis-server'], `Redis does not answer at ${ep.where} and is not installed here`, options.log)
        // The Debian package may start its own server on 6379.
        if ((await probeRedis(redisUrl)).status === 'ok') {
          return { origin: 'running', createdDatabase: false, stop: noop }
        }
      }
      const bin = findRedisServer()
      if (!bin) {
        throw new ServiceError(`Redis does not answer at ${ep.where} and is not installed here. ${INSTALL_HINT}`)
      }
      return spawnRedis(bin, ep, options)
    }
  }
}

function errorCode(err: unknown): string {
  const code = (err as { code?: unknown }).code
  return typeof code === 'string' || typeof code === 'number' ? String(code) : ''
}
