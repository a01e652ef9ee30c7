/**
 * Campaign messages: Handlebars templates written by university staff, compiled in strict mode
 * (a misspelt variable is an error, never a hole in a message), the default French templates,
 * and the pre-launch check. Variables are French so staff read them easily:
 * `{{prenom}}`, `{{lien}}` (the student's personal link), `{{desinscription}}` (one-click
 * unsubscribe, e-mail), `{{expediteur}}` (who writes), `{{mission_locale}}`.
 */
import Handlebars from 'handlebars'
import type { CampaignTemplates } from '../../db/schema/campaigns.ts'
import type { ConsentChannel } from '../../db/vocabulary/index.ts'
import { countSms, type SmsCount } from './sms-segments.ts'

export type MessageData = { prenom: string; lien: string; desinscription: string; expediteur: string; mission_locale: string }

/** What a preview and the check render with. The link has a real link's length. */
export const SAMPLE_DATA: MessageData = {
  prenom: 'Inès',
  lien: 'https://repere.example.fr/r/Xb3kP9qLm2Wd7RtYv4Zs',
  desinscription: 'https://repere.example.fr/desinscription/Xb3kP9qLm2Wd7RtYv4Zs',
  expediteur: 'Université de Reims',
  mission_locale: 'Mission Locale de Reims',
}

/** Written for a 19-year-old: short sentences, "tu", what it is, that it is free, how to say no. */
export const DEFAULT_TEMPLATES: CampaignTemplates = {
  subject: '{{prenom}}, un coup de main pour la suite ?',
  text: `Bonjour {{prenom}},

C’est {{expediteur}} qui t’écrit, avec la {{mission_locale}}.

Tu te poses des questions sur tes études, un job, ton logement ou ton budget ? Un conseiller peut en parler avec toi. C’est gratuit et sans engagement.

Choisis un créneau ou demande qu’on te rappelle : {{lien}}

Ce n’est pas pour toi ? Pas de souci, tu peux le dire sur la même page.

À bientôt,
{{expediteur}}

Ne plus recevoir ces messages : {{desinscription}}`,
  html: `<p>Bonjour {{prenom}},</p>
<p>C’est {{expediteur}} qui t’écrit, avec la {{mission_locale}}.</p>
<p>Tu te poses des questions sur tes études, un job, ton logement ou ton budget ? Un conseiller peut en parler avec toi. C’est gratuit et sans engagement.</p>
<p><a href="{{lien}}">Choisir un créneau ou demander qu’on me rappelle</a></p>
<p>Ce n’est pas pour toi ? Pas de souci, tu peux le dire sur la même page.</p>
<p>À bientôt,<br>{{expediteur}}</p>
<p style="font-size:small"><a href="{{desinscription}}">Ne plus recevoir ces messages</a></p>`,
  sms: "{{expediteur}} : {{prenom}}, un conseiller peut t'aider (études, job, logement). C'est gratuit : {{lien}}",
}

/** Added to every SMS: the free opt-out the CNIL requires. */
export const DEFAULT_STOP_MENTION = 'STOP au 36111'

export type RenderedMessage = { subject: string; html: string; text: string } | { sms: string }

const text = Handlebars.create()
const html = Handlebars.create()

/**
 * Compiled templates by source: a campaign renders the same three sources for thousands of
 * messages, and compiling costs far more than rendering. Bounded: cleared past COMPILED_MAX.
 */
const compiled = new Map<string, Handlebars.TemplateDelegate>()
const COMPILED_MAX = 200
function compiledOf(kind: 'text' | 'html', src: string): Handlebars.TemplateDelegate {
  const key = `${kind}\u0000${src}`
  let template = compiled.get(key)
  if (!template) {
    template = kind === 'text' ? text.compile(src, { strict: true, noEscape: true }) : html.compile(src, { strict: true })
    if (compiled.size >= COMPILED_MAX) {
      compiled.clear()
    }
    compiled.set(key, template)
  }
  return template
}

/** What a reminder's subject (e-mail) or text (SMS) starts with. */
export const REMINDER_LEAD = 'Petit rappel : '

