/**
 * The consent ledger (issue #10): per student and channel, whether they agreed to be contacted.
 * `withdrawn`: they took their consent back for this channel (or the university's file says
 * no); `objected`: they objected to any outreach (RGPD art. 21), on every channel, for good.
 */
export const CONSENT_CHANNELS = ['email', 'sms'] as const
export type ConsentChannel = (typeof CONSENT_CHANNELS)[number]

export const CONSENT_STATUSES = ['given', 'withdrawn', 'objected'] as const
export type ConsentStatus = (typeof CONSENT_STATUSES)[number]

export const CONSENT_STATUS_LABELS: Record<ConsentStatus, string> = {
  given: 'Consentement donné',
  withdrawn: 'Consentement retiré',
  objected: 'Opposition',
}

export const CONSENT_CHANNEL_LABELS: Record<ConsentChannel, string> = { email: 'E-mail', sms: 'SMS' }
