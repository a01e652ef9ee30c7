/**
 * The one place that reads the environment. It validates every variable into a typed
 * object and stops with one line naming the variable and what it expects.
 * Nothing else in server/, workers/ or db/ reads process.env.
 */
import Type, { type Static } from 'typebox'
import Value from 'typebox/value'
import { hkdfSync } from 'node:crypto'
import type { Keyring } from './lib/crypto.ts'

const Bool = (def: boolean, description: string) => Type.Boolean({ default: def, description })

export const ConfigSchema = Type.Object({
  NODE_ENV: Type.Union([Type.Literal('development'), Type.Literal('test'), Type.Literal('production')], {
    default: 'development',
    description: 'one of development, test, production',
  }),
  HOST: Type.String({ default: '127.0.0.1', minLength: 1, description: 'the interface the HTTP server listens on' }),
  PORT: Type.Integer({ default: 3000, minimum: 0, maximum: 65535, description: 'a TCP port number (0-65535)' }),
  PUBLIC_URL: Type.String({
    default: 'http://localhost:3000',
    pattern: '^https?://[^\\s/]+(/.*)?$',
    description: 'the public base URL, like https://repere.example.fr',
  }),
  DATABASE_URL: Type.String({
    default: 'postgres://postgres@127.0.0.1:5432/repere',
    pattern: '^postgres(ql)?://[^\\s]+$',
    description: 'a PostgreSQL URL, like postgres://user:password@127.0.0.1:5432/repere',
  }),
  DATABASE_POOL_MAX: Type.Integer({ default: 10, minimum: 1, maximum: 200, description: 'a pool size between 1 and 200' }),
  REDIS_URL: Type.String({
    default: 'redis://127.0.0.1:6379',
    pattern: '^rediss?://[^\\s]+$',
    description: 'a Redis URL, like redis://127.0.0.1:6379',
  }),
  REDIS_PREFIX: Type.String({
    default: 'repere',
    pattern: '^[A-Za-z0-9_-]+$',
    description: 'a key prefix made of letters, digits, - and _ (no colon)',
  }),
  JWT_SECRET: Type.String({ minLength: 32, description: 'a random secret of at least 32 characters' }),
  SESSION_HOURS: Type.Integer({ default: 10, minimum: 1, maximum: 720, description: 'session length in hours (1-720)' }),
  COOKIE_SECURE: Bool(false, 'true or false: send cookies over HTTPS only (true in production)'),
  DATA_ENCRYPTION_KEY: Type.String({
    pattern: '^[A-Za-z0-9+/]{43}=$',
    description: 'a 32-byte key in base64 (44 characters), e.g. from: openssl rand -base64 32',
  }),
  DATA_ENCRYPTION_KEY_ID: Type.Integer({
    default: 1,
    minimum: 1,
    maximum: 255,
    description: 'the id (1-255) of DATA_ENCRYPTION_KEY, stored with every value it encrypts; raise it when the key rotates',
  }),
  DATA_ENCRYPTION_PREVIOUS_KEYS: Type.String({
    default: '',
    pattern: '^(\\d{1,3}:[A-Za-z0-9+/]{43}=(,\\d{1,3}:[A-Za-z0-9+/]{43}=)*)?$',
    description: 'earlier data keys still needed to read old values, as id:base64 pairs separated by commas (e.g. 1:…=); empty: none',
  }),
  SMTP_HOST: Type.String({ default: '127.0.0.1', minLength: 1, description: 'the SMTP server host name' }),
  SMTP_PORT: Type.Integer({ default: 1025, minimum: 1, maximum: 65535, description: 'the SMTP server port' }),
  SMTP_SECURE: Bool(false, 'true or false: connect to SMTP over TLS'),
  SMTP_USER: Type.String({ default: '', description: 'the SMTP user name (empty: no authentication)' }),
  SMTP_PASSWORD: Type.String({ default: '', description: 'the SMTP password' }),
  MAIL_FROM: Type.String({
    default: 'Repère <ne-pas-repondre@repere.localhost>',
    minLength: 3,
    description: 'the sender of e-mails, like "Repère <ne-pas-repondre@example.fr>"',
  }),
  MAIL_CATCHER_URL: Type.String({ default: '', description: 'the web page of the local mail catcher, shown in the demo' }),
  LOG_LEVEL: Type.Union(
    ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((l) => Type.Literal(l)),
    { default: 'info', description: 'one of fatal, error, warn, info, debug, trace, silent' },
  ),
  UPLOAD_DIR: Type.String({ default: 'var/uploads', minLength: 1, description: 'a folder for uploaded files' }),
  UPLOAD_STORE: Type.Union([Type.Literal('disk'), Type.Literal('postgres')], {
    default: 'disk',
    description: 'one of disk (one machine), postgres (servers and workers on several machines): where uploaded files wait for the worker',
  }),
  UPLOAD_MAX_MB: Type.Integer({ default: 1024, minimum: 1, description: 'the largest upload in megabytes' }),
  IMPORT_MAX_INVALID_RATIO: Type.Number({
    default: 0.05,
    minimum: 0,
    maximum: 1,
    description: 'the share of invalid rows above which nothing is loaded, between 0 and 1 (0.05 = 5 %)',
  }),
  LOGIN_MAX_ATTEMPTS: Type.Integer({ default: 10, minimum: 1, description: 'login attempts allowed per window and address' }),
  LOGIN_WINDOW_MINUTES: Type.Integer({ default: 15, minimum: 1, description: 'the login rate-limit window in minutes' }),
  PUBLIC_RATE_LIMIT_PER_MINUTE: Type.Integer({ default: 120, minimum: 1, description: 'requests per minute per address on public routes' }),
  DPO_EMAIL: Type.String({
    default: '',
    pattern: '^([^\\s@]+@[^\\s@]+\\.[^\\s@]+)?$',
    description: 'the e-mail address of the university’s data protection officer, shown on the student pages (empty: a generic sentence)',
  }),
  LINK_EXPIRY_DAYS: Type.Integer({
    default: 30,
    minimum: 1,
    maximum: 365,
    description: 'how long a personal link stays valid, in days (1-365)',
  }),
  SUPPRESSION_KEY: Type.String({
    default: '',
    pattern: '^([A-Za-z0-9+/]{43}=)?$',
    description:
      'a 32-byte key in base64 (44 characters) for the keyed hashes of the objection list; empty: derived from DATA_ENCRYPTION_KEY',
  }),
  SMS_PROVIDER_URL: Type.String({
    default: '',
    pattern: '^(https?://[^\\s]+)?$',
    description: 'the HTTP endpoint of the SMS provider (empty: SMS are kept by a local sink, nothing is sent)',
  }),
  SMS_PROVIDER_KEY: Type.String({ default: '', description: 'the API key of the SMS provider (sent as a Bearer token)' }),
  SMS_STOP_MENTION: Type.String({
    default: 'STOP au 36111',
    minLength: 4,
    maxLength: 40,
    description: 'the free opt-out added to every campaign SMS, like "STOP au 36111" (the provider’s short code)',
  }),
  CAMPAIGN_CLAIM_TIMEOUT_MS: Type.Integer({
    default: 300_000,
    minimum: 10_000,
    description: 'how long a message may stay claimed by a worker before it is taken back, in ms (at least 10000)',
  }),
  CAMPAIGN_REDISPATCH_MS: Type.Integer({
    default: 120_000,
    minimum: 5_000,
    description: 'how long a queued campaign message may wait for its job before another is enqueued (a lost Redis), in ms (at least 5000)',
  }),
  CAMPAIGN_WINDOW_ALWAYS_OPEN: Bool(
    false,
    "true or false: ignore every campaign's send window and the public holidays (tests and benchmarks only; refused in production)",
  ),
  WORKER_CONCURRENCY: Type.Integer({ default: 2, minimum: 1, maximum: 64, description: 'jobs a worker runs at once (1-64)' }),
  SCORE_DEBOUNCE_MS: Type.Integer({
    default: 60_000,
    minimum: 0,
    description: 'how long scoring waits after an import for more imports of the same university, in ms',
  }),
  SCORE_BATCH_SIZE: Type.Integer({ default: 500, minimum: 10, maximum: 10_000, description: 'students per scoring job (10-10000)' }),
  SCORE_AS_OF: Type.String({
    default: '',
    pattern: '^(\\d{4}-\\d{2}-\\d{2})?$',
    description: 'a fixed scoring date YYYY-MM-DD for demos and tests (empty: today)',
  }),
  WORKER_LOCK_MS: Type.Integer({
    default: 30_000,
    minimum: 1_000,
    description: 'how long a job stays locked without a heartbeat before another worker takes it over, in ms (at least 1000)',
  }),
})

