/**
 * `npm start`: everything Repère needs on one machine, in one terminal.
 *
 *   .env (created with fresh secrets when missing) → config → PostgreSQL + Redis (started when local
 *   and down) → migrations → mail catcher → demo data (its campaigns' e-mails go to the catcher) →
 *   server + worker children → /health → banner.
 *
 * Ctrl-C (SIGINT) or SIGTERM stops the children (SIGTERM, SIGKILL after 10 s), the mail catcher and
 * the services this script started, then exits 0. A child that dies on its own stops everything
 * and exits 1, naming it. The children run in their own process groups, so a Ctrl-C in the terminal
 * reaches only this script and things stop in order (servers before the databases they use).
 */
import { WORKER_NODE_FLAGS } from '../workers/node-flags.ts'
import { spawn, type ChildProcess } from 'node:child_process'
import { createServer } from 'node:net'
import { dirname, join, resolve } from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { ConfigError, loadConfig, type Config } from '../server/config.ts'
import { loadOrCreateEnvFile } from './lib/env-file.ts'
import { watchLaunchers } from './lib/launcher-watch.ts'
import { startMailCatcher } from './lib/mail-catcher.ts'
import { formatLogLine, paint } from './lib/pretty-log.ts'
import { isAlive, signalChild, sleep, stopChild } from './lib/proc.ts'
import { ensurePostgres, ensureRedis, isLocalHost, ServiceError } from './lib/services.ts'

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const VAR_DIR = join(ROOT, 'var')
const HEALTH_TIMEOUT_MS = 90_000
const CHILD_GRACE_MS = 10_000
const DEFAULT_MAIL_WEB_PORT = 1080
const color = process.stdout.isTTY === true

/** A problem the person must fix, printed as is (no stack). */
class StartError extends Error {
  override name = 'StartError'
}

/** An error's message and its causes' (drizzle wraps the PostgreSQL error in `cause`), on one line. */
function describe(err: unknown): string {
  const parts: string[] = []
  for (let e = err, depth = 0; e instanceof Error && depth < 4; e = e.cause, depth++) {
    parts.push(e.message.replace(/\s+/g, ' ').trim())
  }
  return parts.join(' ← ') || String(err)
}

const say = (message: string): void => {
  process.stdout.write(`${paint(color, '1', '[start]')} ${message}\n`)
}

// ─── Shutdown ────────────────────────────────────────────────────────────────────────────────────

type Stopper = { name: string; stop: () => Promise<void> }
const stoppers: Stopper[] = [] // in start order, stopped in reverse
const children = new Map<string, ChildProcess>()
let shuttingDown = false

async function shutdown(code: number, reason?: string): Promise<void> {
  if (shuttingDown) {
    return
  }
  shuttingDown = true
  if (reason) {
    say(reason)
  }
  await Promise.all(
    [...children].map(async ([name, child]) => {
      if (isAlive(child) && (await stopChild(child, { graceMs: CHILD_GRACE_MS, group: true }))) {
        say(`the ${name} did not stop within ${CHILD_GRACE_MS / 1000} s: killed.`)
      }
    }),
  )
  for (const { name, stop } of stoppers.reverse()) {
    try {
      await stop()
    } catch (err) {
      say(`could not stop ${name}: ${(err as Error).message}`)
    }
  }
  if (code === 0) {
    say('stopped.')
  }
  process.exit(code)
}

let firstSignalAt = 0

function onSignal(signal: NodeJS.Signals): void {
  if (shuttingDown) {
    // One Ctrl-C can arrive twice: from the terminal (to the whole process group) and relayed by
    // the tsx launcher. Only a second Ctrl-C typed later means "no more waiting"; then the exit
    // hooks kill what is left (children, redis-server, postgres).
    if (firstSignalAt > 0 && Date.now() - firstSignalAt > 1_500) {
      say(`${signal} again: killing what is left.`)
      process.exit(1)
    }
    return
  }
  firstSignalAt = Date.now()
  void shutdown(0, `${signal} received: stopping…`)
}
process.on('SIGINT', onSignal)
process.on('SIGTERM', onSignal)
process.on('exit', () => {
  for (const child of children.values()) {
    signalChild(child, 'SIGKILL', true)
  }
})
// A SIGTERM sent to `npm start` stops npm without passing it on: treat the launcher's exit as one.
watchLaunchers('scripts/start.ts', () => void shutdown(0, 'npm start was stopped (its launcher exited): stopping…'))

