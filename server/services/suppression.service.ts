/**
 * The objection list ("ce n'est pas pour moi", RGPD art. 21): keyed hashes (HMAC-SHA256 with
 * SUPPRESSION_KEY) of the pseudonymous id and of the e-mail and phone when known. No clear value
 * is kept, and no foreign key, so the list outlives every purge. The campaign issue calls
 * `isSuppressed` before every send.
 */
import type { Db } from '../../db/client.ts'
import { createLinkRepository } from '../../db/repositories/links.repository.ts'
import { createSuppressionRepository, type SuppressionKey } from '../../db/repositories/suppressions.repository.ts'
import { keyedHash } from '../lib/codes.ts'
import { decryptField, type Keyring } from '../lib/crypto.ts'
import { LinkUnusable } from '../errors.ts'
import type { AuditContext, AuditService } from './audit.service.ts'
import type { ConsentService } from './consent.service.ts'

export type SuppressionQuery = { universityId?: string; pseudoId?: string; email?: string | null; phone?: string | null }

export function normaliseEmail(email: string): string {
  return email.trim().toLowerCase()
}

/** French numbers in one form: digits only, +33 / 0033 → 0. */
export function normalisePhone(phone: string): string {
  const digits = phone.replace(/[^\d+]/g, '').replace(/^(\+|00)33/, '0')
  return digits.replace(/\D/g, '')
}

type Deps = {
  db: Db
  config: { suppressionKey: Buffer; dataKeys: Keyring }
  audit: Pick<AuditService, 'record'>
  consents: Pick<ConsentService, 'object'>
}

export function createSuppressionService({ db, config, audit, consents }: Deps) {
  /** A pseudonym is unique per university only: the university is part of what is hashed. */
  function keysOf(qy: SuppressionQuery): SuppressionKey[] {
    const keys: SuppressionKey[] = []
    if (qy.universityId && qy.pseudoId) {
      keys.push({ kind: 'pseudo_id', valueHash: keyedHash(config.suppressionKey, `${qy.universityId}:${qy.pseudoId}`) })
    }
    if (qy.email) {
      keys.push({ kind: 'email', valueHash: keyedHash(config.suppressionKey, normaliseEmail(qy.email)) })
    }
    if (qy.phone && normalisePhone(qy.phone)) {
      keys.push({ kind: 'phone', valueHash: keyedHash(config.suppressionKey, normalisePhone(qy.phone)) })
    }
    return keys
  }

  /** E-mails and phones the platform holds for the student: the university's contacts, and what they gave through this link. */
  async function knownContacts(studentId: number, linkId: string): Promise<{ email?: string; phone?: string }[]> {
    const key = config.dataKeys
    const found: { email?: string; phone?: string }[] = []
    const { contact, identities } = await createSuppressionRepository(db).encryptedContactsOf(studentId, linkId)
    if (contact) {
      found.push({
        ...(contact.emailEnc ? { email: decryptField(key, contact.emailEnc) } : {}),
        ...(contact.phoneEnc ? { phone: decryptField(key, contact.phoneEnc) } : {}),
      })
    }
    for (const enc of identities) {
      const identity = JSON.parse(decryptField(key, enc)) as { email?: string; phone?: string }
      found.push({ ...(identity.email ? { email: identity.email } : {}), ...(identity.phone ? { phone: identity.phone } : {}) })
    }
    return found
  }

  return {
    keysOf,

    async isSuppressed(qy: SuppressionQuery): Promise<boolean> {
      return createSuppressionRepository(db).anyOf(keysOf(qy))
    },

    /** One click, idempotent: records the student's objection; every later link of theirs resolves `objected`. */
    async object(ctx: AuditContext, { linkId }: { linkId: string }): Promise<void> {
      const link = await createLinkRepository(db).byId(linkId)
      if (!link) {
        throw new LinkUnusable()
      }
      const keys = keysOf({ universityId: link.universityId, pseudoId: link.pseudoId })
      for (const c of await knownContacts(link.studentId, link.id)) {
        keys.push(...keysOf(c))
      }
      await db.transaction(async (tx) => {
        await createSuppressionRepository(tx).addMany(keys, 'objection')
        // The ledger too: the objection is final on every channel, whatever a later file says.
        await consents.object(link.studentId, 'opposition (lien personnel)', tx)
      })
      await audit.record({ ...ctx, studentLinkId: link.id }, { action: 'student.objection', entityType: 'link', entityId: link.id })
    },
  }
}
export type SuppressionService = ReturnType<typeof createSuppressionService>
