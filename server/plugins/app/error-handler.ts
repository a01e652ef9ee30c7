/**
 * The one error handler. It logs `{ err, reqId }` and answers `{ statusCode, code, message, reqId }`
 * for the API, or the French error page for browsers. Messages of 5xx and database errors are
 * replaced by a generic one: no stack trace or SQL ever reaches a user.
 */
import { pageData } from './views.ts'
import fp from 'fastify-plugin'
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'

const GENERIC_500 = 'Une erreur inattendue est survenue. L’équipe technique a été prévenue ; réessayez dans quelques minutes.'

/** French messages for the framework's own client errors. */
const FRAMEWORK_MESSAGES: Record<string, string> = {
  FST_CSRF_INVALID_TOKEN: 'Le formulaire a expiré ou ne vient pas de Repère. Rechargez la page et recommencez.',
  FST_CSRF_MISSING_SECRET: 'Le formulaire a expiré ou ne vient pas de Repère. Rechargez la page et recommencez.',
  FST_ERR_CTP_BODY_TOO_LARGE: 'Le contenu envoyé est trop volumineux.',
  FST_REQ_FILE_TOO_LARGE: 'Le fichier dépasse la taille maximale autorisée.',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'Type de contenu non pris en charge.',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'Le corps de la requête JSON est vide.',
  FST_ERR_CTP_INVALID_JSON_BODY: 'Le corps de la requête n’est pas du JSON valide.',
  FST_ERR_BAD_URL: 'L’adresse demandée est mal encodée (caractère « % » incorrect). Vérifiez le lien.',
  FST_ERR_MAX_PARAM_LENGTH: 'L’adresse demandée est trop longue.',
  FST_STATIC_FORBIDDEN_PATH: 'Ce chemin n’est pas autorisé.',
  FST_FILES_LIMIT: 'Envoyez un seul fichier par requête.',
  FST_PARTS_LIMIT: 'La requête multipart contient trop de champs.',
  FST_FIELDS_LIMIT: 'La requête multipart contient trop de champs.',
  FST_INVALID_MULTIPART_CONTENT_TYPE: 'Envoyez le fichier en multipart/form-data, dans un champ « file ».',
}

/**
 * French messages by status for the other client errors of the framework and its plugins
 * (codes not starting with `APP_`): their own messages are English and may quote the request.
 */
const STATUS_MESSAGES: Record<number, string> = {
  400: 'Requête invalide. Vérifiez l’adresse et les données envoyées.',
  401: 'Connectez-vous pour continuer.',
  403: 'Accès refusé.',
  404: "Cette page ou cette ressource n'existe pas.",
  405: 'Cette action n’est pas permise à cette adresse.',
  406: 'Ce format de réponse n’est pas disponible.',
  408: 'La requête a pris trop de temps. Réessayez.',
  411: 'La longueur du contenu envoyé manque.',
  413: 'Le contenu envoyé est trop volumineux.',
  414: 'L’adresse demandée est trop longue.',
  415: 'Type de contenu non pris en charge.',
  429: 'Trop de requêtes. Réessayez dans quelques minutes.',
  431: 'Les en-têtes de la requête sont trop volumineux.',
}

/** Browsers get HTML pages; the JSON API always gets JSON. */
export function wantsHtml(request: FastifyRequest): boolean {
  if (request.url.startsWith('/api/')) {
    return false
  }
  return request.routeOptions.config?.html === true || (request.headers.accept ?? '').includes('text/html')
}

type ValidationIssue = { instancePath?: string; keyword?: string; params?: Record<string, unknown> }

const WHERE: Record<string, string> = { body: 'le corps', querystring: 'l’adresse', params: 'l’adresse', headers: 'les en-têtes' }