// ─── Steps ───────────────────────────────────────────────────────────────────────────────────────

function readConfig(): Config {
  // Links in e-mails follow PORT when PUBLIC_URL is left empty.
  if (!process.env.PUBLIC_URL && process.env.PORT && /^\d+$/.test(process.env.PORT)) {
    process.env.PUBLIC_URL = `http://localhost:${process.env.PORT}`
  }
  try {
    return loadConfig(process.env)
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`)
      process.exit(78) // EX_CONFIG, like loadConfigOrExit
    }
    throw err
  }
}

function portInUse(port: number, host: string): Promise<string | undefined> {
  return new Promise((done) => {
    const probe = createServer()
    probe.once('error', (err: NodeJS.ErrnoException) => done(err.code ?? err.message))
    probe.listen({ port, host, exclusive: true }, () => probe.close(() => done(undefined)))
  })
}

type MailPlan = { start: false } | { start: true; smtpPort: number; webPort: number; host: string; webUrl?: string }

function planMailCatcher(config: Config): MailPlan {
  if (!isLocalHost(config.SMTP_HOST) || config.SMTP_SECURE) {
    return { start: false }
  }
  let webPort = DEFAULT_MAIL_WEB_PORT
  if (config.MAIL_CATCHER_URL) {
    let url: URL
    try {
      url = new URL(config.MAIL_CATCHER_URL)
    } catch {
      throw new StartError('MAIL_CATCHER_URL must be a URL like http://localhost:1080, or empty.')
    }
    webPort = url.port ? Number(url.port) : url.protocol === 'https:' ? 443 : 80
  }
  const host = config.SMTP_HOST === '::1' ? '::1' : '127.0.0.1'
  return { start: true, smtpPort: config.SMTP_PORT, webPort, host, webUrl: config.MAIL_CATCHER_URL || undefined }
}

async function checkPorts(config: Config, mail: MailPlan): Promise<void> {
  const wanted: { port: number; host: string; what: string; fix: string }[] = [
    { port: config.PORT, host: config.HOST, what: 'the HTTP server', fix: `set PORT to another port in .env` },
  ]
  if (mail.start) {
    wanted.push(
      {
        port: mail.smtpPort,
        host: mail.host,
        what: "the mail catcher's SMTP",
        fix: 'set SMTP_PORT to another port in .env',
      },
      {
        port: mail.webPort,
        host: mail.host,
        what: "the mail catcher's web page",
        fix: `set MAIL_CATCHER_URL=http://localhost:${mail.webPort + 1} in .env`,
      },
    )
  }
  const problems: string[] = []
  for (const { port, host, what, fix } of wanted) {
    const code = await portInUse(port, host)
    if (code === 'EADDRINUSE') {
      problems.push(`Port ${port} (${what}) is already in use: stop what uses it (an earlier npm start?), or ${fix}.`)
    } else if (code) {
      problems.push(`Cannot listen on ${host}:${port} (${what}): ${code}; ${fix}.`)
    }
  }
  if (problems.length > 0) {
    throw new StartError(problems.join('\n'))
  }
}

