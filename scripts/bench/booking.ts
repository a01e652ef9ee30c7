/**
 * `npm run bench -- booking [--rounds N] [--quick]`: rounds of 50 simultaneous booking requests
 * on ONE slot through HTTP (the student's booking form, `POST /r/:code/rendez-vous`, served by the
 * public pages), against the real PostgreSQL. 50 students with a personal link each first read
 * the form at /r/:code/rendez-vous/formulaire (CSRF token and cookie, untimed); each round, all 50
 * post at once, and the one who booked is replaced by a new student for the next round.
 *
 * Prints `booking_rounds`, `double_bookings` (must be 0: rounds with more than one success, plus
 * overlapping booked pairs found in the table at the end), `booking_p50_ms`, `booking_p99_ms`,
 * `slot_taken_answers` (the clear « ce créneau vient d'être pris » answers), `other_answers`,
 * and `booking_p99_ratio`: the booking p99 over the p99 of 50 simultaneous GET /health in the
 * same run (the baseline). Target: 0 double bookings over 1,000 rounds. A broken run exits 1.
 *
 * Environment (optional): DATABASE_URL and REDIS_URL give the hosts; the database is always
 * repere_bench_booking (dropped and recreated).
 */
import { randomBytes } from 'node:crypto'
import { performance } from 'node:perf_hooks'
import { sql as dsql } from 'drizzle-orm'
import postgres from 'postgres'
import { createDatabase } from '../../db/client.ts'
import { buildApp } from '../../server/app.ts'
import { loadConfig } from '../../server/config.ts'
import { memoryMailer } from '../../server/lib/mailer.ts'
import { migrate } from '../migrate.ts'
import { seedCommunes, seedOrganisations, seedSites, seedUsers } from '../seed.ts'

export const BOOKING_USAGE = `usage: npm run bench -- booking [--rounds N] [--quick]
  --rounds N   rounds of 50 simultaneous bookings of one slot (default 1000)
  --quick      a fast check: 30 rounds`

const CLIENTS = 50
const DATABASE = 'repere_bench_booking'

const emit = (key: string, value: string | number): void => {
  process.stdout.write(`${key}=${value}\n`)
}
const note = (message: string): void => {
  process.stderr.write(`# ${message}\n`)
}
const pct = (values: number[], p: number): number => {
  const sorted = [...values].sort((a, b) => a - b)
  return Math.round((sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? 0) * 10) / 10
}

function parse(args: string[]): number | string {
  let rounds = 1000
  for (let i = 0; i < args.length; i++) {
    const a = args[i] as string
    if (a === '--quick') {
      rounds = 30
    } else if (a === '--rounds') {
      rounds = Number(args[++i])
      if (!Number.isInteger(rounds) || rounds < 1) {
        return '--rounds needs a positive integer'
      }
    } else {
      return `unknown option ${a}`
    }
  }
  return rounds
}

function withDatabase(url: string, name: string): string {
  const u = new URL(url)
  u.pathname = `/${name}`
  return u.href
}

/** The cookie header from a response's set-cookie lines. */
function cookieOf(res: Response): string {
  return res.headers
    .getSetCookie()
    .map((c) => c.split(';')[0])
    .join('; ')
}

