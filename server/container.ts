/**
 * Builds every service once, from narrow dependencies. Used by the HTTP server and by the
 * workers alike, so both run the same business code.
 */
import type { Redis } from 'ioredis'
import type { Database } from '../db/client.ts'
import { createAuditRepository } from '../db/repositories/audit.repository.ts'
import { createCommuneRepository } from '../db/repositories/communes.repository.ts'
import { createOrganisationRepository } from '../db/repositories/organisations.repository.ts'
import { createSiteRepository } from '../db/repositories/sites.repository.ts'
import { createUserRepository } from '../db/repositories/users.repository.ts'
import { createImportRepository } from '../db/repositories/imports.repository.ts'
import type { Config } from './config.ts'
import type { Logger } from './lib/logger.ts'
import type { Mailer } from './lib/mailer.ts'
import type { Queues } from './lib/queue.ts'
import { createAuditService } from './services/audit.service.ts'
import { createHealthService } from './services/health.service.ts'
import { createHealthRepository } from '../db/repositories/health.repository.ts'
import { createSiteService } from './services/site.service.ts'
import { createOrganisationService } from './services/organisation.service.ts'
import { createCommuneService } from './services/commune.service.ts'
import { createUserService } from './services/user.service.ts'
import { createSessionService } from './services/session.service.ts'
import { createImportService } from './services/imports/import.service.ts'
import { createImportProcessor } from './services/imports/import-processor.ts'
import { createImportRecovery } from './services/imports/import-recovery.ts'
import { createOutboxService } from './services/outbox.service.ts'
import { JOBS } from './jobs/catalogue.ts'
import { createScoringService } from './services/scoring.service.ts'
import { createNotificationService } from './services/notification.service.ts'
import { createEmailRenderer } from './lib/email-templates.ts'
import { createUploadStores } from './services/uploads/index.ts'
import { devSmsSink, httpSmsSender, type SmsSender } from './lib/sms.ts'
import { createRoutingService } from './services/routing.service.ts'
import { createSuppressionService } from './services/suppression.service.ts'
import { createConsentService } from './services/consent.service.ts'
import { createCampaignService } from './services/campaign.service.ts'
import { createCampaignEngine } from './services/campaign-engine.service.ts'
import { createLinkService } from './services/link.service.ts'
import { createAvailabilityService } from './services/availability.service.ts'
import { createBookingService } from './services/booking.service.ts'
import { createCallbackService } from './services/callback.service.ts'
import { createAppointmentNotificationService } from './services/appointment-notification.service.ts'
import { createCaseService } from './services/case.service.ts'

/** The HTTP provider when configured; otherwise the sink (dev, tests): nothing leaves the machine. */
function defaultSms(config: Config): SmsSender {
  return config.SMS_PROVIDER_URL ? httpSmsSender({ url: config.SMS_PROVIDER_URL, key: config.SMS_PROVIDER_KEY }) : devSmsSink()
}

export type ContainerDeps = {
  config: Config
  database: Database
  redis: Redis
  queues: Queues
  mailer: Mailer
  log: Logger
  /** The SMS provider; default: SMS_PROVIDER_URL's, or the dev sink. */
  sms?: SmsSender
}

export function createContainer({ config, database, redis, queues, mailer, log, sms = defaultSms(config) }: ContainerDeps) {
  const { db, sql } = database
  const organisationsRepo = createOrganisationRepository(db)
  const usersRepo = createUserRepository(db)
  const importsRepo = createImportRepository(db)
  const audit = createAuditService({ audit: createAuditRepository(db), log })
  const users = createUserService({ users: usersRepo, organisations: organisationsRepo, audit })
  const outbox = createOutboxService({ db, queues, log })
  const uploads = createUploadStores({ db, config })
  const importProcessor = createImportProcessor({ sql, imports: importsRepo, outbox, uploads, log, config })
  const emails = createEmailRenderer()
  const routing = createRoutingService({ db })
  const consents = createConsentService({ db })
  const suppressions = createSuppressionService({ db, config, audit, consents })
  const links = createLinkService({ db, config, routing, suppressions, audit })
  const availability = createAvailabilityService({ db, audit })
  const campaigns = createCampaignService({ db, config, audit, mailer })
  return {
    config,
    log,
    mailer,
    queues,
    audit,
    users,
    sessions: createSessionService({ redis, prefix: config.REDIS_PREFIX, audit }),
    organisations: createOrganisationService({ organisations: organisationsRepo }),
    communes: createCommuneService({ communes: createCommuneRepository(db), organisations: organisationsRepo, audit, config }),
    sites: createSiteService({ sites: createSiteRepository(db) }),
    health: createHealthService({ database: createHealthRepository(sql), redis, prefix: config.REDIS_PREFIX }),
    outbox,
    uploads,
    imports: createImportService({ db, imports: importsRepo, organisations: organisationsRepo, outbox, audit, uploads, config }),
    importProcessor,
    importRecovery: createImportRecovery({
      db,
      imports: importsRepo,
      outbox,
      processor: importProcessor,
      jobState: (name, jobId) => queues.get(JOBS[name].queue).getJobState(jobId),
      log,
      config,
    }),
    scoring: createScoringService({ db, outbox, log, config, audit }),
    notifications: createNotificationService({
      imports: importsRepo,
      users: usersRepo,
      mailer,
      emails,
      log,
      config,
    }),
    routing,
    consents,
    campaigns,
    campaignEngine: createCampaignEngine({ db, config, mailer, sms, links, availability, consents, campaigns, outbox, log }),
    suppressions,
    links,
    availability,
    bookings: createBookingService({ db, config, links, availability, routing, outbox, audit }),
    callbacks: createCallbackService({ db, config, links, audit }),
    appointmentNotifications: createAppointmentNotificationService({ db, routing, links, mailer, sms, emails, log, config }),
    cases: createCaseService({ db, config, outbox, audit, routing }),
  }
}
export type Container = ReturnType<typeof createContainer>
