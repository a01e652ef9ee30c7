/**
 * Outgoing SMS. The campaign issue brings the real provider behind this interface; until then
 * the dev sink keeps messages in memory (and the worker logs that one was "sent", without the
 * number or the text).
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