function spawnChild(name: string, entry: string, env: NodeJS.ProcessEnv, nodeFlags: string[] = []): ChildProcess {
  const child = spawn(process.execPath, [...nodeFlags, '--import', 'tsx', entry], {
    cwd: ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true, // own process group: see the header comment
  })
  const prefix = paint(color, name === 'server' ? '36' : '35', `[${name}]`)
  for (const [stream, out] of [
    [child.stdout, process.stdout],
    [child.stderr, process.stderr],
  ] as const) {
    if (stream) {
      createInterface({ input: stream, crlfDelay: Infinity }).on('line', (line) => {
        const text = formatLogLine(line, color).split('\n')
        out.write(text.map((part) => `${prefix} ${part}\n`).join(''))
      })
    }
  }
  child.on('error', (err) => void shutdown(1, `could not start the ${name}: ${err.message}`))
  child.on('exit', (code, signal) => {
    if (!shuttingDown) {
      const how = code !== null ? `exit code ${code}` : `signal ${signal}`
      void shutdown(1, `the ${name} exited unexpectedly (${how}); stopping everything.`)
    }
  })
  children.set(name, child)
  return child
}

function healthUrl(config: Config): string {
  let host = config.HOST
  if (host === '0.0.0.0') {
    host = '127.0.0.1'
  } else if (host === '::') {
    host = '::1'
  }
  return `http://${host.includes(':') ? `[${host}]` : host}:${config.PORT}/health`
}

async function waitForHealth(url: string): Promise<void> {
  const deadline = Date.now() + HEALTH_TIMEOUT_MS
  let last = 'no answer'
  while (!shuttingDown) {
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(2_000) })
      await res.body?.cancel()
      if (res.status === 200) {
        return
      }
      last = `HTTP ${res.status}`
    } catch (err) {
      const cause = (err as { cause?: { code?: string } }).cause
      last = cause?.code ?? (err as Error).message
    }
    if (Date.now() > deadline) {
      throw new StartError(
        `The server did not answer 200 on ${url} within ${HEALTH_TIMEOUT_MS / 1000} s (last: ${last}). See the [server] lines above.`,
      )
    }
    await sleep(500)
  }
  await new Promise(() => {}) // shutting down: shutdown() exits the process
}

type Login = { role: string; email: string; password: string; organisation: string }

function table(rows: string[][]): string[] {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((row) => (row[i] ?? '').length))) ?? []
  const line = (row: string[]) => `  ${row.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join('  ')}`.trimEnd()
  const [head, ...body] = rows
  return head ? [paint(color, '1', line(head)), `  ${widths.map((w) => '─'.repeat(w)).join('  ')}`, ...body.map(line)] : []
}

function banner(
  config: Config,
  mailUrl: string | undefined,
  logins: Login[],
  demoLinks: { label: string; url: string }[] = [],
  campaigns = false,
): string {
  const base = config.PUBLIC_URL.replace(/\/+$/, '')
  const links: [string, string][] = [
    ['Application', `${base}/`],
    ['Connexion (login)', `${base}/connexion`],
    ...(campaigns ? ([['Campagnes (démo)', `${base}/campagnes`]] as [string, string][]) : []),
    ['E-mails (MailDev)', mailUrl ?? `— (SMTP ${config.SMTP_HOST}:${config.SMTP_PORT})`],
    ['API (OpenAPI)', `${base}/docs`],
    ['Queues (BullMQ)', `${base}/admin/queues`],
  ]
  const width = Math.max(...links.map(([label]) => label.length))
  const out = [
    '',
    paint(color, '1;32', '  Repère ✔'),
    '',
    ...links.map(([label, url]) => `  ${label.padEnd(width)}  ${paint(color, '4', url)}`),
    '',
  ]
  if (logins.length > 0) {
    out.push(
      ...table([
        ['role', 'e-mail', 'password / mot de passe', 'organisation'],
        ...logins.map((l) => [l.role, l.email, l.password, l.organisation]),
      ]),
      '',
    )
  }
  if (demoLinks.length > 0) {
    // Printed here only: the codes are stored as hashes and never logged.
    out.push(paint(color, '1', '  Liens personnels de démo (ouvrir, lire, prendre rendez-vous)'))
    const w = Math.max(...demoLinks.map((l) => l.label.length))
    out.push(...demoLinks.map((l) => `  ${l.label.padEnd(w)}  ${paint(color, '4', l.url)}`), '')
  }
  out.push('  Ctrl-C: stop / arrêt', '')
  return out.join('\n')
}

