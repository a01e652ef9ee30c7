/**
 * The baseline of `npm run bench -- http`: a bare Fastify server with one route answering a
 * short HTML string, run as a child process like the real server, so `public_ratio` compares the
 * landing page with what Fastify alone does on this machine in the same run.
 */
import Fastify from 'fastify'

const port = Number(process.env.PORT ?? '0')
const app = Fastify({ logger: false })
app.get('/', async (_request, reply) => reply.type('text/html; charset=utf-8').send('<!doctype html><title>ok</title><p>ok</p>'))
await app.listen({ port, host: '127.0.0.1' })
process.stdout.write(`listening ${port}\n`)
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => void app.close().then(() => process.exit(0)))
}