type RawConfig = Static<typeof ConfigSchema>
export type Config = RawConfig & {
  isProduction: boolean
  isTest: boolean
  isSmtpAuth: boolean
  /** Every data key by id, the current one included: what contact data is encrypted and decrypted with. */
  dataKeys: Keyring
  /** HMAC key of the objection list (suppressions): SUPPRESSION_KEY, or derived from DATA_ENCRYPTION_KEY. */
  suppressionKey: Buffer
  /** HMAC key from which manage codes of appointments are derived (never stored in clear). */
  manageCodeKey: Buffer
}

export class ConfigError extends Error {
  constructor(
    public readonly variable: string,
    message: string,
  ) {
    super(message)
    this.name = 'ConfigError'
  }
}

const DESCRIPTIONS = ConfigSchema.properties as Record<string, { description?: string }>

/** What an error message may show of a bad value: never a secret, never a password in a URL. */
function displayValue(variable: string, value: string): string {
  if (/SECRET|PASSWORD|KEY/.test(variable)) {
    return '…'
  }
  // user:password@ in anything URL-like, even malformed.
  return value.replace(/\/\/([^/@\s:]*):[^@\s]*@/, '//$1:…@').slice(0, 200)
}

/** A separate key per purpose from one secret (HKDF-SHA256), so a leak of one use leaks no other. */
function deriveKey(base64Secret: string, info: string): Buffer {
  return Buffer.from(hkdfSync('sha256', Buffer.from(base64Secret, 'base64'), Buffer.alloc(0), info, 32))
}

