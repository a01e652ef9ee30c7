import pino from 'pino'
import type { Config } from '../config.ts'

/** The subset of pino both Fastify's logger and a plain pino logger satisfy. */
export type Logger = Pick<pino.BaseLogger, 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace'>

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
  }
}

export function createLogger(config: Pick<Config, 'LOG_LEVEL'>, name: string): pino.Logger {
  return pino({ ...loggerOptions(config), name })
}
