import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { ConfigError, ConfigSchema, loadConfig } from '../../server/config.ts'

const JWT_SECRET = 'a-test-secret-that-is-long-enough-0123456789'
const DATA_ENCRYPTION_KEY = Buffer.alloc(32, 7).toString('base64')
const valid = { JWT_SECRET, DATA_ENCRYPTION_KEY }

/** The ConfigError thrown by loadConfig for this environment (fails the test when none is thrown). */
function configError(env: Record<string, string | undefined>): ConfigError {
  try {
    loadConfig(env)
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError)
    return err as ConfigError
  }
  throw new Error(`loadConfig accepted ${JSON.stringify(env)}`)
}

describe('loadConfig', () => {
  it('fills every default when only the two secrets are set', () => {
    const config = loadConfig(valid)
    expect(config).toMatchObject({
      NODE_ENV: 'development',
      HOST: '127.0.0.1',
      PORT: 3000,
      PUBLIC_URL: 'http://localhost:3000',
      DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/repere',
      REDIS_URL: 'redis://127.0.0.1:6379',
      SMTP_HOST: '127.0.0.1',
      SMTP_PORT: 1025,
      SMTP_SECURE: false,
      COOKIE_SECURE: false,
      LOG_LEVEL: 'info',
      isProduction: false,
      isTest: false,
      isSmtpAuth: false,
    })
    expect(config.dataKeys.keys.get(config.dataKeys.currentId)).toHaveLength(32)
  })

  it('does not read process.env when given an environment', () => {
    expect(loadConfig({ ...valid }).PORT).toBe(3000)
  })

  it('treats an empty variable as unset', () => {
    expect(loadConfig({ ...valid, PORT: '', DATABASE_URL: '' })).toMatchObject({
      PORT: 3000,
      DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/repere',
    })
  })

  it('coerces numbers and booleans from strings', () => {
    const config = loadConfig({ ...valid, PORT: '8080', COOKIE_SECURE: 'true', IMPORT_MAX_INVALID_RATIO: '0.1' })
    expect(config.PORT).toBe(8080)
    expect(typeof config.PORT).toBe('number')
    expect(config.COOKIE_SECURE).toBe(true)
    expect(config.IMPORT_MAX_INVALID_RATIO).toBe(0.1)
  })

  it.each(['abc', '70000', '-1', '3000x'])('refuses PORT=%s and names PORT', (port) => {
    expect(configError({ ...valid, PORT: port }).variable).toBe('PORT')
  })

  it('refuses DATABASE_URL=nonsense with one line naming DATABASE_URL', () => {
    const err = configError({ ...valid, DATABASE_URL: 'nonsense' })
    expect(err.variable).toBe('DATABASE_URL')
    expect(err.message).toContain('DATABASE_URL')
    expect(err.message).not.toContain('\n')
  })

  it('refuses a missing JWT_SECRET and says it is not set', () => {
    const err = configError({ DATA_ENCRYPTION_KEY })
    expect(err.variable).toBe('JWT_SECRET')
    expect(err.message).toContain('not set')
  })

  it('refuses a short JWT_SECRET without echoing it', () => {
    const err = configError({ ...valid, JWT_SECRET: 'short-secret-xyz' })
    expect(err.variable).toBe('JWT_SECRET')
    expect(err.message).not.toContain('short-secret-xyz')
  })

  it('refuses a DATA_ENCRYPTION_KEY that is not 32 bytes of base64, without echoing it', () => {
    const wrong = Buffer.alloc(16, 9).toString('base64')
    const err = configError({ ...valid, DATA_ENCRYPTION_KEY: wrong })
    expect(err.variable).toBe('DATA_ENCRYPTION_KEY')
    expect(err.message).not.toContain(wrong)
  })

  it('refuses an always-open campaign window in production', () => {
    expect(loadConfig({ ...valid, CAMPAIGN_WINDOW_ALWAYS_OPEN: 'true' }).CAMPAIGN_WINDOW_ALWAYS_OPEN).toBe(true)
    expect(() => loadConfig({ ...valid, NODE_ENV: 'production', CAMPAIGN_WINDOW_ALWAYS_OPEN: 'true' })).toThrow(
      /CAMPAIGN_WINDOW_ALWAYS_OPEN/,
    )
  })

  it('refuses the .env.example placeholders', () => {
    expect(configError({ JWT_SECRET: 'change-me', DATA_ENCRYPTION_KEY }).variable).toBe('JWT_SECRET')
    expect(configError({ JWT_SECRET, DATA_ENCRYPTION_KEY: 'change-me' }).variable).toBe('DATA_ENCRYPTION_KEY')
  })

  it.each([
    ['DATABASE_URL', 'postgres://repere:hunter2-secret@db host:5432/repere'],
    ['REDIS_URL', 'redis://:hunter2-secret@redis host:6379'],
  ])('does not echo the password of an invalid %s', (variable, value) => {
    const err = configError({ ...valid, [variable]: value })
    expect(err.variable).toBe(variable)
    expect(err.message).not.toContain('hunter2-secret')
  })

  it('derives the production flag', () => {
    expect(loadConfig({ ...valid, NODE_ENV: 'production' }).isProduction).toBe(true)
    expect(configError({ ...valid, NODE_ENV: 'prod' }).variable).toBe('NODE_ENV')
  })
})

// The documentation lists every variable: a variable added to the schema must be added to both files.
describe('configuration documentation', () => {
  const variables = Object.keys(ConfigSchema.properties)
  const envExample = readFileSync(new URL('../../.env.example', import.meta.url), 'utf8')
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8')

  it.each(variables)('.env.example sets %s under a comment', (variable) => {
    expect(envExample).toMatch(new RegExp(`^# .+\\n${variable}=`, 'm'))
  })

  it.each(variables)('README.md documents %s', (variable) => {
    expect(readme).toMatch(new RegExp(`^\\| \`${variable}\` \\|`, 'm'))
  })
})
