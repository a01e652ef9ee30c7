import fp from 'fastify-plugin'
import multipart from '@fastify/multipart'
import type { FastifyRequest } from 'fastify'
import type { MultipartFile } from '@fastify/multipart'
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

/** The uploaded file part of a request, or a clear 400: not multipart, broken body, no file. */
export async function filePart(request: FastifyRequest, missing: string): Promise<MultipartFile> {
  if (!request.isMultipart()) {
    throw new BadInput('Envoyez le fichier en multipart/form-data, dans un champ « file ».')
  }
  let part: MultipartFile | undefined
  try {
    part = await request.file()
  } catch (err) {
    if ((err as { statusCode?: number }).statusCode) {
      throw err
    }
    // Busboy's own errors (truncated body, wrong boundary) are the client's.
    throw new BadInput('La requête multipart est mal formée ou a été interrompue. Réessayez l’envoi.')
  }
  if (!part) {
    throw new BadInput(missing)
  }
  return part
}
