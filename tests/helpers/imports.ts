/**
 * Helpers for import tests: build real files (Windows-1252, BOM, tabs…), upload them through the
 * real API as multipart, and wait for the real worker to finish.
 */
import iconv from 'iconv-lite'
import type { FastifyInstance } from 'fastify'
import { expect } from 'vitest'

export type Encoding = 'utf-8' | 'utf-8-bom' | 'windows-1252'

export function csvFile(rows: string[][], opts: { delimiter?: string; encoding?: Encoding; eol?: string } = {}): Buffer {
  const delimiter = opts.delimiter ?? ';'
  const text = rows.map((r) => r.join(delimiter)).join(opts.eol ?? '\r\n') + (opts.eol ?? '\r\n')
  switch (opts.encoding ?? 'utf-8') {
    case 'windows-1252':
      return iconv.encode(text, 'windows-1252')
    case 'utf-8-bom':
      return Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text, 'utf8')])
    case 'utf-8':
      return Buffer.from(text, 'utf8')
  }
}

/** A pseudonym that looks like the output of scripts/pseudonymise.ts. */
export function pseudo(n: number): string {
  return `ps${n.toString(36).padStart(6, '0')}Xq7Lm2Zt9Rw4`
}

export function multipart(fields: Record<string, string>, file: { name: string; content: Buffer; field?: string }) {
  const boundary = `----repere${Math.random().toString(16).slice(2)}`
  const parts: Buffer[] = []
  for (const [k, v] of Object.entries(fields)) {
    parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`))
  }
  parts.push(
    Buffer.from(
      `--${boundary}\r\nContent-Disposition: form-data; name="${file.field ?? 'file'}"; filename="${file.name}"\r\nContent-Type: text/csv\r\n\r\n`,
    ),
  )
  parts.push(file.content, Buffer.from(`\r\n--${boundary}--\r\n`))
  return { payload: Buffer.concat(parts), headers: { 'content-type': `multipart/form-data; boundary=${boundary}` } }
}

export async function upload(app: FastifyInstance, token: string, kind: string, content: Buffer, name = 'export.csv') {
  const body = multipart({}, { name, content })
  return app.inject({
    method: 'POST',
    url: `/api/v1/imports?kind=${kind}`,
    headers: { ...body.headers, authorization: `Bearer ${token}` },
    payload: body.payload,
  })
}

export type ImportJson = {
  id: string
  status: string
  rowsRead: number
  rowsValid: number
  rowsInvalid: number
  rowsLoaded: number
  rowsChanged: number
  errorCode: string | null
  errorMessage: string | null
  academicYear: string | null
}

export async function waitForImport(app: FastifyInstance, token: string, id: string, timeoutMs = 30_000): Promise<ImportJson> {
  const until = Date.now() + timeoutMs
  for (;;) {
    const res = await app.inject({ method: 'GET', url: `/api/v1/imports/${id}`, headers: { authorization: `Bearer ${token}` } })
    expect(res.statusCode).toBe(200)
    const imp = res.json<ImportJson>()
    if (!['queued', 'processing'].includes(imp.status)) {
      return imp
    }
    if (Date.now() > until) {
      throw new Error(`import ${id} still ${imp.status} after ${timeoutMs} ms`)
    }
    await new Promise((r) => setTimeout(r, 100))
  }
}