/** Validates the environment. Throws ConfigError naming the first bad variable. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const input: Record<string, unknown> = {}
  for (const key of Object.keys(ConfigSchema.properties)) {
    const value = env[key]
    // An empty variable counts as unset, so `FOO=` in a .env file falls back to the default.
    if (value !== undefined && value !== '') {
      input[key] = value
    }
  }
  const converted = Value.Convert(ConfigSchema, Value.Default(ConfigSchema, input)) as Record<string, unknown>
  const first = [...Value.Errors(ConfigSchema, converted)][0]
  if (first) {
    const variable =
      first.instancePath.replace(/^\//, '') ||
      String((first.params as { requiredProperties?: string[] }).requiredProperties?.[0] ?? 'unknown')
    const expects = DESCRIPTIONS[variable]?.description ?? 'a valid value'
    const got = env[variable]
    const shown = got === undefined || got === '' ? 'it is not set' : `got "${displayValue(variable, got)}"`
    throw new ConfigError(variable, `Configuration error: ${variable} must be ${expects} (${shown}).`)
  }
  const raw = converted as RawConfig
  if (raw.CAMPAIGN_WINDOW_ALWAYS_OPEN && raw.NODE_ENV === 'production') {
    throw new ConfigError(
      'CAMPAIGN_WINDOW_ALWAYS_OPEN',
      'Configuration error: CAMPAIGN_WINDOW_ALWAYS_OPEN must be false in production (students are written to in the send window only).',
    )
  }
  const keys = new Map<number, Buffer>()
  for (const pair of raw.DATA_ENCRYPTION_PREVIOUS_KEYS ? raw.DATA_ENCRYPTION_PREVIOUS_KEYS.split(',') : []) {
    const [id, key] = pair.split(':') as [string, string]
    keys.set(Number(id), Buffer.from(key, 'base64'))
  }
  keys.set(raw.DATA_ENCRYPTION_KEY_ID, Buffer.from(raw.DATA_ENCRYPTION_KEY, 'base64'))
  if ([...keys.keys()].some((id) => id < 1 || id > 255)) {
    throw new ConfigError(
      'DATA_ENCRYPTION_PREVIOUS_KEYS',
      'Configuration error: DATA_ENCRYPTION_PREVIOUS_KEYS key ids must be between 1 and 255.',
    )
  }
  // Keys derived for other purposes (objection-list hashes, manage codes) must not change when
  // the data key rotates: they come from the first data key (id 1) while it is configured.
  const rootSecret = keys.get(1)?.toString('base64') ?? raw.DATA_ENCRYPTION_KEY
  return {
    ...raw,
    isProduction: raw.NODE_ENV === 'production',
    isTest: raw.NODE_ENV === 'test',
    isSmtpAuth: raw.SMTP_USER !== '',
    dataKeys: { currentId: raw.DATA_ENCRYPTION_KEY_ID, keys },
    suppressionKey: raw.SUPPRESSION_KEY ? Buffer.from(raw.SUPPRESSION_KEY, 'base64') : deriveKey(rootSecret, 'repere suppressions v1'),
    manageCodeKey: deriveKey(rootSecret, 'repere appointment manage codes v1'),
  }
}

/** For entry points: load the config or print one line and exit with status 78 (EX_CONFIG). */
export function loadConfigOrExit(env: Record<string, string | undefined> = process.env): Config {
  try {
    return loadConfig(env)
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`)
      process.exit(78)
    }
    throw err
  }
}
