/**
 * The app factory: external plugins, then app plugins, then routes. Tests call
 * `buildApp(config, { mailer: memoryMailer() })` and drive it with `app.inject`.
 */
import Fastify, { type FastifyInstance, type RouteOptions } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import type { Redis } from 'ioredis'
import { randomUUID } from 'node:crypto'
import { createDatabase, type Database } from '../db/client.ts'
import type { Config } from './config.ts'
import { createContainer } from './container.ts'
import { loggerOptions } from './lib/logger.ts'
import { createSmtpMailer, type Mailer } from './lib/mailer.ts'
import { createQueues, type Queues } from './lib/queue.ts'
import { connectRedis, createRedis } from './lib/redis.ts'
import security from './plugins/external/security.ts'
import docs from './plugins/external/docs.ts'
import multipart from './plugins/external/multipart.ts'
import services from './plugins/app/services.ts'
import views from './plugins/app/views.ts'
import auth from './plugins/app/auth.ts'
import errorHandler, { frameworkErrors } from './plugins/app/error-handler.ts'
import queueDashboard from './plugins/app/queue-dashboard.ts'
import routes from './routes/index.ts'

export type AppDeps = {
  database?: Database
  redis?: Redis
  queues?: Queues
  mailer?: Mailer
  /** Pino destination override (tests keep logs quiet). */
  logger?: boolean
  /** Sees every route as it is registered (tests/integration/input-bounds.test.ts sweeps them all). */
  onRoute?: (route: RouteOptions) => void
}

export async function buildApp(config: Config, deps: AppDeps = {}): Promise<FastifyInstance> {
  const app = Fastify({
    logger: deps.logger === false ? false : loggerOptions(config),
    genReqId: () => randomUUID(),
    trustProxy: config.isProduction,
    bodyLimit: 1024 * 1024,
    frameworkErrors,
    ajv: { customOptions: { removeAdditional: 'all', coerceTypes: 'array', useDefaults: true } },
  }).withTypeProvider<TypeBoxTypeProvider>()
  if (deps.onRoute) {
    app.addHook('onRoute', deps.onRoute)
  }

  // What this factory creates, it closes; what the caller passed in stays the caller's.
  const database = deps.database ?? createDatabase(config.DATABASE_URL, { max: config.DATABASE_POOL_MAX, appName: 'repere-server' })
  const redis = deps.redis ?? createRedis(config.REDIS_URL, 'producer')
  await connectRedis(redis)
  const queues = deps.queues ?? createQueues(redis, config.REDIS_PREFIX)
  const mailer = deps.mailer ?? createSmtpMailer(config)
  const container = createContainer({ config, database, redis, queues, mailer, log: app.log })

  app.addHook('onClose', async () => {
    if (!deps.queues) {
      await queues.close()
    }
    if (!deps.mailer) {
      await mailer.close()
    }
    if (!deps.redis) {
      redis.disconnect()
    }
    if (!deps.database) {
      await database.close()
    }
  })

  await app.register(services, { config, container, database })
  await app.register(security, { config, redis })
  await app.register(docs, { config })
  await app.register(multipart, { config })
  await app.register(views)
  await app.register(auth)
  await app.register(errorHandler)
  await app.register(queueDashboard, { queues })
  await app.register(routes)
  return app
}
