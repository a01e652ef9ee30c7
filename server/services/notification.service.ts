/**
 * E-mails to staff about their own work (an import finished or failed). Best effort: a mail
 * server that is down never fails the work itself; it is logged, without the address.
 */
import type { ImportRepository } from '../../db/repositories/imports.repository.ts'
import type { UserRepository } from '../../db/repositories/users.repository.ts'
import type { EmailRenderer } from '../lib/email-templates.ts'
import type { Logger } from '../lib/logger.ts'
import type { Mailer } from '../lib/mailer.ts'
import { KINDS } from './imports/kinds/index.ts'

type Deps = {
  imports: ImportRepository
  users: UserRepository
  mailer: Mailer
  emails: EmailRenderer
  log: Logger
  config: { PUBLIC_URL: string }
}

const fr = new Intl.NumberFormat('fr-FR')

export function createNotificationService({ imports, users, mailer, emails, log, config }: Deps) {
  return {
    async importFinished(importId: string): Promise<boolean> {
      const imp = await imports.byId(importId)
      if (!imp?.uploadedBy || !['succeeded', 'failed'].includes(imp.status)) {
        return false
      }
      const uploader = await users.byId(imp.uploadedBy)
      if (!uploader?.active) {
        return false
      }
      const mail = emails.render('import-finished', {
        firstName: uploader.fullName.split(/\s+/)[0] ?? uploader.fullName,
        succeeded: imp.status === 'succeeded',
        kindLabel: KINDS[imp.kind].label,
        fileName: imp.fileName,
        rowsRead: fr.format(imp.rowsRead),
        rowsLoaded: fr.format(imp.rowsLoaded),
        rowsInvalid: imp.rowsInvalid > 0 ? fr.format(imp.rowsInvalid) : '',
        reason: imp.errorMessage ?? '',
        url: new URL(`/imports/${imp.id}`, config.PUBLIC_URL).toString(),
      })
      try {
        await mailer.send({ to: uploader.email, ...mail })
        return true
      } catch (err) {
        log.warn({ importId, err: { message: (err as Error).message } }, 'import notification not sent')
        return false
      }
    },
  }
}
export type NotificationService = ReturnType<typeof createNotificationService>
