/**
 * Every input bound (issue #6, item 7): every route, as registered, with every path and query
 * parameter it takes, receives numbers out of range, the wrong type and oversized strings, as an
 * admin and as a role the route is meant for. The answer is always a 4xx with a French message,
 * never a 500; and every parameter of the app's own schemas declares its bounds.
 */
import type { RouteOptions } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { apiToken, startTestApp, type TestApp } from '../helpers/app.ts'

type JsonSchema = {
  type?: string | string[]
  properties?: Record<string, JsonSchema>
  required?: string[]
  minimum?: number
  maximum?: number
  maxLength?: number
  pattern?: string
  format?: string
  enum?: unknown[]
  const?: unknown
  anyOf?: JsonSchema[]
}
type RouteSchema = { querystring?: JsonSchema; params?: JsonSchema }

const routes: RouteOptions[] = []
let t: TestApp
const tokens = new Map<string, string>()

const ACCOUNTS: Record<string, string> = {
  admin: 'admin@demo.repere.test',
  university_staff: 'universite@demo.repere.test',
  counsellor: 'conseil.reims@demo.repere.test',
  ml_manager: 'direction.reims@demo.repere.test',
}

beforeAll(async () => {
  t = await startTestApp({}, { onRoute: (route) => routes.push(route) })
  for (const [role, email] of Object.entries(ACCOUNTS)) {
    tokens.set(role, await apiToken(t.app, email))
  }
})
afterAll(async () => {
  await t?.close()
})

const BAD_VALUES = {
  'out of range': '99999999999999999999',
  negative: '-1',
  'wrong type': 'abc',
  oversized: 'x'.repeat(10_000),
} as const
type BadKind = keyof typeof BAD_VALUES

type Endpoint = { method: string; url: string; schema: RouteSchema; access: 'public' | readonly string[] }

function endpoints(): Endpoint[] {
  const list: Endpoint[] = []
  for (const r of routes) {
    const methods = (Array.isArray(r.method) ? r.method : [r.method]).filter((m) => m !== 'HEAD' && m !== 'OPTIONS')
    for (const method of methods) {
      list.push({
        method,
        url: r.url,
        schema: (r.schema ?? {}) as RouteSchema,
        access: (r.config as { access?: 'public' | readonly string[] } | undefined)?.access ?? ['admin'],
      })
    }
  }
  return list
}

/** The path parameters of a route URL, `*` included. */
function pathParams(url: string): string[] {
  return [...url.matchAll(/:([A-Za-z0-9_]+)|\*/g)].map((m) => m[1] ?? '*')
}

/** A value that passes a parameter's schema, so that the parameter under test is the one refused. */
function validValue(schema: JsonSchema | undefined): string {
  if (!schema) {
    return 'abc'
  }
  if (schema.format === 'uuid') {
    return '00000000-0000-4000-8000-000000000000'
  }
  if (schema.pattern === '^[a-z_-]+\\.csv$') {
    return 'etudiants.csv'
  }
  if (schema.enum?.length) {
    return String(schema.enum[0])
  }
  if (schema.type === 'integer' || schema.type === 'number') {
    return String(schema.minimum ?? 1)
  }
  return 'abc'
}

function buildUrl(e: Endpoint, override: { path?: [string, string]; query?: [string, string] }): string {
  let url = e.url
  for (const name of pathParams(e.url)) {
    const value = override.path?.[0] === name ? override.path[1] : validValue(e.schema.params?.properties?.[name])
    url = url.replace(name === '*' ? '*' : `:${name}`, encodeURIComponent(value))
  }
  if (override.query) {
    url += `?${new URLSearchParams([override.query]).toString()}`
  }
  return url
}

/** Roles to ask as: admin, and one role the route is for (anonymous for a public route). */
function callers(e: Endpoint): (string | null)[] {
  if (e.access === 'public') {
    return [null, 'admin']
  }
  const other = e.access.find((r) => r !== 'admin')
  return other ? ['admin', other] : ['admin']
}

const ENGLISH = /\b(the|must|should|is not|not found|invalid|bad request|forbidden|unauthorized|error)\b/i
const FRENCH = /\b(la|le|les|de|du|des|une?|pour|cette|est|pas|vous|votre|requête|adresse|accès|fichier|page)\b/i

function frenchMessageOf(res: { headers: Record<string, unknown>; body: string }): string {
  const type = typeof res.headers['content-type'] === 'string' ? res.headers['content-type'] : ''
  if (type.startsWith('application/json')) {
    const { message } = JSON.parse(res.body) as { message?: unknown }
    return typeof message === 'string' ? message : ''
  }
  if (type.startsWith('text/html')) {
    expect(res.body).toContain('<html lang="fr">')
    return /<p class="error-message[^"]*">([^<]+)</.exec(res.body)?.[1] ?? /<h1[^>]*>([^<]+)</.exec(res.body)?.[1] ?? ''
  }
  return res.body
}

