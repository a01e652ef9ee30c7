/**
 * Server-rendered pages: @fastify/view with Handlebars, one layout, and `reply.page()` which
 * adds what every page needs (the person, the navigation for their role, a CSRF token).
 */
import fp from 'fastify-plugin'
import view from '@fastify/view'
import fastifyStatic from '@fastify/static'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import type { FastifyReply } from 'fastify'
import { createHandlebars } from '../../lib/views.ts'
import { navigationFor } from '../../lib/navigation.ts'

const here = path.dirname(fileURLToPath(import.meta.url))
export const TEMPLATES_DIR = path.join(here, '..', '..', '..', 'templates')
const PUBLIC_DIR = path.join(here, '..', '..', 'public')

declare module 'fastify' {
  interface FastifyReply {
    page(template: string, data: Record<string, unknown> & { title: string }): Promise<string>
  }
}

/** What every page gets besides its own data: the person, their navigation, a CSRF token. */
export function pageData<T extends Record<string, unknown>>(reply: FastifyReply, data: T) {
  const user = reply.request.user_
  reply.header('cache-control', 'no-store')
  return {
    ...data,
    csrfToken: reply.generateCsrf(),
    me: user ? { fullName: user.fullName, role: user.role, organisationName: user.organisationName } : null,
    nav: user ? navigationFor(user.role, reply.request.url) : [],
  }
}

export default fp(
  async (fastify) => {
    await fastify.register(view, {
      engine: { handlebars: createHandlebars() },
      root: TEMPLATES_DIR,
      layout: 'layouts/main.hbs',
      includeViewExtension: false,
      production: fastify.config.isProduction,
      options: {
        partials: {
          nav: 'partials/nav.hbs',
          flash: 'partials/flash.hbs',
          csrf: 'partials/csrf.hbs',
          'public-header': 'pages/public/partials/header.hbs',
          'public-contact': 'pages/public/partials/contact.hbs',
        },
      },
    })
    await fastify.register(fastifyStatic, {
      root: PUBLIC_DIR,
      prefix: '/static/',
      decorateReply: false,
      maxAge: fastify.config.isProduction ? '1d' : 0,
    })

    fastify.decorateReply('page', async function (this: FastifyReply, template: string, data) {
      return this.viewAsync(template, pageData(this, data))
    })
  },
  { name: 'views', dependencies: ['security', 'services'] },
)
