/**
 * The queue dashboard (Bull Board at /admin/queues) in a real browser: an admin retries a failed
 * job from the page. Its requests carry the CSRF token (server/public/queue-dashboard-csrf.js),
 * its page works under its CSP (no console error), and a request without the token is refused
 * in French, without a stack trace.
 */
import { Worker } from 'bullmq'
import { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  launchBrowser,
  loginThroughPage,
  LAPTOP,
  screenshot,
  startBrowserApp,
  watchProblems,
  type Browser,
  type BrowserApp,
} from '../helpers/browser.ts'

let t: BrowserApp
let browser: Browser

beforeAll(async () => {
  t = await startBrowserApp()
  browser = await launchBrowser()
})
afterAll(async () => {
  await browser?.close()
  await t?.close()
})

/** A job of the scoring queue that failed once, with no worker left to take it again. */
async function failedJob(jobId: string): Promise<void> {
  const queue = t.app.services.queues.get('scoring')
  await queue.add('score.cohort', { organisationId: '00000000-0000-4000-8000-000000000000' }, { jobId, attempts: 1 })
  const connection = new Redis(t.config.REDIS_URL, { maxRetriesPerRequest: null })
  const worker = new Worker(
    'scoring',
    () => {
      throw new Error('échec voulu par le test')
    },
    { connection, prefix: t.config.REDIS_PREFIX },
  )
  await new Promise((resolve) => worker.on('failed', resolve))
  await worker.close()
  connection.disconnect()
}

describe('queue dashboard', () => {
  it('lets an admin retry failed jobs from the page, under its CSP, with CSRF protection', async () => {
    await failedJob('dashboard-retry-1')
    const queue = t.app.services.queues.get('scoring')
    expect(await queue.getJobState('dashboard-retry-1')).toBe('failed')

    const context = await browser.newContext({ viewport: LAPTOP, locale: 'fr-FR' })
    const page = await context.newPage()
    const problems = watchProblems(page)
    const thirdParty: string[] = []
    page.on('request', (req) => {
      if (!req.url().startsWith(t.baseUrl)) {
        thirdParty.push(req.url())
      }
    })
    await loginThroughPage(page, t.baseUrl, 'admin@demo.repere.test')

    const response = await page.goto(`${t.baseUrl}/admin/queues/queue/scoring?status=failed`)
    const csp = response?.headers()['content-security-policy'] ?? ''
    expect(csp).toContain("script-src 'self'")
    expect(csp).toContain("frame-ancestors 'none'")
    expect(csp).not.toContain('unsafe-eval')

    await page.getByRole('button', { name: 'Tout réessayer' }).click()
    const confirmed = page.waitForResponse((res) => res.request().method() === 'PUT' && res.url().includes('/retry/'))
    await page.getByRole('button', { name: 'Confirmer' }).click()
    const retry = await confirmed
    expect(retry.status(), await retry.text()).toBe(200)
    expect(retry.request().headers()['x-csrf-token']).toBeTruthy()
    await expect.poll(() => queue.getJobState('dashboard-retry-1'), { timeout: 5_000 }).toBe('waiting')
    await screenshot(page, 'queue-dashboard')

    expect(problems).toEqual([])
    expect(thirdParty).toEqual([])

    // The same action with the session cookie but without the token: refused, in French, no stack.
    const forged = await context.request.put(`${t.baseUrl}/admin/queues/api/queues/scoring/retry/failed`)
    expect(forged.status()).toBe(403)
    const body = (await forged.json()) as { message: string; reqId: string; stack?: unknown; details?: unknown }
    expect(body.message).toBe('Le formulaire a expiré ou ne vient pas de Repère. Rechargez la page et recommencez.')
    expect(body.reqId).toBeTruthy()
    expect(JSON.stringify(body)).not.toMatch(/node_modules|\.js:\d+|\bat \w/)
    await context.close()
  })
})
