/**
 * The benchmark's child processes and what it reads about them from /proc: resident memory
 * (VmRSS) and CPU time. Children are spawned as `node --import tsx <entry>` with `node` itself as
 * the direct child, so the pid we sample is the process that runs the code (the `tsx` CLI would
 * put a second node process in between).
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process'
import { closeSync, openSync, readdirSync, readFileSync } from 'node:fs'
import { isAlive, signalChild, stopChild, tail } from '../lib/proc.ts'

export type BenchChild = { name: string; proc: ChildProcess; pid: number; logPath: string }

const running = new Set<BenchChild>()
process.on('exit', () => {
  for (const c of running) {
    signalChild(c.proc, 'SIGKILL', true)
  }
})

/** Starts `node [flags] --import tsx <entry>` in its own process group, stdout and stderr appended to `logPath`. */
export function startChild(
  name: string,
  entry: string,
  opts: { cwd: string; env: NodeJS.ProcessEnv; logPath: string; nodeFlags?: string[] },
): BenchChild {
  const fd = openSync(opts.logPath, 'a')
  try {
    const proc = spawn(process.execPath, [...(opts.nodeFlags ?? []), '--import', 'tsx', entry], {
      cwd: opts.cwd,
      env: opts.env,
      stdio: ['ignore', fd, fd],
      detached: true,
    })
    if (proc.pid === undefined) {
      throw new Error(`could not start the ${name}`)
    }
    const child = { name, proc, pid: proc.pid, logPath: opts.logPath }
    running.add(child)
    proc.once('exit', () => running.delete(child))
    return child
  } finally {
    closeSync(fd) // the child has its own copy
  }
}

export async function stopBenchChild(child: BenchChild): Promise<void> {
  if (isAlive(child.proc)) {
    await stopChild(child.proc, { graceMs: 15_000, group: true })
  }
  running.delete(child)
}

export function childFailure(child: BenchChild): string {
  const how = child.proc.exitCode !== null ? `exit code ${child.proc.exitCode}` : `signal ${child.proc.signalCode}`
  return `the ${child.name} exited (${how}); last lines of ${child.logPath}:\n${tail(child.logPath, 20)}`
}

/** The command line of a process and whether it has child processes of its own. */
export function describeProcess(pid: number): { cmdline: string; children: number[] } {
  const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean).join(' ')
  const children: number[] = []
  for (const task of readdirSync(`/proc/${pid}/task`)) {
    try {
      const list = readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8').trim()
      if (list) {
        children.push(...list.split(/\s+/).map(Number))
      }
    } catch {
      // thread gone
    }
  }
  return { cmdline, children }
}

/** Resident set size in KiB, or undefined when the process is gone. */
export function rssKiB(pid: number): number | undefined {
  try {
    const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
    return m ? Number(m[1]) : undefined
  } catch {
    return undefined
  }
}

let clockTicks: number | undefined
function ticksPerSecond(): number {
  if (clockTicks === undefined) {
    try {
      clockTicks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100
    } catch {
      clockTicks = 100
    }
  }
  return clockTicks
}

/** User + system CPU time of a process in ms (any user's process: /proc/<pid>/stat is world-readable). */
export function cpuMs(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    // Fields after the command name (which may contain spaces) start at field 3.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    const ticks = Number(fields[11]) + Number(fields[12]) // utime, stime
    return (ticks * 1000) / ticksPerSecond()
  } catch {
    return undefined
  }
}

/** Samples the RSS of some processes at a fixed interval, keeping the peak. */
export class RssSampler {
  private timer: NodeJS.Timeout | undefined
  readonly peakKiB = new Map<number, number>()
  samples = 0

  constructor(
    private readonly pids: number[],
    private readonly intervalMs = 100,
  ) {}

  start(): void {
    this.sample()
    this.timer = setInterval(() => this.sample(), this.intervalMs)
  }

  stop(): void {
    clearInterval(this.timer)
    this.sample()
  }

  private sample(): void {
    this.samples++
    for (const pid of this.pids) {
      const kib = rssKiB(pid)
      if (kib !== undefined && kib > (this.peakKiB.get(pid) ?? 0)) {
        this.peakKiB.set(pid, kib)
      }
    }
  }
}

/** The median RSS (KiB) of each process over `ms`, sampled every 100 ms: the idle baseline. */
export async function idleRss(pids: number[], ms = 1_000): Promise<Map<number, number>> {
  const seen = new Map<number, number[]>(pids.map((p) => [p, []]))
  for (let t = 0; t <= ms; t += 100) {
    for (const pid of pids) {
      const kib = rssKiB(pid)
      if (kib !== undefined) {
        seen.get(pid)!.push(kib)
      }
    }
    await new Promise((r) => setTimeout(r, 100))
  }
  const out = new Map<number, number>()
  for (const [pid, list] of seen) {
    list.sort((a, b) => a - b)
    out.set(pid, list[Math.floor(list.length / 2)] ?? 0)
  }
  return out
}
