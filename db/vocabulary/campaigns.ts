/** Campaigns (issue #10): outreach to consenting students, paced by counsellors' capacity. */

/** draft → scheduled → running ⇄ paused → finished | cancelled (server/services/campaign.service.ts). */
export const CAMPAIGN_STATUSES = ['draft', 'scheduled', 'running', 'paused', 'finished', 'cancelled'] as const
export type CampaignStatus = (typeof CAMPAIGN_STATUSES)[number]

export const CAMPAIGN_STATUS_LABELS: Record<CampaignStatus, string> = {
  draft: 'Brouillon',
  scheduled: 'Programmée',
  running: 'En cours',
  paused: 'En pause',
  finished: 'Terminée',
  cancelled: 'Annulée',
}

/** Which transitions each state allows. */
export const CAMPAIGN_TRANSITIONS: Record<CampaignStatus, readonly CampaignStatus[]> = {
  draft: ['scheduled', 'cancelled'],
  scheduled: ['running', 'draft', 'cancelled'],
  running: ['paused', 'finished', 'cancelled'],
  paused: ['running', 'cancelled'],
  finished: [],
  cancelled: [],
}

/** treated: may be contacted; control: never contacted, kept for the impact figures. */
export const CAMPAIGN_ARMS = ['treated', 'control'] as const
export type CampaignArm = (typeof CAMPAIGN_ARMS)[number]

/** queued → sending (claimed) → sent | failed | bounced; `skipped`: consent or suppression changed before sending. */
export const MESSAGE_STATUSES = ['queued', 'sending', 'sent', 'failed', 'bounced', 'skipped'] as const
export type MessageStatus = (typeof MESSAGE_STATUSES)[number]

/** Why a student of the segment is not reached, in the order they are checked (each student counts once). */
export const EXCLUSION_REASONS = [
  'no_contact',
  'no_consent',
  'suppressed',
  'in_case_or_booked',
  'recently_contacted',
  'out_of_territory',
] as const
export type ExclusionReason = (typeof EXCLUSION_REASONS)[number]

export const EXCLUSION_LABELS: Record<ExclusionReason, string> = {
  no_contact: 'Pas d’adresse pour ce canal',
  no_consent: 'Pas de consentement pour ce canal',
  suppressed: 'Opposition (liste d’exclusion)',
  in_case_or_booked: 'Déjà suivi ou rendez-vous pris',
  recently_contacted: 'Déjà contacté récemment',
  out_of_territory: 'Hors des territoires visés',
}
