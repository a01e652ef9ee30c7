/**
 * Installs missing Debian packages for `npm start` and `npm test`: `apt-get install -y` as root, or
 * with `sudo -n` when sudo needs no password; otherwise a `ServiceError` whose message is the one
 * command to type. Used by `./services.ts` (PostgreSQL, Redis) and `./prerequisites.ts` (Chromium).
 */
import { spawn } from 'node:child_process'
import { isRoot, run, which, type Log } from './proc.ts'

/** A problem the person starting the app or the tests must fix; its message is meant for them. */
export class ServiceError extends Error {
  override name = 'ServiceError'
}

export type Privilege = {
  /** Prepended to a command to run it as root: `[]` or `['sudo', '-n']`. */
  prefix: string[]
  /** The same, as shown in a message: `''` or `'sudo '`. */
  shown: string
}

/** How this process can run a command as root: directly, with `sudo -n`, or not at all. */
export async function privilege(): Promise<Privilege | undefined> {
  if (isRoot()) {
    return { prefix: [], shown: '' }
  }
  if (which('sudo') && (await run('sudo', ['-n', 'true'])).code === 0) {
    return { prefix: ['sudo', '-n'], shown: 'sudo ' }
  }
  return undefined
}

/** The command a person would type to install these packages. */
export const installCommand = (packages: string[]): string => `sudo apt-get install -y ${packages.join(' ')}`

/** Runs apt-get with its output shown (on stderr, so a JSON reporter on stdout stays clean), no stdin. */
function aptGet(prefix: string[], args: string[]): Promise<number> {
  const [command = 'apt-get', ...rest] = [...prefix, 'apt-get', ...args]
  return new Promise((resolve) => {
    const child = spawn(command, rest, {
      stdio: ['ignore', process.stderr, process.stderr],
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    })
    child.on('error', () => resolve(127))
    child.on('close', (code) => resolve(code ?? 1))
  })
}

/**
 * Installs Debian packages, refreshing the package lists first (a fresh machine or container often
 * has none, and then apt-get cannot find any package). Waits up to 5 minutes for another apt-get
 * holding the dpkg lock (two test runs installing at once).
 * @param why what needs them, for the message: "the browser tests need chromium"
 * @throws ServiceError naming the exact command when this process cannot install them.
 */
export async function installPackages(packages: string[], why: string, log: Log): Promise<void> {
  const command = installCommand(packages)
  if (!which('apt-get')) {
    throw new ServiceError(`${why}, and this machine has no apt-get: install ${packages.join(' ')} yourself.`)
  }
  const priv = await privilege()
  if (!priv) {
    throw new ServiceError(`${why}: install with: ${command}`)
  }
  const lock = ['-o', 'DPkg::Lock::Timeout=300']
  log(`${why}: running ${priv.shown}apt-get update && ${priv.shown}apt-get install -y ${packages.join(' ')}…`)
  const updated = await aptGet(priv.prefix, [...lock, '-q', 'update'])
  if (updated !== 0) {
    log(`apt-get update failed (exit ${updated}); trying the install with the package lists already there.`)
  }
  const installed = await aptGet(priv.prefix, [...lock, '-q', '-y', 'install', ...packages])
  if (installed !== 0) {
    throw new ServiceError(`${why}, and apt-get install failed (exit ${installed}): fix the error above, then run: ${command}`)
  }
}
