import { describe, expect, it } from 'vitest'
import {
  academicYearOf,
  birthYearParser,
  decimalParser,
  headerMatchKey,
  integerParser,
  looksLikeEmail,
  looksLikeFrenchPhone,
  looksLikeIne,
  looksLikeNir,
  mondayOf,
  normaliseHeader,
  parseAcademicYear,
  parseBoolean,
  parseDate,
  parseEmail,
  parsePhone,
  PHONE_REASON,
  parsePseudoId,
  parseTime,
  parseWeek,
  slugify,
  trimCell,
} from '../../../server/services/imports/values.ts'

const value = (r: { ok: boolean; value?: unknown; reason?: string }): unknown => {
  if (!r.ok) {
    throw new Error(`expected ok, got: ${r.reason}`)
  }
  return r.value
}
const reason = (r: { ok: boolean; reason?: string }): string => {
  if (r.ok) {
    throw new Error('expected an error')
  }
  return r.reason!
}

describe('headers', () => {
  it('normalises accents, case, spaces, underscores, hyphens and dots', () => {
    expect(normaliseHeader("  Numéro_d'Étudiant ")).toBe('numero d etudiant')
    expect(normaliseHeader('CODE-ELP')).toBe('code elp')
    expect(normaliseHeader('Année.Univ')).toBe('annee univ')
    expect(normaliseHeader('Cœur  de   cible')).toBe('coeur de cible')
    expect(headerMatchKey('Code ELP')).toBe(headerMatchKey('code_elp'))
    expect(headerMatchKey('Statut présence')).toBe(headerMatchKey('STATUT_PRESENCE'))
    expect(slugify('Indicateur – Heures de tutorat')).toBe('indicateur_heures_de_tutorat')
  })

  it('trims spaces including no-break spaces, without copying when not needed', () => {
    const s = 'abc'
    expect(trimCell(s)).toBe(s)
    expect(trimCell(' 12/09/2024 ')).toBe('12/09/2024')
    expect(trimCell('\u00a0ABI\u00a0')).toBe('ABI')
  })
})

