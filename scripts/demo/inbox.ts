/**
 * The inbox's demo (issue #11): for each Mission Locale's demo counsellor, cases in every work
 * list — à traiter (a fresh callback request), prioritaire (an overdue callback), en cours (claimed,
 * with a note), injoignable (after two calls), clos (entrée CEJ) — and two appointments today
 * (one this morning to mark held or no-show, one this afternoon). Names are fictitious.
 * Idempotent: a Mission Locale that already has the demo's cases is left alone.
 */
import { createHash, randomBytes } from 'node:crypto'
import { and, eq, sql } from 'drizzle-orm'
import type { Database } from '../../db/client.ts'
import { appointments, caseEvents, cases, sites, users } from '../../db/schema/index.ts'
import type { Container } from '../../server/container.ts'
import { encryptField } from '../../server/lib/crypto.ts'
import { parisDay, parisToUtc } from '../../server/lib/paris-time.ts'
import { demoStudent } from './journey.ts'

const DAY = 86_400_000
const MLS = [
  { slug: 'ml-reims', commune: '51454' },
  { slug: 'ml-epernay', commune: '51230' },
  { slug: 'ml-chalons', commune: '51108' },
]

export async function seedDemoInbox(database: Database, services: Container, orgIds: Map<string, string>): Promise<void> {
  const { db } = database
  const key = services.config.dataKeys
  const universityId = orgIds.get('urca') as string
  const now = new Date()
  const today = parisDay(now)
  const enc = (identity: Record<string, unknown>) => encryptField(key, JSON.stringify({ ...identity, consentAt: now.toISOString() }))

  for (const { slug, commune } of MLS) {
    const missionLocaleId = orgIds.get(slug)
    if (!missionLocaleId) {
      continue
    }
    const [done] = await db
      .select({ n: sql<number>`count(*)::int` })
      .from(cases)
      .where(and(eq(cases.missionLocaleId, missionLocaleId), sql`${cases.details}->>'demo' = 'inbox'`))
    if ((done?.n ?? 0) > 0) {
      continue
    }
    const [counsellor] = await db
      .select()
      .from(users)
      .where(and(eq(users.organisationId, missionLocaleId), eq(users.role, 'counsellor')))
    if (!counsellor) {
      continue
    }
    let seq = 0
    const aLink = async () => {
      seq++
      const studentId = await demoStudent(database, universityId, `demo-inbox-${slug}-${seq}`, commune, 2003 + (seq % 4))
      return { studentId, link: await services.links.create({ studentId, missionLocaleId }) }
    }
    const aCase = async (
      c: Partial<typeof cases.$inferInsert> & { origin: 'booking' | 'callback' },
      identity: Record<string, unknown>,
      events: {
        kind: (typeof caseEvents.$inferInsert)['kind']
        payload?: Record<string, unknown>
        note?: string
        at: Date
        actor?: boolean
      }[],
    ) => {
      const { studentId, link } = await aLink()
      const [row] = await db
        .insert(cases)
        .values({
          missionLocaleId,
          studentId,
          linkId: link.linkId,
          identityEnc: enc(identity),
          ...c,
          details: { demo: 'inbox', ...(c.details ?? {}) },
        })
        .returning()
      const id = (row as { id: string }).id
      for (const e of [{ kind: 'opened' as const, payload: { origin: c.origin }, at: c.createdAt ?? now }, ...events]) {
        await db.insert(caseEvents).values({
          caseId: id,
          actorUserId: 'actor' in e && e.actor ? counsellor.id : null,
          kind: e.kind,
          payload: e.payload ?? {},
          noteEnc: 'note' in e && e.note ? encryptField(key, e.note) : null,
          at: e.at,
        })
      }
      return { id, linkId: link.linkId }
    }

    // À traiter: a callback request made this morning, through the real service (due in 2 working days).
    const fresh = await aLink()
    await services.callbacks.request(
      { requestId: 'demo-seed' },
      { linkId: fresh.link.linkId, phone: '06 99 00 11 22', firstName: 'Jade', moments: ['matin', 'apres_midi'], consentToShare: true },
    )
    await db
      .update(cases)
      .set({ details: sql`${cases.details} || '{"demo":"inbox"}'::jsonb` })
      .where(eq(cases.linkId, fresh.link.linkId))

    // Prioritaire: a callback request three days old, overdue since yesterday.
    await aCase(
      {
        origin: 'callback',
        status: 'new',
        dueAt: new Date(now.getTime() - DAY),
        createdAt: new Date(now.getTime() - 3 * DAY),
        details: { moments: ['soir'] },
      },
      { firstName: 'Rayan', phone: '06 99 00 22 33' },
      [],
    )
    // En cours: claimed yesterday, with a note.
    await aCase(
      {
        origin: 'booking',
        status: 'in_progress',
        assigneeId: counsellor.id,
        claimedAt: new Date(now.getTime() - DAY),
        createdAt: new Date(now.getTime() - 2 * DAY),
      },
      {
        firstName: 'Manon',
        lastName: 'Petit',
        email: 'manon.petit@demo.repere.test',
        phone: null,
        birthDate: '2006-09-14',
        message: 'Je voudrais arrêter ma licence et trouver une formation en alternance.',
      },
      [
        { kind: 'claim', at: new Date(now.getTime() - DAY), actor: true },
        {
          kind: 'contact_attempt',
          payload: { channel: 'email', result: 'answered' },
          at: new Date(now.getTime() - DAY + 3600_000),
          actor: true,
        },
        {
          kind: 'note',
          note: 'Intéressée par le BTS MCO en alternance ; à revoir avec le point information formation.',
          at: new Date(now.getTime() - DAY + 3700_000),
          actor: true,
        },
      ],
    )
    // Injoignable: two calls without answer.
    await aCase(
      {
        origin: 'callback',
        status: 'unreachable',
        assigneeId: counsellor.id,
        claimedAt: new Date(now.getTime() - 6 * DAY),
        createdAt: new Date(now.getTime() - 8 * DAY),
      },
      { firstName: 'Lucas', phone: '06 99 00 33 44' },
      [
        { kind: 'claim', at: new Date(now.getTime() - 6 * DAY), actor: true },
        { kind: 'contact_attempt', payload: { channel: 'phone', result: 'no_answer' }, at: new Date(now.getTime() - 6 * DAY), actor: true },
        { kind: 'contact_attempt', payload: { channel: 'sms', result: 'no_answer' }, at: new Date(now.getTime() - 4 * DAY), actor: true },
        { kind: 'status', payload: { from: 'contacted_no_reply', to: 'unreachable' }, at: new Date(now.getTime() - 4 * DAY), actor: true },
      ],
    )
    // Clos: entrée CEJ last week.
    await aCase(
      {
        origin: 'booking',
        status: 'closed',
        outcome: 'cej',
        assigneeId: counsellor.id,
        closedAt: new Date(now.getTime() - 2 * DAY),
        createdAt: new Date(now.getTime() - 12 * DAY),
      },
      { firstName: 'Sofiane', lastName: 'Martin', email: null, phone: '06 99 00 44 55', birthDate: '2004-01-22', message: null },
      [
        { kind: 'claim', at: new Date(now.getTime() - 11 * DAY), actor: true },
        { kind: 'appointment', payload: { attendance: 'held' }, at: new Date(now.getTime() - 9 * DAY), actor: true },
        {
          kind: 'outcome',
          payload: { from: 'in_progress', outcome: 'cej', verdict: null },
          at: new Date(now.getTime() - 2 * DAY),
          actor: true,
        },
      ],
    )

    // Today's appointments: this morning (to mark held or no-show) and this afternoon.
    const [place] = await db.select().from(sites).where(eq(sites.organisationId, missionLocaleId)).orderBy(sites.kind, sites.name)
    for (const [time, end, identity] of [
      [
        '09:30',
        '10:15',
        {
          firstName: 'Camille',
          lastName: 'Roux',
          email: 'camille.roux@demo.repere.test',
          phone: '06 99 00 55 66',
          birthDate: '2007-05-03',
          message: null,
        },
      ],
      [
        '16:00',
        '16:45',
        {
          firstName: 'Nathan',
          lastName: 'Leroy',
          email: 'nathan.leroy@demo.repere.test',
          phone: null,
          birthDate: '2005-11-30',
          message: 'Besoin d’aide pour le permis.',
        },
      ],
    ] as const) {
      const startsAt = parisToUtc(today, time)
      const c = await aCase(
        {
          origin: 'booking',
          status: 'new',
          assigneeId: counsellor.id,
          dueAt: startsAt,
          minor: identity.birthDate.startsWith('2007'),
          createdAt: new Date(now.getTime() - 2 * DAY),
        },
        identity,
        [],
      )
      await db
        .insert(appointments)
        .values({
          missionLocaleId,
          counsellorId: counsellor.id,
          siteId: place?.id ?? null,
          linkId: c.linkId,
          caseId: c.id,
          modality: place ? 'in_person' : 'phone',
          startsAt,
          endsAt: parisToUtc(today, end),
          identityEnc: enc(identity),
          minor: identity.birthDate.startsWith('2007'),
          idempotencyKey: `demo-inbox-${c.id}`,
          manageCodeHash: createHash('sha256').update(randomBytes(16)).digest('base64url'),
          confirmationSentAt: now,
        })
        .catch(() => undefined) // the counsellor already has a booking then: one appointment less
    }
  }
}
