/**
 * The data `npm run bench -- http` drives: the demo organisations, communes, sites and users,
 * opening hours every day at the first place of the Mission Locale de Reims (made by the
 * availability service, as a manager would), and one student of Reims with a personal link.
 * Returns the two paths under load: the landing page and that place's slot list.
 */
import { randomUUID } from 'node:crypto'
import { eq } from 'drizzle-orm'
import type { Database } from '../../db/client.ts'
import { enrolments } from '../../db/schema/enrolments.ts'
import { sites } from '../../db/schema/sites.ts'
import { students } from '../../db/schema/students.ts'
import { users } from '../../db/schema/users.ts'
import { loadConfig } from '../../server/config.ts'
import { createContainer } from '../../server/container.ts'
import { createLogger } from '../../server/lib/logger.ts'
import { memoryMailer } from '../../server/lib/mailer.ts'
import { createQueues } from '../../server/lib/queue.ts'
import { connectRedis, createRedis } from '../../server/lib/redis.ts'
import { seedCommunes, seedOrganisations, seedSites, seedUsers } from '../seed.ts'

export async function prepareJourney(database: Database, env: NodeJS.ProcessEnv): Promise<{ landing: string; slots: string }> {
  const orgIds = await seedOrganisations(database.db)
  await seedCommunes(database.db, orgIds)
  await seedSites(database.db, orgIds)
  await seedUsers(database.db, orgIds)
  const config = loadConfig(env)
  const redis = await connectRedis(createRedis(config.REDIS_URL, 'producer'))
  const queues = createQueues(redis, config.REDIS_PREFIX)
  try {
    const services = createContainer({ config, database, redis, queues, mailer: memoryMailer(), log: createLogger(config, 'bench') })
    const missionLocaleId = orgIds.get('ml-reims') as string
    const userId = async (email: string) =>
      (await database.db.select({ id: users.id }).from(users).where(eq(users.email, email)))[0]?.id as string
    const manager = {
      userId: await userId('direction.reims@demo.repere.test'),
      role: 'ml_manager' as const,
      organisationId: missionLocaleId,
    }
    const counsellorId = await userId('conseil.reims@demo.repere.test')
    const [site] = await database.db.select().from(sites).where(eq(sites.organisationId, missionLocaleId)).orderBy(sites.kind, sites.name)
    if (!site) {
      throw new Error('seed: no site for the Mission Locale de Reims')
    }
    const validFrom = new Date(Date.now() - 7 * 86_400_000).toISOString().slice(0, 10)
    for (let weekday = 1; weekday <= 7; weekday++) {
      await services.availability.addRule({ actor: manager, requestId: 'bench' }, missionLocaleId, {
        counsellorId,
        siteId: site.id,
        modality: 'in_person',
        weekday,
        startTime: '08:00',
        endTime: '20:00',
        slotMinutes: 30,
        validFrom,
      })
    }
    const [student] = await database.db
      .insert(students)
      .values({ universityId: orgIds.get('urca') as string, pseudoId: `bench-${randomUUID()}` })
      .returning({ id: students.id })
    await database.db
      .insert(enrolments)
      .values({ studentId: student!.id, academicYear: '2025-2026', homeCommuneInsee: '51454', birthYear: 2005 })
    const link = await services.links.create({ studentId: student!.id })
    return { landing: `/r/${link.code}`, slots: `/r/${link.code}/rendez-vous/creneaux?lieu=${site.id}&mode=in_person` }
  } finally {
    await queues.close()
    redis.disconnect()
  }
}
