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
      const request = this.request
      const csrfToken = this.generateCsrf()
      const user = request.user_
      this.header('cache-control', 'no-store')
      return this.viewAsync(template, {
        ...data,
        csrfToken,
        me: user ? { fullName: user.fullName, role: user.role, organisationName: user.organisationName } : null,
        nav: user ? navigationFor(user.role, request.url) : [],
      })
    })
  },
  { name: 'views', dependencies: ['security', 'services'] },
)
