import { describe, expect, it } from 'vitest'
import {
  bookingValues,
  callbackValues,
  normalisePhone,
  parseBirthDate,
  readBookingForm,
  readCallbackForm,
} from '../../../server/routes/r/forms.ts'

const TODAY = '2026-03-20'
const good = {
  prenom: ' Léa ',
  nom: 'Martin',
  email: 'Lea.Martin@Example.fr',
  telephone: '',
  naissance: '2005-06-01',
  message: '',
  accord: 'oui',
}

describe('booking form', () => {
  it('reads a complete form into the identity the booking service takes', () => {
    const r = readBookingForm(bookingValues(good), TODAY)
    expect(r).toEqual({
      ok: true,
      value: { firstName: 'Léa', lastName: 'Martin', email: 'lea.martin@example.fr', birthDate: '2005-06-01', consentToShare: true },
    })
  })

  it('says in French, field by field, what is missing', () => {
    const r = readBookingForm(bookingValues({}), TODAY)
    expect(r.ok).toBe(false)
    if (r.ok) {
      return
    }
    expect(Object.keys(r.fieldErrors).sort()).toEqual(['accord', 'email', 'naissance', 'nom', 'prenom'])
    expect(r.fieldErrors.email).toMatch(/e-mail ou un numéro de téléphone/)
  })

  it('accepts a phone instead of an e-mail, and refuses a malformed one', () => {
    const phone = readBookingForm(bookingValues({ ...good, email: '', telephone: '06 12 34 56 78' }), TODAY)
    expect(phone.ok && phone.value.phone).toBe('0612345678')
    const bad = readBookingForm(bookingValues({ ...good, telephone: '12 34' }), TODAY)
    expect(bad.ok).toBe(false)
    expect(!bad.ok && bad.fieldErrors.telephone).toMatch(/10 chiffres/)
  })

  it('refuses impossible and future birth dates, and an unchecked agreement', () => {
    for (const naissance of ['2005-02-30', '2030-01-01', '01/06/2005']) {
      const r = readBookingForm(bookingValues({ ...good, naissance }), TODAY)
      expect(!r.ok && r.fieldErrors.naissance, naissance).toMatch(/date de naissance/)
    }
    const r = readBookingForm(bookingValues({ ...good, accord: undefined }), TODAY)
    expect(!r.ok && r.fieldErrors.accord).toMatch(/Cochez/)
  })
})

describe('callback form', () => {
  it('keeps only known moments, in their order', () => {
    const v = callbackValues({ telephone: '+33 6 12 34 56 78', moments: ['soir', 'nuit', 'matin'], semaine: 'oui', accord: 'oui' })
    expect(v.moments).toEqual(['matin', 'soir'])
    expect(readCallbackForm(v)).toEqual({ ok: true, value: { phone: '0612345678', moments: ['matin', 'soir'], weekdaysOnly: true } })
  })

  it('a single checkbox arrives as a string', () => {
    expect(callbackValues({ moments: 'apres_midi' }).moments).toEqual(['apres_midi'])
  })

  it('needs a phone, a moment and the agreement', () => {
    const r = readCallbackForm(callbackValues({}))
    expect(!r.ok && Object.keys(r.fieldErrors).sort()).toEqual(['accord', 'moments', 'telephone'])
  })
})

describe('helpers', () => {
  it('normalises French phone numbers', () => {
    expect(normalisePhone('06.12.34.56.78')).toBe('0612345678')
    expect(normalisePhone('0033612345678')).toBe('0612345678')
    expect(normalisePhone('0012345678')).toBeNull()
  })
  it('parses only real dates', () => {
    expect(parseBirthDate('2004-02-29')).toBe('2004-02-29')
    expect(parseBirthDate('2005-02-29')).toBeNull()
  })
})
