/**
 * Exact SMS segment counting (3GPP TS 23.038): a text that fits the GSM 7-bit alphabet costs one
 * septet per character (two for the extension table: ^ { } \ [ ~ ] | €), 160 in one SMS or 153
 * per part when split; any other character (ê, ç, â, ’, emoji…) switches the whole message to
 * UCS-2: 70 UTF-16 units in one SMS, 67 per part. A part never splits an escape sequence or a
 * surrogate pair.
 */
const GSM_BASIC =
  '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\u001bÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà'
const GSM_EXTENDED = '\f^{}\\[~]|€'
const BASIC = new Set([...GSM_BASIC])
const EXTENDED = new Set([...GSM_EXTENDED])

export type SmsEncoding = 'GSM-7' | 'UCS-2'
export type SmsCount = {
  encoding: SmsEncoding
  /** Septets (GSM-7) or UTF-16 code units (UCS-2). */
  units: number
  segments: number
  /** The characters that forced UCS-2, if any (distinct, in order of appearance). */
  nonGsm: string[]
}

export function countSms(text: string): SmsCount {
  const chars = [...text]
  const nonGsm = [...new Set(chars.filter((c) => !BASIC.has(c) && !EXTENDED.has(c)))]
  if (nonGsm.length === 0) {
    const costs = chars.map((c) => (EXTENDED.has(c) ? 2 : 1))
    return { encoding: 'GSM-7', units: sum(costs), segments: segmentsOf(costs, 160, 153), nonGsm }
  }
  const costs = chars.map((c) => c.length) // surrogate pairs cost 2 units
  return { encoding: 'UCS-2', units: sum(costs), segments: segmentsOf(costs, 70, 67), nonGsm }
}

const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0)

function segmentsOf(costs: number[], single: number, part: number): number {
  const total = sum(costs)
  if (total === 0) {
    return 0
  }
  if (total <= single) {
    return 1
  }
  let segments = 1
  let used = 0
  for (const c of costs) {
    if (used + c > part) {
      segments++
      used = 0
    }
    used += c
  }
  return segments
}
