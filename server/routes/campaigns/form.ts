/**
 * The campaign form (create and edit a draft): what staff typed, read and checked field by field
 * so each mistake is said in French next to its field and the form comes back filled in. The
 * service checks the rules again (validate() in campaign.service.ts); these checks only spare a
 * round trip and point at the field. Field names are French, as on the risk list's filters.
 */
import type { Campaign, CampaignSegment, CampaignTemplates } from '../../../db/schema/campaigns.ts'
import { BANDS, type Band, type ConsentChannel } from '../../../db/vocabulary/index.ts'
import { DEFAULT_TEMPLATES } from '../../lib/campaign-templates.ts'
import { DEFAULT_SEND_WINDOW, type CampaignInput } from '../../services/campaign.service.ts'
import { formResult, type FieldError, type FormResult } from '../r/forms.ts'

export type CampaignFormValues = {
  nom: string
  canal: ConsentChannel
  universite: string
  missions: string[]
  bande: string
  top: string
  composante: string
  etape: string
  niveau: string
  campus: string
  temoin: string
  recent: string
  jours: number[]
  debut: string
  fin: string
  debit: string
  relances: string
  capaciteJours: string
  capaciteFacteur: string
  objet: string
  html: string
  texte: string
  sms: string
}

/** The limits of the JSON API's schema (server/routes/api/campaigns.ts), kept here for the form. */
const MAX = { nom: 200, segment: 200, objet: 300, texte: 20_000, html: 50_000, sms: 1_000 }
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i
const TIME = /^([01]\d|2[0-3]):[0-5]\d$/

const str = (v: unknown, max: number): string => (typeof v === 'string' ? v.slice(0, max) : '')
const list = (v: unknown): string[] => (Array.isArray(v) ? v : v === undefined ? [] : [v]).filter((x): x is string => typeof x === 'string')
/** `0,5` or `0.5` → 0.5; null when not a number. */
const decimal = (s: string): number | null => {
  const t = s.trim().replace(',', '.')
  return /^-?\d+(\.\d+)?$/.test(t) ? Number(t) : null
}
const integer = (s: string): number | null => (/^-?\d+$/.test(s.trim()) ? Number(s.trim()) : null)
const percent = (share: number) => String(Math.round(share * 1000) / 10).replace('.', ',')

/** The form as first shown: the service's defaults and the French default templates. */
export function defaultValues(): CampaignFormValues {
  return {
    nom: '',
    canal: 'email',
    universite: '',
    missions: [],
    bande: 'eleve',
    top: '',
    composante: '',
    etape: '',
    niveau: '',
    campus: '',
    temoin: '10',
    recent: '30',
    jours: [...DEFAULT_SEND_WINDOW.days],
    debut: DEFAULT_SEND_WINDOW.start,
    fin: DEFAULT_SEND_WINDOW.end,
    debit: '60',
    relances: '3, 7',
    capaciteJours: '10',
    capaciteFacteur: '1',
    objet: DEFAULT_TEMPLATES.subject,
    html: DEFAULT_TEMPLATES.html,
    texte: DEFAULT_TEMPLATES.text,
    sms: DEFAULT_TEMPLATES.sms,
  }
}

/** A draft, as the edit form shows it. */
export function campaignValues(c: Campaign): CampaignFormValues {
  return {
    nom: c.name,
    canal: c.channel,
    universite: c.universityId,
    missions: c.territoryIds,
    bande: c.segment.band ?? '',
    top: c.segment.topN ? String(c.segment.topN) : '',
    composante: c.segment.faculty ?? '',
    etape: c.segment.stepCode ?? '',
    niveau: c.segment.level ?? '',
    campus: c.segment.campus ?? '',
    temoin: percent(c.controlShare),
    recent: String(c.recentDays),
    jours: c.sendWindow.days,
    debut: c.sendWindow.start,
    fin: c.sendWindow.end,
    debit: String(c.ratePerMinute),
    relances: c.reminderDays.join(', '),
    capaciteJours: String(c.capacityDays),
    capaciteFacteur: String(c.capacityFactor).replace('.', ','),
    objet: c.templates.subject,
    html: c.templates.html,
    texte: c.templates.text,
    sms: c.templates.sms,
  }
}

/** What staff typed, as it goes back into the form. */
export function formValues(body: Record<string, unknown>): CampaignFormValues {
  return {
    nom: str(body.nom, MAX.nom).trim(),
    canal: body.canal === 'sms' ? 'sms' : 'email',
    universite: UUID.test(str(body.universite, 36)) ? str(body.universite, 36) : '',
    missions: [...new Set(list(body.missions))].slice(0, 10),
    bande: str(body.bande, 20),
    top: str(body.top, 10),
    composante: str(body.composante, MAX.segment),
    etape: str(body.etape, MAX.segment),
    niveau: str(body.niveau, MAX.segment),
    campus: str(body.campus, MAX.segment),
    temoin: str(body.temoin, 10),
    recent: str(body.recent, 10),
    jours: [...new Set(list(body.jours).map(Number))].filter((d) => Number.isInteger(d) && d >= 1 && d <= 7).sort(),
    debut: str(body.debut, 5),
    fin: str(body.fin, 5),
    debit: str(body.debit, 10),
    relances: str(body.relances, 50),
    capaciteJours: str(body.capaciteJours, 10),
    capaciteFacteur: str(body.capaciteFacteur, 10),
    objet: str(body.objet, MAX.objet),
    html: str(body.html, MAX.html),
    texte: str(body.texte, MAX.texte),
    sms: str(body.sms, MAX.sms),
  }
}

