import fp from 'fastify-plugin'
import multipart from '@fastify/multipart'
import type { Config } from '../../config.ts'

/** Multipart uploads are streamed by the routes that accept them, never buffered whole. */
export default fp(
  async (fastify, opts: { config: Config }) => {
    await fastify.register(multipart, {
      limits: { fileSize: opts.config.UPLOAD_MAX_MB * 1024 * 1024, files: 1, fields: 10, fieldSize: 10_000 },
    })
  },
  { name: 'multipart' },
)
