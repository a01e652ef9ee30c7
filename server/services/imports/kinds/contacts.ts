/** The `contacts` import kind. */
import { parseDate, parseEmail, parsePhone, textParser } from '../values.ts'
import type { KindDef } from './types.ts'
import { column, idPseudo, booleanColumn } from './columns.ts'

export const contacts: KindDef = {
  kind: 'contacts',
  label: 'Coordonnées des étudiants ayant consenti',
  description:
    'Les coordonnées des seuls étudiants qui ont accepté d’être contactés, avec la preuve de leur consentement ; elles sont chiffrées dès réception.',
  analytics: false,
  naturalKey: ['id_pseudo'],
  columns: [
    idPseudo(),
    column({
      key: 'prenom',
      label: 'Prénom',
      aliases: ['Prénom', 'prenom', 'first name', 'given name', 'firstname'],
      type: 'text',
      parser: textParser(100),
      format: 'texte (utilisé pour saluer l’étudiant)',
      example: 'Inès',
    }),
    column({
      key: 'email',
      label: 'Adresse e-mail',
      aliases: ['Email', 'e-mail', 'courriel', 'adresse e-mail', 'adresse mail', 'mail', 'adresse électronique', 'email address'],
      type: 'email',
      parser: parseEmail,
      format: 'adresse e-mail (mise en minuscules)',
      example: 'ines.exemple@etudiant.example.fr',
    }),
    column({
      key: 'telephone',
      label: 'Téléphone mobile',
      aliases: [
        'Téléphone',
        'telephone',
        'tél',
        'portable',
        'mobile',
        'téléphone portable',
        'numéro de téléphone',
        'phone',
        'mobile phone',
      ],
      type: 'phone',
      parser: parsePhone,
      format: '06 12 34 56 78, +33 6 12 34 56 78 ou 0033… (enregistré au format +33612345678)',
      example: '06 39 98 12 34',
    }),
    booleanColumn({
      key: 'consentement_email',
      label: 'Consentement e-mail',
      aliases: ['Consentement e-mail', 'consentement_email', 'consentement courriel', 'accord e-mail', 'email consent'],
      format: 'O ou N ; obligatoire quand une adresse e-mail est fournie',
      example: 'O',
    }),
    booleanColumn({
      key: 'consentement_sms',
      label: 'Consentement SMS',
      aliases: ['Consentement SMS', 'consentement_sms', 'consentement téléphone', 'accord SMS', 'sms consent'],
      format: 'O ou N ; obligatoire quand un numéro est fourni',
      example: 'O',
    }),
    column({
      key: 'date_consentement',
      label: 'Date du consentement',
      aliases: ['Date du consentement', 'date_consentement', 'date consentement', 'consentement le', 'consent date'],
      required: true,
      type: 'date',
      parser: parseDate,
      format: 'jj/mm/aaaa',
      example: '15/09/2024',
    }),
    column({
      key: 'source_consentement',
      label: 'Source du consentement',
      aliases: [
        'Source du consentement',
        'source_consentement',
        'source consentement',
        'preuve du consentement',
        'recueilli via',
        'consent source',
      ],
      required: true,
      type: 'text',
      parser: textParser(200),
      format: 'où et comment le consentement a été recueilli (ex. formulaire d’inscription 2024)',
      example: 'Formulaire d’inscription administrative 2024',
    }),
    column({
      key: 'version_texte',
      label: 'Version du texte d’information',
      aliases: ['Version du texte', 'version_texte', 'version texte', 'version de la notice', 'notice version', 'text version'],
      type: 'text',
      parser: textParser(100),
      format: 'la version de la notice que l’étudiant a acceptée (facultatif)',
      example: 'notice-2024-09',
    }),
  ],
  rules: [
    (v) =>
      v.email === null && v.telephone === null
        ? { key: 'email', reason: 'ni adresse e-mail ni téléphone : une ligne de coordonnées doit contenir au moins l’un des deux' }
        : null,
    (v) =>
      v.email !== null && v.consentement_email === null
        ? { key: 'consentement_email', reason: 'consentement e-mail manquant alors qu’une adresse est fournie (O ou N)' }
        : null,
    (v) =>
      v.telephone !== null && v.consentement_sms === null
        ? { key: 'consentement_sms', reason: 'consentement SMS manquant alors qu’un numéro est fourni (O ou N)' }
        : null,
  ],
}
