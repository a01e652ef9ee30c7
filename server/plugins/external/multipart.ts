import fp from 'fastify-plugin'
import multipart from '@fastify/multipart'
import type { FastifyRequest } from 'fastify'
import type { MultipartFile } from '@fastify/multipart'
import { Readable } from 'node:stream'
import type { Config } from '../../config.ts'
import { BadInput } from '../../errors.ts'

/** Multipart uploads are streamed by the routes that accept them, never buffered whole. */
export default fp(
  async (fastify, opts: { config: Config }) => {
    await fastify.register(multipart, {
      limits: { fileSize: opts.config.UPLOAD_MAX_MB * 1024 * 1024, files: 1, fields: 10, fieldSize: 10_000 },
    })
  },
  { name: 'multipart' },
)

export const ONE_FILE_ONLY = 'Envoyez un seul fichier par requête : la requête en contenait plusieurs, rien n’a été enregistré.'

/**
 * Unicode bidirectional controls (embeddings, overrides, isolates, marks): in a file name they
 * make `facture‮vsc.exe` display as `facturexe.csv`. Names are stored and shown without them.
 * @see https://www.unicode.org/reports/tr9/#Directional_Formatting_Characters
 */
const BIDI_CONTROLS = /[\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069]/g
// eslint-disable-next-line no-control-regex -- removing control characters is the point
const CONTROL_CHARS = /[\u0000-\u001F\u007F]/g

/** A file name as sent by the browser, without bidirectional controls or other control characters. */
export function cleanFileName(name: string): string {
  return name.replace(BIDI_CONTROLS, '').replace(CONTROL_CHARS, '').trim()
}

export type UploadedFile = {
  /**
   * The file's bytes. Once they are read, the rest of the request is read too: a second file
   * makes this stream fail with a 400 (ONE_FILE_ONLY), so whoever stores it keeps nothing.
   */
  file: Readable
  /** The browser's file name, cleaned by `cleanFileName` ('' when none was sent). */
  filename: string
  /** Fields sent before the file. */
  fields: MultipartFile['fields']
  /** True when the file was cut at the size limit. */
  truncated: () => boolean
  /** Reads and drops the file without storing it (the request is refused for another reason). */
  discard: () => void
}

function isFilesLimit(err: unknown): boolean {
  return (err as { code?: unknown }).code === 'FST_FILES_LIMIT'
}

/**
 * The one uploaded file of a request, or a clear 400: not multipart, broken body, no file, more
 * than one file. @fastify/multipart with `files: 1` would otherwise drop a second file silently.
 */
export async function filePart(request: FastifyRequest, missing: string): Promise<UploadedFile> {
  if (!request.isMultipart()) {
    throw new BadInput('Envoyez le fichier en multipart/form-data, dans un champ « file ».')
  }
  const files = request.files()
  let part: MultipartFile | undefined
  try {
    part = (await files.next()).value as MultipartFile | undefined
  } catch (err) {
    if (isFilesLimit(err)) {
      throw new BadInput(ONE_FILE_ONLY)
    }
    if ((err as { statusCode?: number }).statusCode) {
      throw err
    }
    // Busboy's own errors (truncated body, wrong boundary) are the client's.
    throw new BadInput('La requête multipart est mal formée ou a été interrompue. Réessayez l’envoi.')
  }
  if (!part) {
    throw new BadInput(missing)
  }
  const source = part.file
  async function* oneFile(): AsyncGenerator<Buffer> {
    for await (const chunk of source) {
      yield chunk as Buffer
    }
    try {
      const next = await files.next()
      if (!next.done) {
        next.value.file.resume()
        throw new BadInput(ONE_FILE_ONLY)
      }
    } catch (err) {
      throw isFilesLimit(err) ? new BadInput(ONE_FILE_ONLY) : err
    }
  }
  return {
    file: Readable.from(oneFile(), { objectMode: false }),
    filename: cleanFileName(part.filename ?? ''),
    fields: part.fields,
    truncated: () => source.truncated,
    discard: () => source.resume(),
  }
}
