import pino from 'pino'
import type { Config } from '../config.ts'

/** The subset of pino both Fastify's logger and a plain pino logger satisfy. */
export type Logger = Pick<pino.BaseLogger, 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace'>

type LoggedRequest = {
  method?: string
  url?: string
  host?: string
  ip?: string
  headers?: Record<string, unknown>
  routeOptions?: { url?: string }
  socket?: { remotePort?: number } | null
}

/**
 * The URL a log line may show. A personal link (`/r/:code…`) and a manage link carry a secret
 * code: for them the route's pattern is logged (`/r/:code/pourquoi`), never the code nor the
 * query (slot keys); an unknown path under /r/ becomes `/r/…`.
 */
export function loggedUrl(req: Pick<LoggedRequest, 'url' | 'routeOptions'>): string | undefined {
  const url = req.url
  if (url === undefined || !(url === '/r' || url.startsWith('/r/') || url.startsWith('/r?'))) {
    return url
  }
  const pattern = req.routeOptions?.url
  return pattern?.startsWith('/r/') ? pattern : '/r/…'
}

/** Fastify's own request serializer (fastify/lib/logger-pino.js), with the URL above. */
function serializeRequest(req: LoggedRequest) {
  return {
    method: req.method,
    url: loggedUrl(req),
    version: req.headers?.['accept-version'],
    host: req.host,
    remoteAddress: req.ip,
    remotePort: req.socket ? req.socket.remotePort : undefined,
  }
}

/**
 * Log options shared by the server (Fastify builds its own pino from them) and the workers.
 * Personal data never goes to logs: cookies, authorization headers, passwords and the
 * fields below are redacted wherever they appear.
 */
export function loggerOptions(config: Pick<Config, 'LOG_LEVEL'>): pino.LoggerOptions {
  return {
    level: config.LOG_LEVEL,
    redact: {
      paths: [
        'req.headers.cookie',
        'req.headers.authorization',
        'res.headers["set-cookie"]',
        '*.password',
        '*.passwordHash',
        '*.email',
        '*.phone',
        '*.firstName',
      ],
      censor: '[redacted]',
    },
    serializers: { req: serializeRequest },
  }
}

export function createLogger(config: Pick<Config, 'LOG_LEVEL'>, name: string): pino.Logger {
  return pino({ ...loggerOptions(config), name })
}
