import { describe, expect, it } from 'vitest'
import { checkTemplates, DEFAULT_TEMPLATES, REMINDER_LEAD, renderMessage, SAMPLE_DATA } from '../../../server/lib/campaign-templates.ts'

describe('campaign templates', () => {
  it('the default templates pass the check on both channels, the SMS in one GSM-7 part', () => {
    const email = checkTemplates('email', DEFAULT_TEMPLATES)
    expect(email.blocking).toEqual([])
    expect(email.warnings).toEqual([])
    const sms = checkTemplates('sms', DEFAULT_TEMPLATES)
    expect(sms.blocking).toEqual([])
    expect(sms.sms).toMatchObject({ encoding: 'GSM-7', segments: 1 })
    expect(sms.preview && 'sms' in sms.preview && sms.preview.sms).toMatch(/STOP au \d+$/)
  })

  it('blocks a template without the personal link, the opt-out or the sender', () => {
    const r = checkTemplates('email', {
      ...DEFAULT_TEMPLATES,
      text: 'Bonjour {{prenom}}',
      html: '<p>{{lien}} {{desinscription}}</p>',
      subject: 'Salut',
    })
    expect(r.blocking).toEqual([
      'Le lien personnel {{lien}} manque dans le texte.',
      'Le lien de désinscription {{desinscription}} manque dans le texte.',
      'Le message doit dire qui écrit : ajoutez {{expediteur}}.',
    ])
  })

  it('strict mode: an unknown variable blocks instead of leaving a hole', () => {
    const r = checkTemplates('sms', { ...DEFAULT_TEMPLATES, sms: '{{expediteur}} {{prénom}} {{lien}}' })
    expect(r.blocking[0]).toMatch(/ne peut pas être utilisé/)
    expect(() => renderMessage('sms', { ...DEFAULT_TEMPLATES, sms: '{{nom}}' }, SAMPLE_DATA)).toThrow()
  })

  it('warns on labels, long sentences and SMS that turn to UCS-2', () => {
    const r = checkTemplates('sms', {
      ...DEFAULT_TEMPLATES,
      sms: '{{expediteur}} : tu es en échec et tu risques de devenir un décrocheur, alors viens vite nous voir à la mission locale car nous pouvons vraiment beaucoup t’aider : {{lien}}',
    })
    expect(r.blocking).toEqual([])
    expect(r.warnings.some((w) => w.includes('« échec »'))).toBe(true)
    expect(r.warnings.some((w) => w.includes('« décrocheur »'))).toBe(true)
    expect(r.warnings.some((w) => w.startsWith('Phrase de'))).toBe(true)
    expect(r.sms).toMatchObject({ encoding: 'UCS-2' })
    expect(r.warnings.some((w) => w.includes('UCS-2') && w.includes('’'))).toBe(true)
  })

  it('escapes variables in HTML, not in text', () => {
    const m = renderMessage('email', DEFAULT_TEMPLATES, { ...SAMPLE_DATA, prenom: '<b>Zoé</b>' })
    expect('html' in m && m.html).toContain('&lt;b&gt;Zoé&lt;/b&gt;')
    expect('text' in m && m.text).toContain('<b>Zoé</b>')
  })

  it('a reminder says so first, once, in the subject of an e-mail and at the start of an SMS', () => {
    const first = renderMessage('email', DEFAULT_TEMPLATES, SAMPLE_DATA)
    const again = renderMessage('email', DEFAULT_TEMPLATES, SAMPLE_DATA, undefined, { reminder: true })
    expect('subject' in again && again.subject).toBe(`${REMINDER_LEAD}${'subject' in first && first.subject}`)
    const sms = renderMessage('sms', DEFAULT_TEMPLATES, SAMPLE_DATA, 'STOP au 36111', { reminder: true })
    expect('sms' in sms && sms.sms.startsWith(REMINDER_LEAD)).toBe(true)
    const own = renderMessage('email', { ...DEFAULT_TEMPLATES, subject: 'Rappel : {{prenom}}' }, SAMPLE_DATA, undefined, { reminder: true })
    expect('subject' in own && own.subject).toBe('Rappel : Inès')
  })
})