// ─── Main ────────────────────────────────────────────────────────────────────────────────────────

async function main(): Promise<void> {
  process.chdir(ROOT)
  const envFile = loadOrCreateEnvFile(ROOT)
  if (envFile.created) {
    say('no .env found: created one from .env.example with a fresh JWT_SECRET and DATA_ENCRYPTION_KEY.')
  } else if (!envFile.loaded) {
    say('no .env or .env.example found: using the environment and the defaults.')
  }
  const config = readConfig()
  const mail = planMailCatcher(config)
  await checkPorts(config, mail)

  const log = (message: string) => say(message)
  const pg = await ensurePostgres(config.DATABASE_URL, { varDir: VAR_DIR, log })
  stoppers.push({ name: 'PostgreSQL', stop: pg.stop })
  const redis = await ensureRedis(config.REDIS_URL, { varDir: VAR_DIR, log })
  stoppers.push({ name: 'Redis', stop: redis.stop })
  const how = (origin: string) => (origin === 'running' ? 'was already running' : 'started')
  say(`PostgreSQL ${how(pg.origin)}, Redis ${how(redis.origin)}: both answer.`)

  say('running migrations…')
  const { migrate } = await import('./migrate.ts')
  await migrate(config.DATABASE_URL).catch((err: Error) => {
    throw new StartError(`Migrations failed: ${describe(err)}`)
  })

  // The mail catcher listens before the demo data: the demo campaigns' e-mails are sent into it.
  let mailUrl: string | undefined
  const childEnv: NodeJS.ProcessEnv = { ...process.env }
  if (mail.start) {
    const catcher = await startMailCatcher({
      smtpPort: mail.smtpPort,
      webPort: mail.webPort,
      host: mail.host,
      user: config.SMTP_USER || undefined,
      password: config.SMTP_PASSWORD,
    })
    stoppers.push({ name: 'the mail catcher', stop: catcher.stop })
    mailUrl = mail.webUrl ?? catcher.webUrl
    childEnv.MAIL_CATCHER_URL = mailUrl
  } else {
    say(`SMTP_HOST is ${config.SMTP_HOST}${config.SMTP_SECURE ? ' with TLS' : ''}: no local mail catcher.`)
  }

  let logins: Login[] = []
  let demoLinks: { label: string; url: string }[] = []
  let hasCampaigns = false
  if (config.isProduction) {
    say('NODE_ENV=production: no demo data.')
  } else {
    say('loading demo data…')
    process.env.CAN_SEED_DATABASE = '1' // seed.ts refuses without it
    try {
      const { seedDemo } = await import('./seed.ts')
      const seeded = await seedDemo(config, { campaignMail: mail.start ? 'smtp' : 'memory' }).catch((err: Error) => {
        throw new StartError(`Loading the demo data failed: ${describe(err)}`)
      })
      logins = seeded.logins
      demoLinks = seeded.demoLinks
      hasCampaigns = Boolean(seeded.campaigns?.finishedId || seeded.campaigns?.runningId)
    } finally {
      delete process.env.CAN_SEED_DATABASE
    }
  }

  if (shuttingDown) {
    return
  }
  spawnChild('server', 'server/server.ts', childEnv)
  spawnChild('worker', 'workers/main.ts', childEnv, WORKER_NODE_FLAGS)
  await waitForHealth(healthUrl(config))
  process.stdout.write(`${banner(config, mailUrl, logins, demoLinks, hasCampaigns)}\n`)
}

main().catch((err: unknown) => {
  if (shuttingDown) {
    return // a step failed because we are stopping: nothing to add
  }
  const known = err instanceof ServiceError || err instanceof StartError
  process.stderr.write(`${known ? err.message : ((err as Error).stack ?? String(err))}\n`)
  void shutdown(1)
})
