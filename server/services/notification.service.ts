/**
 * E-mails to staff about their own work (an import finished or failed). A mail server that is
 * down never fails the work itself: the e-mail is its own job (`import.notify`), retried with
 * backoff; failures are logged without the address.
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
  /** Sends the e-mail about an import's end; false when there is nobody to tell. Throws when the mail server refuses. */
  async function sendImportFinished(importId: string): Promise<boolean> {
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
    await mailer.send({ to: uploader.email, ...mail })
    return true
  }

  return {
    async importFinished(importId: string): Promise<boolean> {
      try {
        return await sendImportFinished(importId)
      } catch (err) {
        log.warn({ importId, err: { message: (err as Error).message } }, 'import notification not sent')
        return false
      }
    },

    /**
     * The `import.notify` job: at most one e-mail per run of an import. The run is claimed
     * before sending; when the mail server refuses, the claim is given back and the error
     * thrown, so the job is retried. (A crash between the claim and the send loses that one
     * e-mail rather than risking two.)
     */
    async importRunEnded(importId: string, run: number): Promise<'sent' | 'skipped'> {
      if (!(await imports.claimNotification(importId, run))) {
        return 'skipped'
      }
      try {
        return (await sendImportFinished(importId)) ? 'sent' : 'skipped'
      } catch (err) {
        await imports.releaseNotification(importId, run)
        log.warn({ importId, run, err: { message: (err as Error).message } }, 'import notification not sent: will retry')
        throw err
      }
    },
  }
}
export type NotificationService = ReturnType<typeof createNotificationService>
