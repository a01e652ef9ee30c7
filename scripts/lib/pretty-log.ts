/**
 * A minimal pino line formatter for `npm start`: `12:03:04 INFO  message  key=value …`.
 * Lines that are not pino JSON pass through unchanged. pino-pretty would do more; this keeps the
 * dependency list short and is only for people watching a terminal (the children still log JSON).
 */

const LEVELS: Record<number, string> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO', 40: 'WARN', 50: 'ERROR', 60: 'FATAL' }
const COLORS: Record<number, string> = { 10: '2', 20: '2', 30: '32', 40: '33', 50: '31', 60: '41;97' }
const HIDDEN = new Set(['level', 'time', 'pid', 'hostname', 'msg', 'v'])
const MAX_VALUE = 160

export const paint = (color: boolean, code: string, text: string): string => (color ? `\x1b[${code}m${text}\x1b[0m` : text)

function short(value: unknown): string {
  let text: string
  if (typeof value === 'string') {
    text = /[\s"=]/.test(value) || value === '' ? JSON.stringify(value) : value
  } else {
    text = JSON.stringify(value) ?? String(value)
  }
  return text.length > MAX_VALUE ? `${text.slice(0, MAX_VALUE - 1)}…` : text
}

function field(key: string, value: unknown): string | undefined {
  if (value === undefined || value === null) {
    return undefined
  }
  if (key === 'req' && typeof value === 'object') {
    const req = value as { method?: string; url?: string }
    return `req=${req.method ?? '?'} ${req.url ?? '?'}`
  }
  if (key === 'res' && typeof value === 'object') {
    return `res=${(value as { statusCode?: number }).statusCode ?? '?'}`
  }
  if (key === 'err' && typeof value === 'object') {
    const err = value as { type?: string; message?: string }
    return `err=${short(`${err.type ?? 'Error'}: ${err.message ?? ''}`)}`
  }
  if (key === 'responseTime' && typeof value === 'number') {
    return `${Math.round(value)}ms`
  }
  return `${key}=${short(value)}`
}

/** Formats one output line of a child; `color` adds ANSI colours (for a terminal). */
export function formatLogLine(line: string, color = false): string {
  if (!line.startsWith('{')) {
    return line
  }
  let entry: Record<string, unknown>
  try {
    entry = JSON.parse(line) as Record<string, unknown>
  } catch {
    return line
  }
  const level = entry.level
  if (typeof level !== 'number') {
    return line
  }
  const time = typeof entry.time === 'number' ? new Date(entry.time).toTimeString().slice(0, 8) : ''
  const label = (LEVELS[level] ?? String(level)).padEnd(5)
  const fields = Object.entries(entry)
    .filter(([key]) => !HIDDEN.has(key))
    .map(([key, value]) => field(key, value))
    .filter((text): text is string => text !== undefined)
  const msg = typeof entry.msg === 'string' ? entry.msg : ''
  let out = [time && paint(color, '2', time), paint(color, COLORS[level] ?? '0', label), msg, paint(color, '2', fields.join(' '))]
    .filter(Boolean)
    .join(' ')
  const stack = (entry.err as { stack?: unknown } | undefined)?.stack
  if (level >= 50 && typeof stack === 'string') {
    out += `\n${paint(color, '2', stack)}`
  }
  return out
}