/** The first schema violation in French: which field, and what is wrong with it. */
export function validationMessage(issues: ValidationIssue[], context?: string): string {
  const first = issues[0]
  if (!first) {
    return 'Requête invalide.'
  }
  const path = (first.instancePath ?? '').replace(/^\//, '').replace(/\//g, '.')
  const missingProperty = first.params?.missingProperty
  const missing = first.keyword === 'required' && typeof missingProperty === 'string' ? missingProperty : ''
  const field = missing || path
  const where = context ? ` dans ${WHERE[context] ?? context}` : ''
  const what: Record<string, string> = {
    required: `champ « ${field} » manquant`,
    type: `type invalide pour « ${field} »`,
    enum: `valeur non permise pour « ${field} »`,
    const: `valeur non permise pour « ${field} »`,
    anyOf: `valeur non permise pour « ${field} »`,
    format: `format invalide pour « ${field} »`,
    pattern: `format invalide pour « ${field} »`,
    minLength: `« ${field} » est trop court`,
    maxLength: `« ${field} » est trop long`,
    minimum: `« ${field} » est trop petit`,
    maximum: `« ${field} » est trop grand`,
  }
  const text = what[first.keyword ?? ''] ?? (field ? `valeur invalide pour « ${field} »` : 'contenu invalide')
  return `Requête invalide${where} : ${text}.`
}

/** The French message of a status, for errors that bring none the platform can show. */
export function statusMessage(status: number): string {
  return status >= 500 ? GENERIC_500 : (STATUS_MESSAGES[status] ?? STATUS_MESSAGES[400]!)
}

export type ErrorView = { statusCode: number; code: string; message: string; reqId: string }

export function toErrorView(err: FastifyError, request: FastifyRequest): ErrorView {
  const statusCode = err.statusCode && err.statusCode >= 400 && err.statusCode < 600 ? err.statusCode : 500
  const isDbError = typeof (err as { severity_local?: unknown }).severity_local === 'string'
  if (statusCode >= 500 || isDbError) {
    return { statusCode: isDbError ? 500 : statusCode, code: 'APP_INTERNAL', message: GENERIC_500, reqId: request.id }
  }
  let message =
    typeof err.code === 'string' && err.code.startsWith('APP_')
      ? err.message
      : (FRAMEWORK_MESSAGES[err.code] ?? STATUS_MESSAGES[statusCode] ?? STATUS_MESSAGES[400]!)
  if (err.validation) {
    message = validationMessage(err.validation, err.validationContext)
  }
  return { statusCode, code: err.code ?? 'APP_ERROR', message, reqId: request.id }
}

/**
 * Answers with the error page or JSON; resolves to the reply (sent) or the page's HTML (to send).
 * `app` is the root instance: its view engine renders the page even for a route of a plugin that
 * brought a view engine of its own (the queue dashboard).
 */
export async function sendError(
  app: FastifyInstance,
  request: FastifyRequest,
  reply: FastifyReply,
  view: ErrorView,
): Promise<FastifyReply | string> {
  reply.code(view.statusCode)
  if (view.statusCode === 429 && request.routeOptions.config?.html && request.routeOptions.url === '/connexion') {
    // The login page again, with a fresh CSRF token: once the wait is over, its form must work.
    return reply.page('pages/auth/login.hbs', { title: 'Connexion', error: view.message, bare: true, suite: '/' })
  }
  if (wantsHtml(request)) {
    reply.type('text/html; charset=utf-8')
    // The app's own engine (`app.view`): a plugin's routes may have registered another one.
    return app.view('pages/error.hbs', pageData(reply, { title: titleFor(view.statusCode), error: view }))
  }
  return reply.send(view)
}

function titleFor(status: number): string {
  switch (status) {
    case 401:
      return 'Connexion requise'
    case 403:
      return 'Accès refusé'
    case 404:
      return 'Page introuvable'
    case 429:
      return 'Trop de requêtes'
    default:
      return status >= 500 ? 'Erreur du service' : 'Requête invalide'
  }
}

function logError(request: FastifyRequest, err: FastifyError, view: ErrorView): void {
  if (view.statusCode >= 500) {
    request.log.error({ err, reqId: request.id }, 'request failed')
  } else {
    request.log.info({ code: view.code, statusCode: view.statusCode, reqId: request.id }, 'request refused')
  }
}

/**
 * Fastify's `frameworkErrors` option (server/app.ts): errors found before routing (a URL that is
 * not valid percent-encoding, a path parameter over `maxParamLength`) get the same answer as
 * every other error, instead of the framework's English JSON without a request id.
 * No hook has run and the request and reply carry no decorator (no session, no CSRF token): the
 * page is the anonymous error page, rendered by the root instance's view engine, with the
 * headers the security plugin would have added.
 */
export function frameworkErrors(err: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  const view = toErrorView(err, request)
  logError(request, err, view)
  reply.code(view.statusCode).header('x-content-type-options', 'nosniff').header('cache-control', 'no-store')
  if (!wantsHtml(request)) {
    reply.send(view)
    return
  }
  request.server.view('pages/error.hbs', { title: titleFor(view.statusCode), error: view, me: null, nav: [] }).then(
    (html) => {
      reply
        .header('content-security-policy', "default-src 'self'; frame-ancestors 'none'; form-action 'self'")
        .type('text/html; charset=utf-8')
        .send(html)
    },
    (renderErr: unknown) => {
      request.log.error({ err: renderErr, reqId: request.id }, 'error page failed')
      reply.send(view)
    },
  )
}

export default fp(
  async (fastify) => {
    fastify.setErrorHandler(async (err: FastifyError, request, reply) => {
      const view = toErrorView(err, request)
      logError(request, err, view)
      return sendError(fastify, request, reply, view)
    })

    fastify.setNotFoundHandler(
      { preHandler: fastify.rateLimit({ max: fastify.config.PUBLIC_RATE_LIMIT_PER_MINUTE, timeWindow: 60_000 }) },
      async (request, reply) =>
        sendError(fastify, request, reply, {
          statusCode: 404,
          code: 'APP_NOT_FOUND',
          message: "Cette page ou cette ressource n'existe pas.",
          reqId: request.id,
        }),
    )
  },
  { name: 'error-handler', dependencies: ['security', 'services', 'views'] },
)
