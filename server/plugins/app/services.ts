import fp from 'fastify-plugin'
import type { Config } from '../../config.ts'
import type { Container } from '../../container.ts'
import type { Database } from '../../../db/client.ts'

declare module 'fastify' {
  interface FastifyInstance {
    config: Config
    services: Container
    database: Database
  }
}

/** Exposes the config, the database and the service container built in app.ts. */
export default fp(
  async (fastify, opts: { config: Config; container: Container; database: Database }) => {
    fastify.decorate('config', opts.config)
    fastify.decorate('services', opts.container)
    fastify.decorate('database', opts.database)
  },
  { name: 'services' },
)
