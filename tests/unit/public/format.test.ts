import { describe, expect, it } from 'vitest'
import { dayLabel, phoneHref, timeLabel, whenLabel } from '../../../server/routes/r/format.ts'
import { loggedUrl } from '../../../server/lib/logger.ts'
import { org } from '../../../server/routes/r/view-models.ts'

describe('student page formats', () => {
  it('writes Paris wall-clock times, on both sides of the daylight-saving change', () => {
    // 29 March 2026: clocks go from 02:00 to 03:00 in Paris.
    expect(timeLabel(new Date('2026-03-27T08:30:00Z'))).toBe('9 h 30')
    expect(timeLabel(new Date('2026-03-30T07:30:00Z'))).toBe('9 h 30')
    expect(timeLabel(new Date('2026-03-30T12:00:00Z'))).toBe('14 h')
    expect(whenLabel(new Date('2026-03-30T07:30:00Z'))).toBe('lundi 30 mars à 9 h 30')
    expect(dayLabel(new Date('2026-10-25T23:30:00Z'))).toBe('lundi 26 octobre')
  })

  it('dials French numbers internationally', () => {
    expect(phoneHref('03 26 00 00 00')).toBe('+33326000000')
    expect(phoneHref('+33 3 26 00 00 00')).toBe('+33326000000')
  })
})

describe('request logs', () => {
  it('never show the code of a personal or manage link, nor its query', () => {
    expect(loggedUrl({ url: '/r/AbCdEfGhIjKlMnOpQrStUv/pourquoi', routeOptions: { url: '/r/:code/pourquoi' } })).toBe('/r/:code/pourquoi')
    expect(loggedUrl({ url: '/r/gerer/AbCdEfGhIjKlMnOpQrStUv', routeOptions: { url: '/r/gerer/:manageCode' } })).toBe(
      '/r/gerer/:manageCode',
    )
    expect(loggedUrl({ url: '/r/AbCd/x/y?creneau=k', routeOptions: {} })).toBe('/r/…')
    expect(loggedUrl({ url: '/r?x=1' })).toBe('/r/…')
  })
  it('leave other URLs alone', () => {
    expect(loggedUrl({ url: '/imports/42?page=2', routeOptions: { url: '/imports/:id' } })).toBe('/imports/42?page=2')
    expect(loggedUrl({ url: '/rapports' })).toBe('/rapports')
  })
})

describe('« pourquoi » names the DPO', () => {
  const resolved = { university: { id: 'u', name: 'Université de Reims Champagne-Ardenne', shortName: 'URCA' }, missionLocale: null }
  it('by the configured address when there is one', () => {
    expect(org(resolved, 'dpo@example.fr').university?.dpo.email).toBe('dpo@example.fr')
  })
  it('else by a sentence that says where to write', () => {
    const dpo = org(resolved).university?.dpo
    expect(dpo?.email).toBeNull()
    expect(dpo?.text).toContain('délégué à la protection des données')
  })
})
