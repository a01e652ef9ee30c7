/**
 * Demo data, idempotent: the consortium's organisations, the Marne communes mapped to their
 * Mission Locale, the reception sites, and one demo account per role.
 * Refuses to run without CAN_SEED_DATABASE=1, so it never touches a real database by mistake.
 */
import { createReadStream } from 'node:fs'
import { mkdir, readFile, rm } from 'node:fs/promises'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { hash } from '@node-rs/argon2'
import { eq, sql } from 'drizzle-orm'
import { parse } from 'csv-parse/sync'
import { createDatabase, type Database, type Db } from '../db/client.ts'
import { createContainer } from '../server/container.ts'
import { createLogger } from '../server/lib/logger.ts'
import { createSmtpMailer, memoryMailer, type Mailer } from '../server/lib/mailer.ts'
import { createQueues } from '../server/lib/queue.ts'
import { connectRedis, createRedis } from '../server/lib/redis.ts'
import { writeDemoCohort } from './demo/cohort.ts'
import { academicYearOf, weekOfYear } from '../server/services/scoring/calendar.ts'
import { seedDemoJourney, type DemoLink } from './demo/journey.ts'
import { seedDemoInbox } from './demo/inbox.ts'
import { seedDemoCampaigns } from './demo/campaigns.ts'
import { communes, organisations, sites, users } from '../db/schema/index.ts'
import type { OrganisationKind } from '../db/schema/organisations.ts'
import type { SiteKind } from '../db/schema/sites.ts'
import type { UserRole } from '../db/vocabulary/index.ts'
import type { Config } from '../server/config.ts'
import type { Principal } from '../server/services/access.ts'

const SEED_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'db', 'seed-data')
export const DEMO_PASSWORD = 'demo-repere-2026'

export const DEMO_ORGANISATIONS: { slug: string; kind: OrganisationKind; name: string; shortName: string }[] = [
  { slug: 'consortium', kind: 'partner', name: 'Consortium Repère', shortName: 'Consortium' },
  { slug: 'urca', kind: 'university', name: 'Université de Reims Champagne-Ardenne', shortName: 'URCA' },
  { slug: 'ml-reims', kind: 'mission_locale', name: 'Mission Locale de Reims', shortName: 'ML Reims' },
  { slug: 'ml-epernay', kind: 'mission_locale', name: 'Mission Locale d’Épernay Brie et Champagne', shortName: 'ML Épernay' },
  {
    slug: 'ml-chalons',
    kind: 'mission_locale',
    name: 'Mission Locale de l’arrondissement de Châlons-en-Champagne',
    shortName: 'ML Châlons',
  },
]

/** The commune CSV and sites.json name Missions Locales by a short code. */
const ML_SLUGS: Record<string, string> = { reims: 'ml-reims', epernay: 'ml-epernay', chalons: 'ml-chalons' }

export const DEMO_USERS: { email: string; fullName: string; role: UserRole; organisation: string }[] = [
  { email: 'admin@demo.repere.test', fullName: 'Camille Administratrice', role: 'admin', organisation: 'consortium' },
  { email: 'universite@demo.repere.test', fullName: 'Julien Martin', role: 'university_staff', organisation: 'urca' },
  { email: 'conseil.reims@demo.repere.test', fullName: 'Sarah Benali', role: 'counsellor', organisation: 'ml-reims' },
  { email: 'direction.reims@demo.repere.test', fullName: 'Marc Lefèvre', role: 'ml_manager', organisation: 'ml-reims' },
  { email: 'conseil.epernay@demo.repere.test', fullName: 'Léa Fontaine', role: 'counsellor', organisation: 'ml-epernay' },
  { email: 'direction.epernay@demo.repere.test', fullName: 'Nadia Roussel', role: 'ml_manager', organisation: 'ml-epernay' },
  { email: 'conseil.chalons@demo.repere.test', fullName: 'Thomas Girard', role: 'counsellor', organisation: 'ml-chalons' },
  { email: 'direction.chalons@demo.repere.test', fullName: 'Inès Moreau', role: 'ml_manager', organisation: 'ml-chalons' },
]

