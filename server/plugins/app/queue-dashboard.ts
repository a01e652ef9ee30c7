/**
 * The BullMQ dashboard (Bull Board) at /admin/queues, for admins only: its routes get the
 * default admin-only access from plugins/app/auth.ts.
 *
 * What it takes to run a third-party single-page app inside the platform's rules:
 * - CSRF. Its actions (retry, clean, pause…) are PUT/POST/PATCH requests carrying the session
 *   cookie, so the auth plugin requires a CSRF token, which the dashboard never sends. Its page
 *   gets the token in a `<meta name="csrf-token">` and a small script of ours
 *   (server/public/queue-dashboard-csrf.js) adds it as an `x-csrf-token` header to the
 *   dashboard's own same-origin requests. @fastify/csrf-protection reads that header by default,
 *   so the auth plugin's check is the same as for every form: no exemption.
 * - Errors. Bull Board sets an error handler of its own (English, with the stack trace in
 *   development): it is left out, so the one error handler answers for these routes too. Its
 *   handlers' own error bodies (`{ error: { key } }`, translated by its UI) get the app's fields
 *   around them: `statusCode`, `code`, a French `message`, `reqId`.
 * - CSP. Its page needs inline styles (style attributes, React-injected `<style>`), nothing else
 *   beyond 'self'; its link to Google Fonts is removed (no third-party request from an admin
 *   page; the system font is used).
 */
import fp from 'fastify-plugin'
import { createBullBoard } from '@bull-board/api'
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter'
import { FastifyAdapter } from '@bull-board/fastify'
import type { FastifyPluginCallback, FastifyReply, FastifyRequest } from 'fastify'
import type { Queues } from '../../lib/queue.ts'
import { statusMessage } from './error-handler.ts'

export const QUEUE_DASHBOARD_PATH = '/admin/queues'
export const QUEUE_DASHBOARD_CSRF_SCRIPT = '/static/queue-dashboard-csrf.js'

/** The dashboard page's policy: the app's own, plus inline styles and blob/data images. */
export const QUEUE_DASHBOARD_CSP = [
  "default-src 'self'",
  "base-uri 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ')

/** CSRF tokens of the dashboard pages being answered. */
const pageTokens = new WeakMap<FastifyRequest, string>()

function isPage(request: FastifyRequest): boolean {
  const url = request.routeOptions.url ?? ''
  return request.method === 'GET' && !url.startsWith(`${QUEUE_DASHBOARD_PATH}/api/`) && !url.startsWith(`${QUEUE_DASHBOARD_PATH}/static/`)
}

const escapeAttr = (s: string) => s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;')

function withToken(html: string, token: string): string {
  return html
    .replace(/<link[^>]+href="https:\/\/fonts\.googleapis\.com[^>]*>/g, '')
    .replace(
      '</head>',
      `<meta name="csrf-token" content="${escapeAttr(token)}"><script src="${QUEUE_DASHBOARD_CSRF_SCRIPT}"></script></head>`,
    )
}

/** A Bull Board error body (`{ error: { key } }`) in the app's error format, its key kept for its UI. */
function withAppErrorFields(request: FastifyRequest, reply: FastifyReply, payload: string): string {
  let body: unknown
  try {
    body = JSON.parse(payload)
  } catch {
    return payload
  }
  if (typeof body !== 'object' || body === null || 'reqId' in body) {
    return payload // already the one error handler's answer
  }
  const { error } = body as { error?: unknown }
  return JSON.stringify({
    statusCode: reply.statusCode,
    code: 'APP_QUEUE_DASHBOARD',
    message: statusMessage(reply.statusCode),
    reqId: request.id,
    ...(typeof error === 'object' && error !== null ? { error } : {}),
  })
}

/**
 * Bull Board's plugin, without the error handler it would set for its routes: its own scope's
 * `setErrorHandler` is made a no-op before the plugin runs, so the scope inherits the app's.
 */
function withoutOwnErrorHandler(plugin: ReturnType<FastifyAdapter['registerPlugin']>): FastifyPluginCallback {
  return (instance, opts, done) => {
    Object.defineProperty(instance, 'setErrorHandler', { value: () => instance, configurable: true })
    plugin(instance, opts, done)
  }
}

export default fp(
  async (fastify, opts: { queues: Queues }) => {
    const serverAdapter = new FastifyAdapter()
    serverAdapter.setBasePath(QUEUE_DASHBOARD_PATH)
    createBullBoard({
      queues: opts.queues.all().map((q) => new BullMQAdapter(q, { readOnlyMode: false })),
      serverAdapter,
      options: { uiConfig: { boardTitle: 'Repère — files', locale: { lng: 'fr-FR' }, hideDocsLink: true } },
    })
    await fastify.register(async (child) => {
      child.addHook('onRoute', (route) => {
        route.config = { ...(route.config ?? {}), access: ['admin'] }
      })
      child.addHook('preHandler', async (request, reply) => {
        if (isPage(request)) {
          // Before the reply is sent: the token's secret cookie is written with the headers.
          pageTokens.set(request, reply.generateCsrf())
        }
      })
      child.addHook('onSend', async (request, reply, payload) => {
        reply.header('content-security-policy', QUEUE_DASHBOARD_CSP)
        if (typeof payload !== 'string') {
          return payload
        }
        const token = pageTokens.get(request)
        if (token && String(reply.getHeader('content-type') ?? '').startsWith('text/html')) {
          reply.header('cache-control', 'no-store')
          return withToken(payload, token)
        }
        if (reply.statusCode >= 400 && String(reply.getHeader('content-type') ?? '').startsWith('application/json')) {
          return withAppErrorFields(request, reply, payload)
        }
        return payload
      })
      await child.register(withoutOwnErrorHandler(serverAdapter.registerPlugin()), { prefix: QUEUE_DASHBOARD_PATH })
    })
  },
  { name: 'queue-dashboard', dependencies: ['auth', 'error-handler'] },
)
