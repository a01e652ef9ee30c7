/**
 * The student journey's demo (issue #9): booking settings and weekly openings for every demo
 * place of the three Missions Locales, a few appointments already booked, and fresh personal
 * links for `npm start` to print (their codes exist nowhere else: only hashes are stored).
 * Idempotent: rules and bookings are added only when a Mission Locale has none.
 */
import { and, eq, gt, sql } from 'drizzle-orm'
import type { Database } from '../../db/client.ts'
import { appointments, availabilityRules, enrolments, organisations, sites, students, users } from '../../db/schema/index.ts'
import type { Container } from '../../server/container.ts'
import { parisDay } from '../../server/lib/paris-time.ts'

export type DemoLink = { label: string; url: string }

/** Fictitious numbers (the 01 99 00 range is reserved for fiction by ARCEP) and demo addresses. */
const CONTACTS: Record<string, { phone: string; email: string; commune: string; communeName: string }> = {
  'ml-reims': { phone: '01 99 00 00 10', email: 'contact@ml-reims.demo.repere.test', commune: '51454', communeName: 'Reims' },
  'ml-epernay': { phone: '01 99 00 00 20', email: 'contact@ml-epernay.demo.repere.test', commune: '51230', communeName: 'Épernay' },
  'ml-chalons': {
    phone: '01 99 00 00 30',
    email: 'contact@ml-chalons.demo.repere.test',
    commune: '51108',
    communeName: 'Châlons-en-Champagne',
  },
}

export async function demoStudent(
  database: Database,
  universityId: string,
  pseudoId: string,
  commune: string,
  birthYear: number,
): Promise<number> {
  const { db } = database
  await db.insert(students).values({ universityId, pseudoId }).onConflictDoNothing()
  const [row] = await db
    .select({ id: students.id })
    .from(students)
    .where(and(eq(students.universityId, universityId), eq(students.pseudoId, pseudoId)))
  const id = (row as { id: number }).id
  await db
    .insert(enrolments)
    .values({ studentId: id, academicYear: '2026/2027', homeCommuneInsee: commune, birthYear, level: 'L1' })
    .onConflictDoNothing()
  return id
}

export async function seedDemoJourney(database: Database, services: Container, orgIds: Map<string, string>): Promise<DemoLink[]> {
  const { db } = database
  const universityId = orgIds.get('urca') as string
  const seed = { requestId: 'demo-seed' }
  const [admin] = await db.select().from(users).where(eq(users.email, 'admin@demo.repere.test'))
  if (!admin) {
    return []
  }
  const actor = { userId: admin.id, organisationId: admin.organisationId, role: admin.role }
  const links: DemoLink[] = []
  for (const [slug, contact] of Object.entries(CONTACTS)) {
    const missionLocaleId = orgIds.get(slug) as string
    const [ml] = await db.select().from(organisations).where(eq(organisations.id, missionLocaleId))
    await services.availability.updateSettings({ ...seed, actor }, missionLocaleId, {
      publicPhone: contact.phone,
      publicEmail: contact.email,
    })

    const [{ n } = { n: 0 }] = await db
      .select({ n: sql<number>`count(*)::int` })
      .from(availabilityRules)
      .where(eq(availabilityRules.missionLocaleId, missionLocaleId))
    if (n === 0) {
      const [counsellor] = await db
        .select()
        .from(users)
        .where(and(eq(users.organisationId, missionLocaleId), eq(users.role, 'counsellor')))
      const places = await db.select().from(sites).where(eq(sites.organisationId, missionLocaleId))
      if (counsellor) {
        const validFrom = parisDay(new Date())
        // One weekday per place, mornings and afternoons, so one counsellor is never in two places at once.
        for (const [i, place] of places.entries()) {
          const weekday = (i % 5) + 1
          const modality = place.modalities.includes('in_person') ? 'in_person' : (place.modalities[0] ?? 'phone')
          for (const [startTime, endTime] of [
            ['09:00', '12:00'],
            ['14:00', '17:00'],
          ] as const) {
            await services.availability.addRule({ ...seed, actor }, missionLocaleId, {
              counsellorId: counsellor.id,
              siteId: place.id,
              modality,
              weekday,
              startTime: i >= 5 ? (startTime === '09:00' ? '12:00' : '17:00') : startTime,
              endTime: i >= 5 ? (startTime === '09:00' ? '13:30' : '18:30') : endTime,
              slotMinutes: 45,
              validFrom,
            })
          }
        }
        // Phone and video on Saturday mornings, for students who cannot come during the week.
        for (const modality of ['phone', 'video'] as const) {
          await services.availability.addRule({ ...seed, actor }, missionLocaleId, {
            counsellorId: counsellor.id,
            modality,
            weekday: 6,
            startTime: modality === 'phone' ? '09:00' : '10:30',
            endTime: modality === 'phone' ? '10:30' : '12:00',
            slotMinutes: 30,
            validFrom,
          })
        }
      }
    }

    // A few bookings already made, so the staff page of the day and the slot lists are not empty.
    const [{ booked } = { booked: 0 }] = await db
      .select({ booked: sql<number>`count(*)::int` })
      .from(appointments)
      .where(
        and(eq(appointments.missionLocaleId, missionLocaleId), eq(appointments.status, 'booked'), gt(appointments.startsAt, new Date())),
      )
    if (booked === 0) {
      const days = await services.availability.freeSlots({ missionLocaleId })
      const picks = [days[0]?.slots[0], days[1]?.slots[1], days[3]?.slots[0]].filter((x) => x !== undefined)
      for (const [i, slot] of picks.entries()) {
        const studentId = await demoStudent(database, universityId, `demo-rdv-${slug}-${i + 1}`, contact.commune, 2004 + i)
        const link = await services.links.create({ studentId })
        await services.bookings
          .book(seed, {
            linkId: link.linkId,
            slotKey: slot.slotKey,
            identity: {
              firstName: ['Inès', 'Yanis', 'Chloé'][i] as string,
              lastName: 'Démo',
              email: `rdv${i + 1}.${slug}@demo.repere.test`,
              phone: null,
              birthDate: `${2004 + i}-03-1${i}`,
              message: null,
              consentToShare: true,
            },
            idempotencyKey: `demo-seed-${slug}-${i + 1}`,
          })
          .catch(() => undefined) // a slot taken since: the demo simply has one booking less
      }
    }

    const studentId = await demoStudent(database, universityId, `demo-parcours-${slug}`, contact.commune, 2005)
    const link = await services.links.create({ studentId })
    links.push({ label: `Étudiant·e (${contact.communeName}, ${ml?.shortName ?? slug})`, url: link.url })
  }
  return links
}