type CommuneRow = {
  insee_code: string
  name: string
  postcodes: string
  epci_siren: string
  epci_name: string
  population: string
  rural: string
  mission_locale: string
  mapping_status: 'confirmed' | 'inferred' | 'none'
  mapping_note: string
}

type SiteRow = {
  missionLocale: string
  kind: SiteKind
  name: string
  address: string
  postcode: string
  inseeCode: string
  modalities: ('in_person' | 'phone' | 'video')[]
  notes?: string
}

export async function seedOrganisations(db: Db): Promise<Map<string, string>> {
  for (const org of DEMO_ORGANISATIONS) {
    await db
      .insert(organisations)
      .values(org)
      .onConflictDoUpdate({ target: organisations.slug, set: { name: org.name, shortName: org.shortName, kind: org.kind } })
  }
  const rows = await db.select({ id: organisations.id, slug: organisations.slug }).from(organisations)
  return new Map(rows.map((r) => [r.slug, r.id]))
}

export async function seedCommunes(db: Db, orgIds: Map<string, string>): Promise<number> {
  const csv = await readFile(path.join(SEED_DIR, 'communes-marne.csv'), 'utf8')
  const rows = parse<CommuneRow>(csv, { columns: true, delimiter: ';', skip_empty_lines: true, bom: true })
  const values = rows.map((r) => ({
    inseeCode: r.insee_code,
    name: r.name,
    postcodes: r.postcodes ? r.postcodes.split('|') : [],
    epciSiren: r.epci_siren || null,
    epciName: r.epci_name || null,
    population: r.population ? Number(r.population) : null,
    rural: r.rural === 'true',
    missionLocaleId: r.mission_locale ? (orgIds.get(ML_SLUGS[r.mission_locale] ?? '') ?? null) : null,
    mappingStatus: r.mapping_status,
    mappingNote: r.mapping_note || null,
  }))
  for (let i = 0; i < values.length; i += 200) {
    await db
      .insert(communes)
      .values(values.slice(i, i + 200))
      .onConflictDoUpdate({
        target: communes.inseeCode,
        set: {
          name: sql`excluded.name`,
          postcodes: sql`excluded.postcodes`,
          epciSiren: sql`excluded.epci_siren`,
          epciName: sql`excluded.epci_name`,
          population: sql`excluded.population`,
          rural: sql`excluded.rural`,
          // An admin's confirmed mapping is never overwritten by the seed's inference.
          missionLocaleId: sql`CASE WHEN communes.mapping_status = 'confirmed' THEN communes.mission_locale_id ELSE excluded.mission_locale_id END`,
          mappingStatus: sql`CASE WHEN communes.mapping_status = 'confirmed' THEN communes.mapping_status ELSE excluded.mapping_status END`,
          mappingNote: sql`CASE WHEN communes.mapping_status = 'confirmed' THEN communes.mapping_note ELSE excluded.mapping_note END`,
        },
      })
  }
  return values.length
}

export async function seedSites(db: Db, orgIds: Map<string, string>): Promise<number> {
  const list = JSON.parse(await readFile(path.join(SEED_DIR, 'sites.json'), 'utf8')) as SiteRow[]
  for (const s of list) {
    const organisationId = orgIds.get(ML_SLUGS[s.missionLocale] ?? '')
    if (!organisationId) {
      throw new Error(`sites.json: unknown Mission Locale "${s.missionLocale}"`)
    }
    const values = {
      organisationId,
      kind: s.kind,
      name: s.name,
      address: s.address,
      postcode: s.postcode,
      inseeCode: s.inseeCode,
      modalities: s.modalities,
      notes: s.notes ?? null,
    }
    await db
      .insert(sites)
      .values(values)
      .onConflictDoUpdate({ target: [sites.organisationId, sites.name], set: values })
  }
  return list.length
}

