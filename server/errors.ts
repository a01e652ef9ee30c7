/**
 * Every application error is defined here once, with its HTTP status and a French message
 * that is safe to show to the user. The single error handler (plugins/app/error-handler.ts)
 * maps them to JSON for the API and to the error page for browsers.
 */
import createError from '@fastify/error'

export const NotFound = createError('APP_NOT_FOUND', "Cette page ou cette ressource n'existe pas.", 404)
export const Unauthorized = createError('APP_UNAUTHORIZED', 'Connectez-vous pour continuer.', 401)
export const Forbidden = createError('APP_FORBIDDEN', "Votre rôle ne permet pas d'accéder à cette page.", 403)
export const InvalidCredentials = createError('APP_INVALID_CREDENTIALS', 'Adresse e-mail ou mot de passe incorrect.', 401)
export const AccountDisabled = createError(
  'APP_ACCOUNT_DISABLED',
  'Ce compte est désactivé. Contactez l’administrateur du consortium.',
  403,
)
export const PasswordChangeRequired = createError(
  'APP_PASSWORD_CHANGE_REQUIRED',
  'Votre mot de passe est provisoire : connectez-vous sur la page /connexion de Repère et choisissez un nouveau mot de passe, puis recommencez.',
  403,
)
export const EmailTaken = createError('APP_EMAIL_TAKEN', 'Un compte existe déjà avec cette adresse e-mail.', 409)
export const BadInput = createError<[string]>('APP_BAD_INPUT', '%s', 400)
export const Conflict = createError<[string]>('APP_CONFLICT', '%s', 409)
export const PasswordTooWeak = createError('APP_PASSWORD_TOO_WEAK', 'Le mot de passe doit contenir au moins 12 caractères.', 400)
export const FileTooLarge = createError<[number]>('APP_FILE_TOO_LARGE', 'Le fichier dépasse la taille maximale autorisée (%s Mo).', 413)
export const ServiceUnavailable = createError(
  'APP_UNAVAILABLE',
  'Le service est momentanément indisponible. Réessayez dans quelques minutes.',
  503,
)
export const RateLimited = createError<[string]>('APP_RATE_LIMITED', '%s', 429)

// The student journey (issue #9). Messages speak to the student: plain, polite, and say what to do next.
export const SlotTaken = createError(
  'APP_SLOT_TAKEN',
  'Ce créneau vient d’être pris par quelqu’un d’autre. Choisissez un autre créneau parmi ceux encore libres.',
  409,
)
export const SlotUnavailable = createError(
  'APP_SLOT_UNAVAILABLE',
  'Ce créneau n’est plus proposé (trop proche, trop lointain ou fermé). Choisissez un autre créneau dans la liste.',
  409,
)
export const AlreadyBooked = createError(
  'APP_ALREADY_BOOKED',
  'Vous avez déjà un rendez-vous. Pour le déplacer ou l’annuler, utilisez le lien de gestion reçu dans votre e-mail de confirmation.',
  409,
)
export const LinkUnusable = createError(
  'APP_LINK_UNUSABLE',
  'Ce lien n’est plus valable. Vous pouvez contacter directement la Mission Locale de votre secteur.',
  404,
)
export const TooYoung = createError(
  'APP_AGE_TOO_YOUNG',
  'Les Missions Locales accompagnent les jeunes à partir de 16 ans. Avant 16 ans, le centre d’information et d’orientation (CIO) ou le collège peut vous aider.',
  422,
)
export const TooOld = createError(
  'APP_AGE_TOO_OLD',
  'Les Missions Locales accompagnent les jeunes jusqu’à 29 ans. À partir de 30 ans, France Travail (francetravail.fr, 3949) peut vous accompagner.',
  422,
)
export const TooLateToChange = createError<[string]>(
  'APP_TOO_LATE_TO_CHANGE',
  'Votre rendez-vous est dans moins de 4 heures : il ne peut plus être modifié en ligne. Appelez la Mission Locale : %s.',
  409,
)
export const AppointmentNotFound = createError(
  'APP_APPOINTMENT_NOT_FOUND',
  'Ce lien de gestion ne correspond à aucun rendez-vous. Vérifiez le lien reçu par e-mail, ou contactez la Mission Locale.',
  404,
)
