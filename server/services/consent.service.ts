/**
 * The consent ledger (issue #10), shared by the university and the three Missions Locales: the
 * one answer to "may we write to this student on this channel?". The contacts import feeds it
 * (db/repositories/import-load.repository.ts, mergeStagedConsents); the student's own acts
 * (objection, one-click unsubscribe) are recorded here and always win over older files.
 */
import type { DbOrTx } from '../../db/client.ts'
import { createConsentRepository } from '../../db/repositories/consents.repository.ts'
import { CONSENT_CHANNELS, type ConsentChannel } from '../../db/vocabulary/index.ts'

type Deps = { db: DbOrTx; now?: () => Date }

export function createConsentService({ db, now = () => new Date() }: Deps) {
  return {
    /** The student objects to any outreach: every channel, for good. `q` lets a caller join its transaction. */
    async object(studentId: number, source: string, q: DbOrTx = db): Promise<void> {
      const repo = createConsentRepository(q)
      for (const channel of CONSENT_CHANNELS) {
        await repo.record({ studentId, channel, status: 'objected', source, at: now() })
      }
    },

    /** The student withdraws consent for one channel (e.g. the unsubscribe link of an e-mail). */
    async withdraw(studentId: number, channel: ConsentChannel, source: string, q: DbOrTx = db): Promise<boolean> {
      return createConsentRepository(q).record({ studentId, channel, status: 'withdrawn', source, at: now() })
    },

    async mayContact(studentId: number, channel: ConsentChannel, q: DbOrTx = db): Promise<boolean> {
      return (await createConsentRepository(q).currentFor(studentId, channel))?.status === 'given'
    },

    current: (studentId: number) => createConsentRepository(db).current(studentId),
    history: (studentId: number) => createConsentRepository(db).history(studentId),
  }
}
export type ConsentService = ReturnType<typeof createConsentService>
