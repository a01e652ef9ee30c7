/**
 * "Être rappelé·e": the student leaves a phone number and preferred moments; a case opens in the
 * Mission Locale's queue, due 2 working days later by default (a setting of the Mission Locale) (lib/paris-time.ts `dueAfterWorkingDays`:
 * 18:00 on the 2nd working day after the request day; weekends and French public holidays,
 * Easter-based ones included, do not count). A second request through the same link updates the
 * open case instead of queueing the student twice.
 */
import type { Db } from '../../db/client.ts'
import { createAvailabilityRepository } from '../../db/repositories/availability.repository.ts'
import { createCaseEventRepository } from '../../db/repositories/case-events.repository.ts'
import { createCaseRepository } from '../../db/repositories/cases.repository.ts'
import { CALLBACK_MOMENTS, type CallbackMoment } from '../../db/vocabulary/index.ts'
import { encryptField, type Keyring } from '../lib/crypto.ts'
import { dueAfterWorkingDays } from '../lib/paris-time.ts'
import { BadInput } from '../errors.ts'
import type { AuditContext, AuditService } from './audit.service.ts'
import type { LinkService } from './link.service.ts'

/** The default; each Mission Locale sets its own (`mission_locale_settings.callback_due_working_days`). */
export const CALLBACK_WORKING_DAYS = 2

export type CallbackInput = {
  linkId: string
  phone: string
  moments: CallbackMoment[]
  weekdaysOnly?: boolean
  firstName?: string | null
  /** The student agreed that the number goes to the Mission Locale. Must be true. */
  consentToShare: boolean
}

type Deps = { db: Db; config: { dataKeys: Keyring }; links: Pick<LinkService, 'usable'>; audit: Pick<AuditService, 'record'> }

export function createCallbackService({ db, config, links, audit }: Deps) {
  return {
    async request(ctx: AuditContext, input: CallbackInput, now = new Date()): Promise<{ caseId: string; dueAt: Date }> {
      if (input.consentToShare !== true) {
        throw new BadInput('Pour être rappelé·e, cochez la case qui autorise la transmission de votre numéro à la Mission Locale.')
      }
      const phone = input.phone.trim()
      if (!/^\+?[\d\s.-]{9,20}$/.test(phone)) {
        throw new BadInput('Le numéro de téléphone semble incomplet (exemple : 06 12 34 56 78).')
      }
      const moments = [...new Set(input.moments)].filter((m) => (CALLBACK_MOMENTS as readonly string[]).includes(m))
      if (moments.length === 0) {
        throw new BadInput('Choisissez au moins un moment pour être rappelé·e : matin, après-midi ou soir.')
      }
      const link = await links.usable(input.linkId, now)
      if (!link.missionLocaleId) {
        throw new BadInput('Aucune Mission Locale partenaire ne couvre votre commune : contactez celle de votre secteur.')
      }
      const missionLocaleId = link.missionLocaleId
      const firstName = input.firstName?.trim().slice(0, 100) || null
      const identityEnc = encryptField(config.dataKeys, JSON.stringify({ firstName, phone, consentAt: now.toISOString() }))
      const weekdaysOnly = input.weekdaysOnly ?? true
      const result = await db.transaction(async (tx) => {
        const settings = await createAvailabilityRepository(tx).settings(missionLocaleId)
        const dueAt = dueAfterWorkingDays(now, settings.callbackDueWorkingDays)
        const repo = createCaseRepository(tx)
        const open = await repo.openCallbackOfLink(link.id)
        if (open) {
          return { caseId: open.id, dueAt: open.dueAt ?? dueAt }
        }
        const c = await repo.open({
          missionLocaleId,
          origin: 'callback',
          studentId: link.studentId,
          linkId: link.id,
          dueAt,
          identityEnc,
          details: { moments, weekdaysOnly },
        })
        await repo.addCallbackRequest({ caseId: c.id, linkId: link.id, moments, weekdaysOnly })
        await createCaseEventRepository(tx).add({ caseId: c.id, kind: 'opened', at: now, payload: { origin: 'callback' } })
        return { caseId: c.id, dueAt }
      })
      await audit.record({ ...ctx, studentLinkId: link.id }, { action: 'student.callback', entityType: 'case', entityId: result.caseId })
      return result
    },
  }
}
export type CallbackService = ReturnType<typeof createCallbackService>