/** Demo accounts are created once; a password a demo user changed is kept. */
export async function seedUsers(db: Db, orgIds: Map<string, string>) {
  const passwordHash = await hash(DEMO_PASSWORD)
  for (const u of DEMO_USERS) {
    await db
      .insert(users)
      .values({ email: u.email, fullName: u.fullName, role: u.role, organisationId: orgIds.get(u.organisation) as string, passwordHash })
      .onConflictDoNothing({ target: users.email })
  }
  return DEMO_USERS.map((u) => ({
    role: u.role,
    email: u.email,
    password: DEMO_PASSWORD,
    organisation: DEMO_ORGANISATIONS.find((o) => o.slug === u.organisation)?.shortName ?? u.organisation,
  }))
}

export type SeedResult = {
  logins: { role: string; email: string; password: string; organisation: string }[]
  imports: { kind: string; outcome: string }[]
  /** The demo's risk model: trained on 2025/2026 and activated, or already there. */
  model?: { version: string; auc: number | null; outcome: 'trained' | 'kept' | 'failed' }
  /** Fresh personal links of demo students, for the start banner (their codes are stored nowhere). */
  demoLinks: DemoLink[]
  /** The demo campaigns (scripts/demo/campaigns.ts): one finished, one running. */
  campaigns?: { finishedId: string | null; runningId: string | null }
}

export type SeedOptions = {
  /**
   * Where the demo campaigns' e-mails go. `smtp`: the configured SMTP server (under `npm start`,
   * the local mail catcher, already listening); default: kept in memory, sent nowhere.
   */
  campaignMail?: 'smtp' | 'memory'
}

/** The year the demo's model learns from, and the demo's "today" (scripts/demo/cohort.ts). */
export const DEMO_TRAINING_YEAR = '2025/2026'
export const DEMO_TODAY = '2026-11-28'

/**
 * The synthetic cohort (scripts/demo/cohort.ts), uploaded by the demo university staff account
 * through the real import service: the worker loads it like any export. The files are
 * byte-identical from run to run, so a second seed finds them already imported (sha256) and
 * loads nothing twice.
 */
export async function seedDemoImports(
  config: Config,
  database: Database,
  orgIds: Map<string, string> = new Map(),
  options: SeedOptions = {},
): Promise<Pick<SeedResult, 'imports' | 'model' | 'demoLinks' | 'campaigns'>> {
  const [staff] = await database.db
    .select({ id: users.id, organisationId: users.organisationId, role: users.role })
    .from(users)
    .where(eq(users.email, 'universite@demo.repere.test'))
  if (!staff) {
    return { imports: [], demoLinks: [] }
  }
  const dir = path.resolve('var', 'demo')
  await mkdir(dir, { recursive: true })
  const files = await writeDemoCohort(dir)
  const redis = await connectRedis(createRedis(config.REDIS_URL, 'producer'))
  const queues = createQueues(redis, config.REDIS_PREFIX)
  try {
    const services = createContainer({ config, database, redis, queues, mailer: memoryMailer(), log: createLogger(config, 'seed') })
    const actor = { userId: staff.id, organisationId: staff.organisationId, role: staff.role }
    const done: SeedResult['imports'] = []
    for (const f of files) {
      const result = await services.imports.upload(
        { actor, requestId: 'demo-seed' },
        { kind: f.kind, fileName: f.fileName, stream: createReadStream(f.path), truncated: () => false },
      )
      done.push({ kind: f.kind, outcome: result.outcome })
      if (result.outcome === 'queued') {
        // Loaded now, by the processor the `import.process` job runs (its job, already queued, then
        // finds the import done and skips): the demo model below needs the data in the tables.
        await services.importProcessor.process({ importId: result.import.id })
      }
    }
    const [admin] = await database.db
      .select({ userId: users.id, organisationId: users.organisationId, role: users.role })
      .from(users)
      .where(eq(users.email, 'admin@demo.repere.test'))
    const model = admin ? await seedDemoModel(services, admin, staff.organisationId) : undefined
    const demoLinks = orgIds.size > 0 ? await seedDemoJourney(database, services, orgIds) : []
    let campaigns: SeedResult['campaigns']
    if (orgIds.size > 0) {
      await seedDemoInbox(database, services, orgIds)
      const mailer: Mailer = options.campaignMail === 'smtp' ? createSmtpMailer(config) : memoryMailer()
      try {
        campaigns = await seedDemoCampaigns(database, services, orgIds, mailer)
      } finally {
        await mailer.close()
      }
    }
    return { imports: done, demoLinks, ...(model ? { model } : {}), ...(campaigns ? { campaigns } : {}) }
  } finally {
    await queues.close()
    redis.disconnect()
    await rm(dir, { recursive: true, force: true })
  }
}

