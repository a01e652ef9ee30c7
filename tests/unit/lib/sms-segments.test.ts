import { describe, expect, it } from 'vitest'
import { countSms } from '../../../server/lib/sms-segments.ts'

describe('SMS segments', () => {
  it('counts GSM-7 exactly, extension characters included', () => {
    expect(countSms('a'.repeat(160))).toMatchObject({ encoding: 'GSM-7', units: 160, segments: 1 })
    expect(countSms('a'.repeat(161))).toMatchObject({ encoding: 'GSM-7', segments: 2 })
    expect(countSms('a'.repeat(306))).toMatchObject({ segments: 2 })
    expect(countSms('a'.repeat(307))).toMatchObject({ segments: 3 })
    // € costs two septets: 159 + 2 = 161 → two parts.
    expect(countSms(`${'a'.repeat(159)}€`)).toMatchObject({ encoding: 'GSM-7', units: 161, segments: 2 })
    // é, è, à are in the GSM alphabet.
    expect(countSms('Salut, ça va ?').encoding).toBe('UCS-2')
    expect(countSms('Été à Reims, élève').encoding).toBe('GSM-7')
  })

  it('switches to UCS-2 on ê, ç or a typographic apostrophe, and names them', () => {
    const c = countSms('Tu peux être aidé, c’est gratuit')
    expect(c).toMatchObject({ encoding: 'UCS-2', segments: 1, nonGsm: ['ê', '’'] })
    expect(countSms('ê'.repeat(70)).segments).toBe(1)
    expect(countSms('ê'.repeat(71)).segments).toBe(2)
    expect(countSms('ê'.repeat(134)).segments).toBe(2)
    expect(countSms('ê'.repeat(135)).segments).toBe(3)
  })

  it('never splits an escape sequence across parts', () => {
    // 152 septets then €: the escape pair does not fit in the first part's 153 → it moves on.
    const c = countSms(`${'a'.repeat(152)}€${'a'.repeat(153)}`)
    expect(c.units).toBe(307)
    expect(c.segments).toBe(3)
  })
})
