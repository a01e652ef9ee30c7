/**
 * Small process helpers for the scripts: run a command to completion, find a binary on the PATH,
 * wait for a child to exit, and stop a child's whole process group (SIGTERM, then SIGKILL).
 */
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process'
import { accessSync, constants, readFileSync, statSync } from 'node:fs'
import { delimiter, join } from 'node:path'

export type Log = (message: string) => void

export type RunResult = { code: number; stdout: string; stderr: string }

/** Runs a command to completion and collects its output. Never throws for a non-zero exit. */
export function run(command: string, args: string[], options: SpawnOptions = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk))
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk))
    child.on('error', reject)
    child.on('close', (code, signal) => resolve({ code: code ?? (signal ? 128 : 1), stdout, stderr }))
  })
}

export function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK)
    return statSync(path).isFile()
  } catch {
    return false
  }
}

/** The absolute path of an executable found on the PATH, or undefined. */
export function which(name: string): string | undefined {
  return (process.env.PATH ?? '')
    .split(delimiter)
    .filter(Boolean)
    .map((dir) => join(dir, name))
    .find(isExecutable)
}

export const isRoot = (): boolean => typeof process.getuid === 'function' && process.getuid() === 0

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))

/** True while the child has neither exited nor been killed by a signal. */
export const isAlive = (child: ChildProcess): boolean => child.exitCode === null && child.signalCode === null

/** Resolves true when the child exits within `ms`, false otherwise. */
export function waitForExit(child: ChildProcess, ms: number): Promise<boolean> {
  if (!isAlive(child)) {
    return Promise.resolve(true)
  }
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      child.off('exit', onExit)
      resolve(false)
    }, ms)
    const onExit = () => {
      clearTimeout(timer)
      resolve(true)
    }
    child.once('exit', onExit)
  })
}

/** Sends a signal to the child's process group when it leads one (spawned detached), else to the child. */
export function signalChild(child: ChildProcess, signal: NodeJS.Signals, group: boolean): void {
  if (child.pid === undefined || !isAlive(child)) {
    return
  }
  try {
    process.kill(group ? -child.pid : child.pid, signal)
  } catch {
    // already gone
  }
}

/**
 * Stops a child: SIGTERM, then SIGKILL after `graceMs`. Returns true when it had to be killed.
 * `group` must be true only for children spawned with `detached: true` (they lead their own group).
 */
export async function stopChild(child: ChildProcess, { graceMs = 10_000, group = true } = {}): Promise<boolean> {
  signalChild(child, 'SIGTERM', group)
  if (await waitForExit(child, graceMs)) {
    return false
  }
  signalChild(child, 'SIGKILL', group)
  await waitForExit(child, 2_000)
  return true
}

/** The last lines of a text file, for error messages ('' when it cannot be read). */
export function tail(file: string, lines = 12): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n')
  } catch {
    return ''
  }
}