export async function bookingBench(args: string[]): Promise<number> {
  const rounds = parse(args)
  if (typeof rounds === 'string') {
    process.stderr.write(`${rounds}\n${BOOKING_USAGE}\n`)
    return 2
  }
  const hostUrl = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/repere'
  const url = withDatabase(hostUrl, DATABASE)
  const admin = postgres(withDatabase(hostUrl, 'postgres'), { max: 1, onnotice: () => {} })
  await admin.unsafe(`DROP DATABASE IF EXISTS ${DATABASE} WITH (FORCE)`)
  await admin.unsafe(`CREATE DATABASE ${DATABASE}`)
  await admin.end()
  await migrate(url)

  const config = loadConfig({
    NODE_ENV: 'test',
    DATABASE_URL: url,
    REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
    REDIS_PREFIX: `bench-booking-${randomBytes(4).toString('hex')}`,
    JWT_SECRET: randomBytes(32).toString('base64'),
    DATA_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
    LOG_LEVEL: 'silent',
    PORT: '0',
    DATABASE_POOL_MAX: String(CLIENTS + 10),
    // The bench is one address posting thousands of times: the public rate limit would answer 429.
    PUBLIC_RATE_LIMIT_PER_MINUTE: String(10_000_000),
  })
  const database = createDatabase(url, { max: CLIENTS + 10, appName: 'repere-bench-booking' })
  const app = await buildApp(config, { database, mailer: memoryMailer(), logger: false })
  try {
    const orgIds = await seedOrganisations(database.db)
    await seedCommunes(database.db, orgIds)
    await seedSites(database.db, orgIds)
    await seedUsers(database.db, orgIds)
    const reimsId = orgIds.get('ml-reims') as string
    const universityId = orgIds.get('urca') as string
    const s = app.services
    const [counsellor] = await database.sql<{ id: string; organisation_id: string }[]>`
      SELECT id, organisation_id FROM users WHERE email = 'conseil.reims@demo.repere.test'`
    const [adminUser] = await database.sql<{ id: string; organisation_id: string }[]>`
      SELECT id, organisation_id FROM users WHERE email = 'admin@demo.repere.test'`
    const actor = { userId: adminUser!.id, organisationId: adminUser!.organisation_id, role: 'admin' as const }
    await s.availability.updateSettings({ actor }, reimsId, { minNoticeMinutes: 0, horizonDays: 180 })
    const agency = (await s.routing.places(reimsId)).find((p) => p.kind === 'agency')
    for (let weekday = 1; weekday <= 7; weekday++) {
      await s.availability.addRule({ actor }, reimsId, {
        counsellorId: counsellor!.id,
        siteId: agency?.id ?? null,
        modality: 'in_person',
        weekday,
        startTime: '07:00',
        endTime: '21:00',
        slotMinutes: 10,
      })
    }
    const slots = (await s.availability.freeSlots({ missionLocaleId: reimsId, from: new Date(Date.now() + 86_400_000) })).flatMap(
      (d) => d.slots,
    )
    if (slots.length < rounds) {
      throw new Error(`only ${slots.length} slots for ${rounds} rounds`)
    }
    const address = await app.listen({ port: 0, host: '127.0.0.1' })
    note(`server on ${address}; ${rounds} rounds of ${CLIENTS} bookings on one slot`)

    const latencies: number[] = []
    const baseline: number[] = []
    let taken = 0
    let other = 0
    let doubleRounds = 0
    const otherSamples = new Set<string>()
    type Client = { code: string; csrf: string; cookie: string }
    /** Fresh students with a personal link each, whose browser has opened a booking form (CSRF token and cookie). */
    async function newClients(round: number, n: number): Promise<Client[]> {
      const rows = await database.db.execute<{ id: number }>(dsql`
        WITH s AS (
          INSERT INTO students (university_id, pseudo_id)
          SELECT ${universityId}, 'bench-' || ${round} || '-' || g || '-' || ${randomBytes(3).toString('hex')}
          FROM generate_series(1, ${n}) g RETURNING id)
        INSERT INTO enrolments (student_id, academic_year, home_commune_insee, birth_year)
        SELECT id, '2026/2027', '51454', 2004 FROM s RETURNING student_id AS id`)
      const links = await s.links.createMany(rows.map((r) => ({ studentId: r.id, missionLocaleId: reimsId })))
      // Untimed: each client opens its booking form, as a browser would.
      return Promise.all(
        links.map(async (l) => {
          const form = await fetch(`${address}/r/${l.code}/rendez-vous/formulaire?creneau=${encodeURIComponent(slots[0]!.slotKey)}`)
          const html = await form.text()
          const csrf = /name="_csrf" value="([^"]+)"/.exec(html)?.[1]
          if (!csrf) {
            throw new Error(`no CSRF token on the booking form (HTTP ${form.status})`)
          }
          return { code: l.code, csrf, cookie: cookieOf(form) }
        }),
      )
    }
    // The 49 students who lost a round try again in the next one, as a student whose slot was
    // just taken picks another: only the one who booked is replaced. The rounds stay 50
    // simultaneous requests on one slot, with a tenth of the set-up work.
    let clients = await newClients(0, CLIENTS)
    for (let round = 0; round < rounds; round++) {
      const slot = slots[round]!
      const started = performance.now()
      const health = await Promise.all(
        Array.from({ length: CLIENTS }, async () => {
          const t0 = performance.now()
          await (await fetch(`${address}/health`)).text()
          return performance.now() - t0
        }),
      )
      baseline.push(...health)
      const answers = await Promise.all(
        clients.map(async (c, i) => {
          const body = new URLSearchParams({
            _csrf: c.csrf,
            creneau: slot.slotKey,
            cle: `bench-${round}-${i}-${randomBytes(4).toString('hex')}`,
            prenom: 'Camille',
            nom: 'Banc',
            email: `bench${i}@example.test`,
            telephone: '',
            naissance: '2004-05-06',
            accord: 'oui',
          })
          const t0 = performance.now()
          const res = await fetch(`${address}/r/${c.code}/rendez-vous`, {
            method: 'POST',
            redirect: 'manual',
            headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: c.cookie },
            body,
          })
          const text = await res.text()
          latencies.push(performance.now() - t0)
          if (res.status === 303 && (res.headers.get('location') ?? '').startsWith('/r/gerer/')) {
            return 'ok'
          }
          if (res.status === 409 && /vient d’être pris/.test(text)) {
            return 'taken'
          }
          otherSamples.add(`${res.status}`)
          return 'other'
        }),
      )
      const ok = answers.filter((a) => a === 'ok').length
      const booked = new Set(clients.filter((_, i) => answers[i] === 'ok').map((c) => c.code))
      clients = [...clients.filter((c) => !booked.has(c.code)), ...(await newClients(round + 1, booked.size))]
      taken += answers.filter((a) => a === 'taken').length
      other += answers.filter((a) => a === 'other').length
      if (ok > 1) {
        doubleRounds++
      }
      if ((round + 1) % 50 === 0 || round === rounds - 1) {
        note(`round ${round + 1}/${rounds}: ${Math.round(performance.now() - started)} ms, ok=${ok}`)
      }
    }
    const [overlaps] = await database.sql<{ n: number }[]>`
      SELECT count(*)::int AS n FROM appointments a JOIN appointments b
        ON a.id < b.id AND a.counsellor_id = b.counsellor_id AND a.during && b.during
      WHERE a.status = 'booked' AND b.status = 'booked'`
    emit('booking_rounds', rounds)
    emit('double_bookings', doubleRounds + (overlaps?.n ?? 0))
    emit('booking_p50_ms', pct(latencies, 50))
    emit('booking_p99_ms', pct(latencies, 99))
    emit('slot_taken_answers', taken)
    emit('other_answers', other)
    emit('baseline_health_p99_ms', pct(baseline, 99))
    emit('booking_p99_ratio', Math.round((pct(latencies, 99) / Math.max(0.1, pct(baseline, 99))) * 100) / 100)
    if (otherSamples.size > 0) {
      note(`other answers had HTTP status ${[...otherSamples].join(', ')}`)
    }
    return other > 0 || doubleRounds > 0 ? 1 : 0
  } finally {
    await app.close()
    await database.close()
  }
}
