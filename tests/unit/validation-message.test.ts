import { describe, expect, it } from 'vitest'
import { validationMessage } from '../../server/plugins/app/error-handler.ts'

describe('validation messages', () => {
  it('names the field and the problem in French', () => {
    expect(validationMessage([{ keyword: 'required', instancePath: '', params: { missingProperty: 'email' } }], 'body')).toBe(
      'Requête invalide dans le corps : champ « email » manquant.',
    )
    expect(validationMessage([{ keyword: 'enum', instancePath: '/kind', params: {} }], 'querystring')).toBe(
      'Requête invalide dans l’adresse : valeur non permise pour « kind ».',
    )
    expect(validationMessage([{ keyword: 'format', instancePath: '/id', params: {} }], 'params')).toBe(
      'Requête invalide dans l’adresse : format invalide pour « id ».',
    )
    expect(validationMessage([])).toBe('Requête invalide.')
  })
})
