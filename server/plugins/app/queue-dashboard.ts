/**
 * The BullMQ dashboard (Bull Board) at /admin/queues, for admins only: its routes get the
 * default admin-only access from plugins/app/auth.ts.
 */
import fp from 'fastify-plugin'
import { createBullBoard } from '@bull-board/api'
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter'
import { FastifyAdapter } from '@bull-board/fastify'
import type { Queues } from '../../lib/queue.ts'

export const QUEUE_DASHBOARD_PATH = '/admin/queues'

export default fp(
  async (fastify, opts: { queues: Queues }) => {
    const serverAdapter = new FastifyAdapter()
    serverAdapter.setBasePath(QUEUE_DASHBOARD_PATH)
    createBullBoard({
      queues: opts.queues.all().map((q) => new BullMQAdapter(q, { readOnlyMode: false })),
      serverAdapter,
      options: { uiConfig: { boardTitle: 'Repère — files' } },
    })
    await fastify.register(async (child) => {
      child.addHook('onRoute', (route) => {
        route.config = { ...(route.config ?? {}), access: ['admin'] }
      })
      // The dashboard's own page relies on inline scripts and styles; it is admin-only.
      child.addHook('onSend', async (_req, reply, payload) => {
        reply.removeHeader('content-security-policy')
        return payload
      })
      await child.register(serverAdapter.registerPlugin(), { prefix: QUEUE_DASHBOARD_PATH })
    })
  },
  { name: 'queue-dashboard', dependencies: ['auth'] },
)