export type SegmentInput = Pick<CampaignInput, 'channel' | 'territoryIds' | 'segment' | 'controlShare' | 'recentDays' | 'universityId'>

/**
 * The values as the service's input. `forCount` checks only what the live count needs (the
 * segment, territories, control share), so the count can be refreshed while the rest is unfinished.
 */
export function readCampaignForm(v: CampaignFormValues, forCount = false): FormResult<CampaignInput> {
  const errors: FieldError[] = []
  const add = (field: string, message: string) => errors.push({ field, message })

  if (!forCount && !v.nom) {
    add('nom', 'Donnez un nom à la campagne.')
  }
  if (v.missions.length === 0) {
    add('missions', 'Choisissez au moins une Mission Locale.')
  } else if (v.missions.some((m) => !UUID.test(m))) {
    add('missions', 'Une des Missions Locales choisies n’existe pas.')
  }
  const segment: CampaignSegment = {}
  if (v.bande) {
    if ((BANDS as readonly string[]).includes(v.bande)) {
      segment.band = v.bande as Band
    } else {
      add('bande', 'Choisissez une bande de risque de la liste.')
    }
  }
  if (v.top.trim()) {
    const n = integer(v.top)
    if (n === null || n < 1 || n > 100_000) {
      add('top', 'Indiquez un nombre entier d’étudiants, entre 1 et 100 000.')
    } else {
      segment.topN = n
    }
  }
  for (const [field, key] of [
    ['composante', 'faculty'],
    ['etape', 'stepCode'],
    ['niveau', 'level'],
    ['campus', 'campus'],
  ] as const) {
    if (v[field].trim()) {
      segment[key] = v[field].trim()
    }
  }
  const share = decimal(v.temoin)
  if (share === null || share < 0 || share > 50) {
    add('temoin', 'Le groupe témoin doit être entre 0 et 50 %.')
  }
  const recent = integer(v.recent)
  if (recent === null || recent < 0 || recent > 365) {
    add('recent', 'Indiquez un nombre de jours entre 0 et 365.')
  }
  const input: CampaignInput = {
    name: v.nom,
    channel: v.canal,
    territoryIds: v.missions,
    segment,
    controlShare: (share ?? 0) / 100,
    recentDays: recent ?? 30,
    ...(UUID.test(v.universite) ? { universityId: v.universite } : {}),
  }
  if (forCount) {
    return formResult(errors, input)
  }

  if (v.jours.length === 0) {
    add('jours', 'Choisissez au moins un jour d’envoi.')
  }
  if (!TIME.test(v.debut)) {
    add('debut', 'Indiquez une heure au format 09:00.')
  }
  if (!TIME.test(v.fin)) {
    add('fin', 'Indiquez une heure au format 19:00.')
  } else if (TIME.test(v.debut) && v.debut >= v.fin) {
    add('fin', 'La fin de la plage d’envoi doit venir après son début.')
  }
  const rate = integer(v.debit)
  if (rate === null || rate < 1 || rate > 6000) {
    add('debit', 'Le débit doit être entre 1 et 6000 messages par minute.')
  }
  const reminders = v.relances
    .split(/[\s,;]+/)
    .filter(Boolean)
    .map((d) => integer(d))
  if (reminders.length > 3 || reminders.some((d) => d === null || d < 1 || d > 60)) {
    add('relances', 'Au plus 3 relances, chacune entre 1 et 60 jours après l’invitation (exemple : 3, 7).')
  }
  const capacityDays = integer(v.capaciteJours)
  if (capacityDays === null || capacityDays < 1 || capacityDays > 60) {
    add('capaciteJours', 'La capacité se compte sur 1 à 60 jours.')
  }
  const factor = decimal(v.capaciteFacteur)
  if (factor === null || factor <= 0 || factor > 10) {
    add('capaciteFacteur', 'Le facteur de capacité doit être plus grand que 0 et au plus 10 (exemple : 1 ou 1,5).')
  }
  const templates: Partial<CampaignTemplates> =
    v.canal === 'sms' ? { sms: v.sms } : { subject: v.objet.replace(/\s+/g, ' ').trim(), html: v.html, text: v.texte }
  if (v.canal === 'sms' && !v.sms.trim()) {
    add('sms', 'Écrivez le texte du SMS.')
  }
  if (v.canal === 'email') {
    if (!v.objet.trim()) {
      add('objet', 'Écrivez l’objet de l’e-mail.')
    }
    if (!v.html.trim()) {
      add('html', 'Écrivez la version HTML de l’e-mail.')
    }
    if (!v.texte.trim()) {
      add('texte', 'Écrivez la version texte de l’e-mail.')
    }
  }
  return formResult(errors, {
    ...input,
    sendWindow: { days: v.jours, start: v.debut, end: v.fin },
    ratePerMinute: rate ?? 60,
    reminderDays: reminders.filter((d): d is number => d !== null),
    capacityDays: capacityDays ?? 10,
    capacityFactor: factor ?? 1,
    templates,
  })
}

/** The templates the check and the preview read: the form's, over the defaults. */
export function formTemplates(v: CampaignFormValues): CampaignTemplates {
  return { subject: v.objet, html: v.html, text: v.texte, sms: v.sms }
}
