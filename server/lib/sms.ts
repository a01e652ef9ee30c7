/**
 * Outgoing SMS behind one interface: an HTTP provider (SMS_PROVIDER_URL, SMS_PROVIDER_KEY) in
 * production, and in dev and tests a sink that keeps what would have been sent.
 */
export type SmsMessage = { to: string; text: string }
export type SmsSender = { send(msg: SmsMessage): Promise<{ providerId: string }> }

export function devSmsSink(): SmsSender & { sent: SmsMessage[] } {
  const sent: SmsMessage[] = []
  return {
    sent,
    send(msg) {
      sent.push(msg)
      return Promise.resolve({ providerId: `dev-sms-${sent.length}` })
    },
  }
}

/** A provider error the worker should not retry (bad number, refused content). */
export class SmsPermanentError extends Error {
  readonly permanent = true
}

/**
 * A JSON-over-HTTP provider: POST {to, text} with a Bearer key; answers {id}. 4xx (except 408 and
 * 429) is permanent, anything else is retried by the job.
 */
export function httpSmsSender(opts: { url: string; key: string; fetch?: typeof fetch }): SmsSender {
  const doFetch = opts.fetch ?? fetch
  return {
    async send(msg) {
      const res = await doFetch(opts.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${opts.key}` },
        body: JSON.stringify({ to: msg.to, text: msg.text }),
        signal: AbortSignal.timeout(15_000),
      })
      if (!res.ok) {
        const err = `SMS provider answered ${res.status}`
        throw res.status >= 400 && res.status < 500 && res.status !== 408 && res.status !== 429
          ? new SmsPermanentError(err)
          : new Error(err)
      }
      const body = (await res.json().catch(() => ({}))) as { id?: unknown }
      return { providerId: typeof body.id === 'string' || typeof body.id === 'number' ? String(body.id) : 'unknown' }
    },
  }
}