/**
 * The demo's risk model (issue #8): trained on 2025/2026 (attendance, results and outcomes of the
 * demo cohort), as of the demo's week of the year, through the code of the `model.train` job
 * (`requestTraining` then `runTraining`), then activated as an admin would; then the current year
 * is scored at once (not after the import debounce), by the worker as soon as it starts.
 * Idempotent: a university that already has an active trained model keeps it.
 */
async function seedDemoModel(
  services: ReturnType<typeof createContainer>,
  admin: Principal,
  universityId: string,
): Promise<SeedResult['model']> {
  const { scoring } = services
  const current = await scoring.currentModel(universityId)
  let result: SeedResult['model']
  if (current.kind !== 'expert') {
    result = { version: current.version, auc: null, outcome: 'kept' }
  } else {
    const asOfWeek = weekOfYear(academicYearOf(DEMO_TODAY), DEMO_TODAY)
    const requested = await scoring.requestTraining(admin, { universityId, academicYear: DEMO_TRAINING_YEAR, asOfWeek })
    await scoring.runTraining(requested.id)
    const trained = await scoring.model(admin, requested.id)
    if (trained.status !== 'trained') {
      return { version: trained.version, auc: null, outcome: 'failed' }
    }
    await scoring.activateModel(admin, trained.id)
    const auc = trained.metrics?.auc
    result = { version: trained.version, auc: typeof auc === 'number' ? auc : null, outcome: 'trained' }
  }
  await scoring.requestCohortScore({ universityId, academicYear: academicYearOf(DEMO_TODAY) }, 'demo')
  return result
}

export async function seedDemo(config: Config, options: SeedOptions = {}): Promise<SeedResult> {
  const database = createDatabase(config.DATABASE_URL, { max: 2, appName: 'repere-seed' })
  try {
    const { db } = database
    const orgIds = await seedOrganisations(db)
    await seedCommunes(db, orgIds)
    await seedSites(db, orgIds)
    const logins = await seedUsers(db, orgIds)
    const { imports, model, demoLinks, campaigns } = await seedDemoImports(config, database, orgIds, options)
    return { logins, imports, demoLinks, ...(model ? { model } : {}), ...(campaigns ? { campaigns } : {}) }
  } finally {
    await database.close()
  }
}

if (fileURLToPath(import.meta.url) === path.resolve(process.argv[1] ?? '')) {
  const { loadConfigOrExit } = await import('../server/config.ts')
  const config = loadConfigOrExit()

  if (process.env.CAN_SEED_DATABASE !== '1') {
    process.stderr.write('Refusing to seed: set CAN_SEED_DATABASE=1 to load demo data into this database.\n')
    process.exit(1)
  }
  const { logins, imports, model, demoLinks, campaigns } = await seedDemo(config)
  process.stdout.write(`demo data ready (${logins.length} demo accounts, password "${DEMO_PASSWORD}")\n`)
  for (const i of imports) {
    process.stdout.write(`  demo import ${i.kind}: ${i.outcome}\n`)
  }
  if (model) {
    process.stdout.write(
      `  demo risk model ${model.version}: ${model.outcome}${model.auc === null ? '' : `, out-of-fold AUC ${model.auc.toFixed(3)}`}\n`,
    )
  }
  for (const l of demoLinks) {
    process.stdout.write(`  ${l.label}: ${l.url}\n`)
  }
  if (campaigns?.finishedId || campaigns?.runningId) {
    process.stdout.write('  demo campaigns: one finished, one running (their e-mails were kept in memory)\n')
  }
}