describe('dates', () => {
  it('accepts the French and ISO forms and returns ISO dates', () => {
    expect(value(parseDate('07/10/2024'))).toBe('2024-10-07')
    expect(value(parseDate('7/1/2025'))).toBe('2025-01-07')
    expect(value(parseDate('07-10-2024'))).toBe('2024-10-07')
    expect(value(parseDate('07.10.2024'))).toBe('2024-10-07')
    expect(value(parseDate('2024-10-07'))).toBe('2024-10-07')
    expect(value(parseDate('07/10/2024 00:00:00'))).toBe('2024-10-07')
    expect(value(parseDate('2024-10-07T08:30:00'))).toBe('2024-10-07')
    expect(value(parseDate('29/02/2024'))).toBe('2024-02-29')
  })

  it('checks the calendar', () => {
    expect(reason(parseDate('31/02/2025'))).toMatch(/n'existe pas/)
    expect(reason(parseDate('29/02/2025'))).toMatch(/29\/02\/2025/)
    expect(reason(parseDate('31/04/2025'))).toMatch(/n'existe pas/)
    expect(reason(parseDate('2025-02-30'))).toMatch(/n'existe pas/)
    expect(reason(parseDate('12/13/2024'))).toMatch(/mois 13/)
    expect(parseDate('31/12/1899').ok).toBe(false)
  })

  it('explains common spreadsheet mistakes', () => {
    expect(reason(parseDate('45572'))).toMatch(/Excel/)
    expect(reason(parseDate('07/10/24'))).toMatch(/4 chiffres/)
    expect(reason(parseDate('le 7 octobre'))).toBe('date invalide : attendu jj/mm/aaaa (ou aaaa-mm-jj)')
  })

  it('parses times', () => {
    expect(value(parseTime('8:30'))).toBe('08:30')
    expect(value(parseTime('14h'))).toBe('14:00')
    expect(value(parseTime('14:05:00'))).toBe('14:05')
    expect(parseTime('25:00').ok).toBe(false)
  })
})

describe('weeks', () => {
  it('turns ISO weeks and dates into the Monday', () => {
    expect(value(parseWeek('2024-W41'))).toBe('2024-10-07')
    expect(value(parseWeek('2024W41'))).toBe('2024-10-07')
    expect(value(parseWeek('2025-W01'))).toBe('2024-12-30')
    expect(value(parseWeek('2020-W53'))).toBe('2020-12-28')
    expect(value(parseWeek('07/10/2024'))).toBe('2024-10-07')
    expect(value(parseWeek('13/10/2024'))).toBe('2024-10-07') // a Sunday
    expect(reason(parseWeek('2024-W53'))).toMatch(/n'existe pas/)
    expect(parseWeek('semaine 41').ok).toBe(false)
  })

  it('finds Mondays across month and year ends', () => {
    expect(mondayOf('2025-01-01')).toBe('2024-12-30')
    expect(mondayOf('2024-03-03')).toBe('2024-02-26')
    expect(mondayOf('2024-10-07')).toBe('2024-10-07')
  })

  it('gives, for every day of 1999-2031, the Monday on or before it, whatever the time zone', () => {
    // Checked with UTC arithmetic, independent of the local calendar date-fns works on: run the
    // suite with TZ=America/Sao_Paulo or TZ=Pacific/Kiritimati and it must still hold.
    for (let t = Date.UTC(1999, 0, 1); t <= Date.UTC(2031, 11, 31); t += 86_400_000) {
      const iso = new Date(t).toISOString().slice(0, 10)
      const monday = Date.parse(`${mondayOf(iso)}T00:00:00Z`)
      expect(new Date(monday).getUTCDay(), iso).toBe(1)
      expect((t - monday) / 86_400_000, iso).toBeGreaterThanOrEqual(0)
      expect((t - monday) / 86_400_000, iso).toBeLessThan(7)
    }
  })

  it('knows which years have a week 53', () => {
    for (const y of [2004, 2009, 2015, 2020, 2026]) {
      expect(parseWeek(`${y}-W53`).ok, String(y)).toBe(true)
    }
    for (const y of [2019, 2021, 2024, 2025]) {
      expect(parseWeek(`${y}-W53`).ok, String(y)).toBe(false)
    }
    expect(value(parseWeek('2026-W53'))).toBe('2026-12-28')
    expect(value(parseWeek('2027-W01'))).toBe('2027-01-04')
    expect(parseWeek('2024-W00').ok).toBe(false)
  })
})

describe('numbers', () => {
  const dec = decimalParser({ min: 0, max: 20 })
  const int = integerParser({ min: 0 })

  it('reads decimal commas and dots', () => {
    expect(value(dec('12,5'))).toBe(12.5)
    expect(value(dec('12.5'))).toBe(12.5)
    expect(value(dec(',5'))).toBe(0.5)
    expect(value(dec('20'))).toBe(20)
    expect(reason(dec('20,5'))).toMatch(/entre 0 et 20/)
    expect(dec('1.234,5').ok).toBe(false)
    expect(dec('12 5').ok).toBe(false)
    expect(dec('abc').ok).toBe(false)
  })

  it('rejects decimals for integers but accepts zero decimals', () => {
    expect(value(int('12'))).toBe(12)
    expect(value(int('12,0'))).toBe(12)
    expect(reason(int('12,5'))).toMatch(/entier/)
    expect(reason(int('-1'))).toMatch(/positif ou nul/)
    expect(int('1e3').ok).toBe(false)
  })

  it('checks birth years', () => {
    const parse = birthYearParser(() => 2025)
    expect(value(parse('2005'))).toBe(2005)
    expect(parse('2026').ok).toBe(false)
    expect(parse('1899').ok).toBe(false)
    expect(reason(parse('01/02/2005'))).toMatch(/identifiante/)
  })
})

describe('booleans', () => {
  it.each([
    ['O', true],
    ['oui', true],
    ['OUI', true],
    ['1', true],
    ['true', true],
    ['Yes', true],
    ['N', false],
    ['non', false],
    ['0', false],
    ['FALSE', false],
    ['no', false],
  ])('%s → %s', (raw, expected) => {
    expect(value(parseBoolean(raw))).toBe(expected)
  })

  it('refuses anything else', () => {
    expect(reason(parseBoolean('peut-être'))).toMatch(/O ou N/)
  })
})

describe('academic years', () => {
  it('normalises to yyyy/yyyy', () => {
    expect(value(parseAcademicYear('2024/2025'))).toBe('2024/2025')
    expect(value(parseAcademicYear('2024-2025'))).toBe('2024/2025')
    expect(value(parseAcademicYear('2024 / 2025'))).toBe('2024/2025')
    expect(value(parseAcademicYear('2024/25'))).toBe('2024/2025')
    expect(value(parseAcademicYear('2024'))).toBe('2024/2025')
  })

  it('checks that the second year follows the first', () => {
    expect(reason(parseAcademicYear('2024/2026'))).toMatch(/incohérente/)
    expect(parseAcademicYear('2025/2024').ok).toBe(false)
    expect(parseAcademicYear('24/25').ok).toBe(false)
  })

  it('derives the academic year of a date', () => {
    expect(academicYearOf('2024-09-01')).toBe('2024/2025')
    expect(academicYearOf('2025-08-31')).toBe('2024/2025')
    expect(academicYearOf('2025-01-15')).toBe('2024/2025')
  })
})

describe('contact details', () => {
  it('normalises French phone numbers to E.164', () => {
    expect(value(parsePhone('06 12 34 56 78'))).toBe('+33612345678')
    expect(value(parsePhone('06.12.34.56.78'))).toBe('+33612345678')
    expect(value(parsePhone('+33 6 12 34 56 78'))).toBe('+33612345678')
    expect(value(parsePhone('+33 (0)6 12 34 56 78'))).toBe('+33612345678')
    expect(value(parsePhone('0033 6 12 34 56 78'))).toBe('+33612345678')
    expect(value(parsePhone('612345678'))).toBe('+33612345678')
    expect(value(parsePhone('07-12-34-56-78'))).toBe('+33712345678')
    expect(value(parsePhone('0692 12 34 56'))).toBe('+262692123456')
    expect(value(parsePhone('+32 470 12 34 56'))).toBe('+32470123456')
    expect(parsePhone('06 12 34 56').ok).toBe(false)
    expect(parsePhone('+33 6 12 34 56 78 9').ok).toBe(false)
  })

  it('gives overseas numbers their own country code, and checks international ones per country', () => {
    expect(value(parsePhone('0262 12 34 56'))).toBe('+262262123456') // La Réunion
    expect(value(parsePhone('0269 61 23 45'))).toBe('+262269612345') // Mayotte
    expect(value(parsePhone('06 39 12 34 56'))).toBe('+262639123456') // Mayotte, mobile
    expect(value(parsePhone('0590 12 34 56'))).toBe('+590590123456') // Guadeloupe
    expect(value(parsePhone('0694 12 34 56'))).toBe('+594694123456') // Guyane
    expect(value(parsePhone('0696 12 34 56'))).toBe('+596696123456') // Martinique
    expect(value(parsePhone('+33 6 92 12 34 56'))).toBe('+262692123456')
    expect(value(parsePhone('+262 692 12 34 56'))).toBe('+262692123456')
    expect(value(parsePhone('06/12/34/56/78'))).toBe('+33612345678')
    expect(value(parsePhone('01 23 45 67 89'))).toBe('+33123456789')
    expect(value(parsePhone('+1 213 373 4253'))).toBe('+12133734253')
    expect(parsePhone('+32 470 12 34').ok).toBe(false) // too short for Belgium
    expect(parsePhone('06 12 34 56 78 poste 12').ok).toBe(false)
    expect(parsePhone('tél. 06 12 34 56 78').ok).toBe(false)
    expect(reason(parsePhone('abc'))).toBe(PHONE_REASON)
  })

  it('validates and lower-cases e-mails', () => {
    expect(value(parseEmail('Ines.Exemple@Etudiant.Example.FR'))).toBe('ines.exemple@etudiant.example.fr')
    expect(parseEmail('ines@').ok).toBe(false)
    expect(parseEmail('ines exemple@example.fr').ok).toBe(false)
    expect(parseEmail('ines@example').ok).toBe(false)
    expect(parseEmail('ines..exemple@example.fr').ok).toBe(false)
    expect(parseEmail('ines@-example.fr').ok).toBe(false)
    expect(parseEmail(`${'a'.repeat(250)}@x.fr`).ok).toBe(false) // over 254 characters
    expect(value(parseEmail("o'neil+repere@example.fr"))).toBe("o'neil+repere@example.fr")
    expect(looksLikeEmail('Ines.Exemple@Example.FR')).toBe(true)
  })

  it('requires pseudo ids to look like keyed hashes', () => {
    expect(value(parsePseudoId('k3Xb9QeT1mZp0aLr7sVw2u'))).toBe('k3Xb9QeT1mZp0aLr7sVw2u')
    expect(value(parsePseudoId('9f86d081884c7d659a2feaa0c55ad015'))).toBe('9f86d081884c7d659a2feaa0c55ad015')
    expect(reason(parsePseudoId('21904567'))).toMatch(/scripts\/pseudonymise\.ts/)
    expect(reason(parsePseudoId('ines@example.fr'))).toMatch(/e-mail/)
    expect(reason(parsePseudoId('abc'))).toMatch(/16 caractères/)
  })
})

describe('identifier lookalikes', () => {
  it('recognises e-mails, French phones, INE and NIR', () => {
    expect(looksLikeEmail('a.b@c.fr')).toBe(true)
    expect(looksLikeFrenchPhone('06 12 34 56 78')).toBe(true)
    expect(looksLikeFrenchPhone('+33612345678')).toBe(true)
    expect(looksLikeFrenchPhone('2024/2025')).toBe(false)
    expect(looksLikeIne('1234567404G')).toBe(true)
    expect(looksLikeIne('123456789AB')).toBe(true)
    expect(looksLikeIne('L1DROI2024X')).toBe(false)
    // 1 85 05 78 006 084, key 97 − (1850578006084 mod 97) = 91
    expect(looksLikeNir('185057800608491')).toBe(true)
    expect(looksLikeNir('1 85 05 78 006 084 91')).toBe(true)
    expect(looksLikeNir('185057800608492')).toBe(false)
    expect(looksLikeNir('1850578006084')).toBe(true)
    expect(looksLikeNir('1727740800000')).toBe(false) // a millisecond timestamp
  })
})