export function renderMessage(
  channel: ConsentChannel,
  t: CampaignTemplates,
  data: MessageData,
  stopMention = DEFAULT_STOP_MENTION,
  opts: { reminder?: boolean } = {},
): RenderedMessage {
  const plain = (src: string) => compiledOf('text', src)(data)
  // A reminder says so first: the same words twice would read as a mistake (or as spam).
  const lead = (text: string) => (opts.reminder && !/^\s*(petit )?rappel/i.test(text) ? `${REMINDER_LEAD}${text}` : text)
  if (channel === 'sms') {
    return { sms: `${lead(plain(t.sms).trim())} ${stopMention}` }
  }
  return {
    subject: lead(plain(t.subject).replace(/\s+/g, ' ').trim()),
    text: `${plain(t.text).trim()}\n`,
    html: compiledOf('html', t.html)(data),
  }
}

export type CheckResult = {
  /** Launch is refused while any remain. */
  blocking: string[]
  warnings: string[]
  sms?: SmsCount
  preview?: RenderedMessage
}

/** Words that threaten or label a student: they push away the ones the message is for. */
const HARSH_WORDS = ['échec', 'décrocheur', 'décrocheuse', 'décrochage', 'abandon', 'sanction', 'radiation', 'convocation', 'obligatoire']
const MAX_WORDS = 20

const uses = (src: string, variable: string) => new RegExp(`{{{?\\s*${variable}\\s*}?}}`).test(src)

export function checkTemplates(channel: ConsentChannel, t: CampaignTemplates, stopMention = DEFAULT_STOP_MENTION): CheckResult {
  const blocking: string[] = []
  const warnings: string[] = []
  const parts: [string, string][] =
    channel === 'sms'
      ? [['SMS', t.sms]]
      : [
          ['objet', t.subject],
          ['texte', t.text],
          ['HTML', t.html],
        ]
  let preview: RenderedMessage | undefined
  try {
    preview = renderMessage(channel, t, SAMPLE_DATA, stopMention)
  } catch (err) {
    blocking.push(`Le modèle ne peut pas être utilisé : ${(err as Error).message.split('\n')[0]}`)
  }
  const bodies = parts.filter(([name]) => name !== 'objet')
  for (const [name, src] of bodies) {
    if (!uses(src, 'lien')) {
      blocking.push(`Le lien personnel {{lien}} manque dans le ${name}.`)
    }
    if (channel === 'email' && !uses(src, 'desinscription')) {
      blocking.push(`Le lien de désinscription {{desinscription}} manque dans le ${name}.`)
    }
  }
  if (!parts.some(([, src]) => uses(src, 'expediteur'))) {
    blocking.push('Le message doit dire qui écrit : ajoutez {{expediteur}}.')
  }
  if (preview) {
    const words = ('sms' in preview ? preview.sms : `${preview.subject}\n${preview.text}`).toLowerCase()
    for (const w of HARSH_WORDS) {
      if (new RegExp(`(^|[^\\p{L}])${w}`, 'u').test(words)) {
        warnings.push(`« ${w} » peut blesser ou faire peur : préférez des mots qui proposent une aide.`)
      }
    }
    const plain = 'sms' in preview ? preview.sms : preview.text
    for (const sentence of plain.replace(/https?:\/\/\S+/g, 'lien').split(/(?<=[.!?…])\s+|\n+/)) {
      const n = sentence.split(/\s+/).filter((x) => /[\p{L}\p{N}]/u.test(x)).length
      if (n > MAX_WORDS) {
        warnings.push(`Phrase de ${n} mots (plus de ${MAX_WORDS}) : « ${sentence.trim().slice(0, 60)}… »`)
      }
    }
  }
  const result: CheckResult = { blocking, warnings, ...(preview ? { preview } : {}) }
  if (preview && 'sms' in preview) {
    const sms = countSms(preview.sms)
    result.sms = sms
    if (sms.segments > 1) {
      const why = sms.encoding === 'UCS-2' ? ` ; ces caractères passent le message en UCS-2 (70 par SMS) : ${sms.nonGsm.join(' ')}` : ''
      warnings.push(
        `Le SMS fera ${sms.segments} parties (${sms.units} ${sms.encoding === 'GSM-7' ? 'caractères GSM' : 'caractères UCS-2'})${why}.`,
      )
    }
  }
  return result
}