/** Is this parameter typed tightly enough that every bad value must be refused? */
function strict(schema: JsonSchema | undefined): boolean {
  if (!schema) {
    return false
  }
  return schema.type === 'integer' || schema.type === 'number' || !!schema.format || !!schema.enum || !!schema.pattern || !!schema.anyOf
}

function bounded(schema: JsonSchema): boolean {
  if (schema.enum || schema.const !== undefined || schema.anyOf?.every((s) => s.const !== undefined || s.enum)) {
    return true
  }
  if (schema.type === 'integer' || schema.type === 'number') {
    return schema.minimum !== undefined && schema.maximum !== undefined
  }
  if (schema.type === 'string') {
    return schema.maxLength !== undefined || schema.pattern !== undefined || schema.format === 'uuid'
  }
  return false
}

describe('input bounds', () => {
  it('collects the routes', () => {
    expect(routes.length).toBeGreaterThan(50)
    const urls = endpoints().map((e) => `${e.method} ${e.url}`)
    expect(urls).toContain('GET /api/v1/audit-log')
    expect(urls).toContain('GET /admin/journal')
    expect(urls).toContain('PUT /admin/queues/api/queues/:queueName/pause')
  })

  it('every query and path parameter of the app’s schemas declares its bounds', () => {
    const unbounded: string[] = []
    for (const e of endpoints()) {
      for (const part of ['params', 'querystring'] as const) {
        for (const [name, schema] of Object.entries(e.schema[part]?.properties ?? {})) {
          if (!bounded(schema)) {
            unbounded.push(`${e.method} ${e.url} ${part}.${name}`)
          }
        }
      }
      // A path parameter the app declares must have a schema (third-party routes excepted).
      if (!e.url.startsWith('/admin/queues') && !e.url.startsWith('/docs') && !e.url.startsWith('/static')) {
        for (const name of pathParams(e.url)) {
          if (!e.schema.params?.properties?.[name]) {
            unbounded.push(`${e.method} ${e.url} params.${name} (no schema)`)
          }
        }
      }
    }
    expect(unbounded).toEqual([])
  })

  it('refuses out-of-range, wrong-type and oversized values with a 4xx in French, never a 500', async () => {
    const failures: string[] = []
    let requests = 0
    for (const e of endpoints()) {
      const targets: { where: 'path' | 'query'; name: string; schema: JsonSchema | undefined }[] = [
        ...pathParams(e.url).map((name) => ({ where: 'path' as const, name, schema: e.schema.params?.properties?.[name] })),
        ...Object.entries(e.schema.querystring?.properties ?? {}).map(([name, schema]) => ({ where: 'query' as const, name, schema })),
      ]
      for (const target of targets) {
        for (const [kind, value] of Object.entries(BAD_VALUES) as [BadKind, string][]) {
          const url = buildUrl(e, target.where === 'path' ? { path: [target.name, value] } : { query: [target.name, value] })
          for (const role of callers(e)) {
            const token = role ? tokens.get(role) : undefined
            const res = await t.app.inject({
              method: e.method as 'GET',
              url,
              headers: token ? { authorization: `Bearer ${token}` } : {},
            })
            requests++
            const label = `${e.method} ${e.url} ${target.where}.${target.name}=${kind} as ${role ?? 'anonymous'} → ${res.statusCode}`
            if (res.statusCode >= 500) {
              failures.push(`${label} ${res.body.slice(0, 200)}`)
              continue
            }
            const mustRefuse = kind === 'oversized' || strict(target.schema)
            if (res.statusCode < 400) {
              if (mustRefuse) {
                failures.push(`${label} (accepted)`)
              }
              continue
            }
            const message = frenchMessageOf(res)
            if (!FRENCH.test(message) || ENGLISH.test(message)) {
              failures.push(`${label} message not French: ${message.slice(0, 200)}`)
            }
          }
        }
      }
    }
    expect(failures).toEqual([])
    expect(requests).toBeGreaterThan(300)
  })

  it.each([
    ['/api/v1/audit-log?beforeId=99999999999999999999', 'application/json'],
    ['/admin/journal?avant=99999999999999999999', 'text/html'],
  ])('%s → 400 (issue #6)', async (url, type) => {
    const res = await t.app.inject({ url, headers: { authorization: `Bearer ${tokens.get('admin')}` } })
    expect(res.statusCode).toBe(400)
    expect(String(res.headers['content-type'])).toContain(type)
  })
})
