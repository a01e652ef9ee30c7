/**
 * The baselines of `npm run bench -- http`, run as a child process like the real server:
 * - `/`: a bare Fastify route answering a short HTML string, so `public_ratio` compares the
 *   landing page with what Fastify alone does on this machine in the same run;
 * - `/pg`: the same with one `SELECT 1` through postgres.js (DATABASE_URL), the floor of any page
 *   that reads the database once: what the landing page's one statement costs cannot be below it.
 */
import Fastify from 'fastify'
import postgres from 'postgres'

const port = Number(process.env.PORT ?? '0')
const sql = postgres(process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres', { max: 10 })
const app = Fastify({ logger: false })
app.get('/', async (_request, reply) => reply.type('text/html; charset=utf-8').send('<!doctype html><title>ok</title><p>ok</p>'))
app.get('/pg', async (_request, reply) => {
  const [row] = await sql`SELECT 1 AS one`
  return reply.type('text/html; charset=utf-8').send(`<!doctype html><title>ok</title><p>${String(row?.one)}</p>`)
})
app.addHook('onClose', async () => sql.end({ timeout: 5 }))
await app.listen({ port, host: '127.0.0.1' })
process.stdout.write(`listening ${port}\n`)
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => void app.close().then(() => process.exit(0)))
}
