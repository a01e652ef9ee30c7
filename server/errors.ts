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
