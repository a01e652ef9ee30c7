/** The consortium's organisations, their places, and how communes map to a Mission Locale. */
export const ORGANISATION_KINDS = ['university', 'mission_locale', 'partner'] as const
export type OrganisationKind = (typeof ORGANISATION_KINDS)[number]

export const SITE_KINDS = ['agency', 'antenna', 'campus_permanence', 'itinerant'] as const
export type SiteKind = (typeof SITE_KINDS)[number]

export const SITE_MODALITIES = ['in_person', 'phone', 'video'] as const
export type SiteModality = (typeof SITE_MODALITIES)[number]

export const COMMUNE_MAPPING_STATUSES = ['confirmed', 'inferred', 'none'] as const
export type CommuneMappingStatus = (typeof COMMUNE_MAPPING_STATUSES)[number]
