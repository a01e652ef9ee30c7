/**
 * `npm start` runs npm → sh -c → tsx → this script. A Ctrl-C in a terminal reaches all of them, but a
 * SIGTERM sent to npm alone (a supervisor, a CI timeout) stops npm and the shell without passing it
 * on, which would leave this script, its children and the services it started running as orphans.
 * So: remember the launchers above us (npm, npx, the shell and tsx running this script) and call
 * `onGone` as soon as one of them disappears. Linux only (/proc); elsewhere it does nothing.
 */
import { readFileSync } from 'node:fs'

function parentOf(pid: number): number | undefined {
  try {
    // /proc/<pid>/stat: "pid (comm) state ppid …"; comm may contain spaces and parentheses.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1])
    return Number.isInteger(ppid) && ppid > 1 ? ppid : undefined
  } catch {
    return undefined
  }
}

function commandLine(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ').trim()
  } catch {
    return ''
  }
}

/** Our ancestors that exist only to launch `script` (stops at the first other one, e.g. the login shell). */
export function launchers(script: string): number[] {
  const found: number[] = []
  let pid = parentOf(process.pid)
  while (pid !== undefined && found.length < 6) {
    const cmd = commandLine(pid)
    if (!cmd.includes(script) && !/^npm (start|run start|run-script start)\b/.test(cmd)) {
      break
    }
    found.push(pid)
    pid = parentOf(pid)
  }
  return found
}

function exists(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/** Calls `onGone` once, within a second, when a launcher of `script` exits. */
export function watchLaunchers(script: string, onGone: () => void): void {
  const pids = launchers(script)
  if (pids.length === 0) {
    return
  }
  const timer = setInterval(() => {
    if (pids.some((pid) => !exists(pid))) {
      clearInterval(timer)
      onGone()
    }
  }, 1_000)
  timer.unref()
}
