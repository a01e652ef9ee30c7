/**
 * The student pages, under /r/ (no account): a personal link's landing page, « pourquoi »,
 * booking, callback, objection, and the manage link of an appointment.
 *
 * - Every route is `access: 'public'`, rate-limited per address (limits.ts), answers
 *   `Referrer-Policy: no-referrer` (the code is in the URL: it must not leak to another site)
 *   and `X-Robots-Tag: noindex`; request logs show the route pattern, never the code
 *   (lib/logger.ts).
 * - Everything works without JavaScript: links and plain forms, Post/Redirect/Get after each
 *   submission. Forms carry a CSRF token (the `_csrf` cookie of security.ts is not a session).
 * - No personal data in URLs: what the student types is only ever POSTed.
 * - Routes stay thin: the services (docs/journey.md) decide; view-models.ts shapes their answers
 *   for the templates.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyError, FastifyReply } from 'fastify'
import Type from 'typebox'
import { randomUUID } from 'node:crypto'
import { toErrorView } from '../../plugins/app/error-handler.ts'
import { pageData } from '../../plugins/app/views.ts'
import { bookingValues, callbackValues, readBookingForm, readCallbackForm, type FieldError } from './forms.ts'
import { parisToday } from './format.ts'
import { publicLimits } from './limits.ts'
import { MOMENT_LABELS } from './moments.ts'
import * as vm from './view-models.ts'
import type { LinkResolution } from '../../services/link.service.ts'
import type { SlotDay } from '../../services/availability.service.ts'
import { addDays, parisToUtc } from '../../lib/paris-time.ts'

/** A personal link's or a manage link's code: 22 characters of base64url (server/lib/codes.ts). */
const CODE = '^[A-Za-z0-9_-]{22}$'
const CodeParams = Type.Object({ code: Type.String({ pattern: CODE }) })
const ManageParams = Type.Object({ manageCode: Type.String({ pattern: CODE }) })
const Form = Type.Record(Type.String(), Type.Union([Type.String({ maxLength: 2000 }), Type.Array(Type.String({ maxLength: 200 }))]))
const SlotsQuery = Type.Object({
  lieu: Type.Optional(Type.String({ maxLength: 64 })),
  mode: Type.Optional(Type.String({ maxLength: 20 })),
  semaine: Type.Optional(Type.Integer({ minimum: 0, maximum: 12 })),
})
const SlotQuery = Type.Object({ creneau: Type.String({ maxLength: 500 }) })

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined)
/** Weeks a student may page through: the default horizon (4 weeks) and the week under way. */
const MAX_WEEK = 4

const plugin: FastifyPluginAsyncTypebox = async (fastify) => {
  const limits = publicLimits(fastify)
  const { links, routing, availability, bookings: booking, callbacks, suppressions } = fastify.services
  const helpful = () => vm.directory(routing)
  /** The link's booked appointment: resolving the link already said whether there is one. */
  const liveBooking = (link: vm.UsableResolution['link']) => (link.bookedAppointmentId ? booking.forLink(link.id) : null)
  const page = { access: 'public', html: true } as const
  const read = { config: page, onRequest: limits.pages }
  const write = { config: page, onRequest: [limits.pages, limits.writes] }

  fastify.addHook('onSend', async (_request, reply, payload) => {
    reply.header('referrer-policy', 'no-referrer')
    reply.header('x-robots-tag', 'noindex, nofollow')
    reply.header('cache-control', 'no-store')
    return payload
  })

  /** Renders a student page: the public layout, a CSRF token, no staff navigation. */
  function render(reply: FastifyReply, template: string, data: Record<string, unknown> & { title: string }) {
    return reply.viewAsync(`pages/public/${template}.hbs`, pageData(reply, { ...data, public: true }))
  }

  /** The link behind a code, or the page that says why it cannot be used (answers and returns null). */
  async function usableLink(reply: FastifyReply, code: string): Promise<vm.UsableResolution | null> {
    const resolved = await links.resolve(code)
    if (resolved.status === 'ok' && resolved.link) {
      return resolved as vm.UsableResolution
    }
    const html = await statusPage(reply, resolved)
    await reply.type('text/html; charset=utf-8').send(html)
    return null
  }

  async function statusPage(reply: FastifyReply, resolved: LinkResolution) {
    switch (resolved.status) {
      case 'objected':
        return render(reply, 'objected', { title: 'Vous ne recevrez plus de messages', ...vm.org(resolved) })
      case 'expired':
        reply.code(410)
        return render(reply, 'expired', { title: 'Lien expiré', ...vm.org(resolved) })
      case 'unknown':
      case 'ok':
        reply.code(404)
        return render(reply, 'unknown', { title: 'Lien introuvable', ...(await helpful()) })
    }
  }

  // Errors of these pages get the student's page, not the staff one (its « Revenir à l'accueil »
  // leads to the staff login).
  fastify.setErrorHandler(async (err: FastifyError, request, reply) => {
    // A code that cannot be one (cut short when copied, mistyped): the page of an unknown link.
    if (err.validation && err.validationContext === 'params') {
      reply.code(404)
      return render(reply, 'unknown', { title: 'Lien introuvable', ...(await helpful()) })
    }
    const view = toErrorView(err, request)
    if (view.statusCode >= 500) {
      request.log.error({ err, reqId: request.id }, 'request failed')
    } else {
      request.log.info({ code: view.code, statusCode: view.statusCode, reqId: request.id }, 'request refused')
    }
    reply.code(view.statusCode)
    return render(reply, 'error', { title: vm.errorTitle(view.statusCode), error: view })
  })

  // An address under /r/ that matches no page: the same helpful page as an unknown code.
  fastify.setNotFoundHandler({ preHandler: limits.pages }, async (_request, reply) => {
    reply.code(404)
    return render(reply, 'unknown', { title: 'Lien introuvable', ...(await helpful()) })
  })

  fastify.get('/:code', { ...read, schema: { hide: true, params: CodeParams } }, async (request, reply) => {
    const resolved = await usableLink(reply, request.params.code)
    if (!resolved) {
      return reply
    }
    // Only the first opening is recorded: later visits skip the write.
    if (!resolved.link.openedAt) {
      await links.markOpened(vm.studentCtx(request, resolved.link.id), resolved.link.id)
    }
    const current = await liveBooking(resolved.link)
    return render(reply, 'landing', {
      title: 'Un rendez-vous avec la Mission Locale',
      base: vm.base(request.params.code),
      ...vm.org(resolved),
      appointment: current
        ? {
            ...vm.slotSummary({ ...current.appointment, siteName: current.appointment.place?.name }),
            href: `/r/gerer/${current.manageCode}`,
          }
        : null,
    })
  })

  fastify.get('/:code/pourquoi', { ...read, schema: { hide: true, params: CodeParams } }, async (request, reply) => {
    const resolved = await usableLink(reply, request.params.code)
    if (!resolved) {
      return reply
    }
    return render(reply, 'why', {
      title: 'Pourquoi je reçois ce message',
      base: vm.base(request.params.code),
      ...vm.org(resolved, fastify.config.DPO_EMAIL),
      retention: vm.retention(fastify.config),
    })
  })

  fastify.post('/:code/opposition', { ...write, schema: { hide: true, params: CodeParams } }, async (request, reply) => {
    const resolved = await links.resolve(request.params.code)
    if (resolved.status === 'ok' && resolved.link) {
      await suppressions.object(vm.studentCtx(request, resolved.link.id), { linkId: resolved.link.id })
    }
    // Expired or already objected: the landing page says so; an objection is never refused.
    return reply.redirect(vm.base(request.params.code), 303)
  })

  // --- Unsubscribe from campaign e-mails (the link in every message; mail clients use the
  // one-click POST of the API instead, docs/campaigns.md#sending-guarantees).

  fastify.get('/:code/desinscription', { ...read, schema: { hide: true, params: CodeParams } }, async (request, reply) =>
    render(reply, 'unsubscribe', {
      title: 'Ne plus recevoir ces e-mails',
      done: false,
      action: `${vm.base(request.params.code)}/desinscription`,
    }),
  )

  fastify.post('/:code/desinscription', { ...write, schema: { hide: true, params: CodeParams } }, async (request, reply) => {
    await fastify.services.campaignEngine.unsubscribe(request.params.code)
    // Unknown or expired codes get the same answer: the page never tells whether a code exists.
    return render(reply, 'unsubscribe', { title: 'Désinscription enregistrée', done: true })
  })

  // --- Booking: where and how, then a slot, then the form.

  const ChooseQuery = Type.Object({ annule: Type.Optional(Type.String({ maxLength: 2 })) })
  fastify.get(
    '/:code/rendez-vous',
    { ...read, schema: { hide: true, params: CodeParams, querystring: ChooseQuery } },
    async (request, reply) => {
      const { code } = request.params
      const resolved = await usableLink(reply, code)
      if (!resolved) {
        return reply
      }
      const current = await liveBooking(resolved.link)
      if (current) {
        return reply.redirect(`/r/gerer/${current.manageCode}`, 303)
      }
      const commune = vm.communeOf(resolved)
      const route = commune ? await routing.forCommune(commune.inseeCode) : null
      const missionLocaleId = resolved.link.missionLocaleId
      const [places, free] = missionLocaleId
        ? await Promise.all([routing.places(missionLocaleId), availability.freeSlots({ missionLocaleId })])
        : [[], []]
      return render(reply, 'book-choose', {
        title: 'Prendre rendez-vous',
        base: vm.base(code),
        ...vm.org(resolved),
        commune,
        communeForm: true,
        notice: request.query.annule
          ? 'Votre rendez-vous est annulé : le créneau est libéré. Vous pouvez en choisir un autre ci-dessous.'
          : null,
        ...vm.choices(vm.base(code), places, route, free),
      })
    },
  )

  fastify.get(
    '/:code/commune',
    { ...read, schema: { hide: true, params: CodeParams, querystring: Type.Object({ q: Type.Optional(Type.String({ maxLength: 80 })) }) } },
    async (request, reply) => {
      const { code } = request.params
      const resolved = await usableLink(reply, code)
      if (!resolved) {
        return reply
      }
      const q = (request.query.q ?? '').trim()
      return render(reply, 'book-commune', {
        title: 'Votre commune',
        base: vm.base(code),
        ...vm.org(resolved),
        q,
        searched: q.length > 0,
        candidates: q ? vm.candidates(await routing.searchCommunes(q)) : [],
      })
    },
  )

  fastify.post(
    '/:code/commune',
    { ...write, schema: { hide: true, params: CodeParams, body: Type.Object({ insee: Type.String({ pattern: '^[0-9AB]{5}$' }) }) } },
    async (request, reply) => {
      const { code } = request.params
      const resolved = await usableLink(reply, code)
      if (!resolved) {
        return reply
      }
      await links.setCommune(vm.studentCtx(request, resolved.link.id), resolved.link.id, request.body.insee)
      return reply.redirect(`${vm.base(code)}/rendez-vous`, 303)
    },
  )

  /** The slot list of one place or modality, one week at a time. */
  async function slotsPage(
    reply: FastifyReply,
    code: string,
    resolved: vm.UsableResolution,
    choice: vm.Choice,
    week: number,
    extra: { error?: string; title?: string; horizon?: SlotDay[] } = {},
  ) {
    const missionLocaleId = resolved.link.missionLocaleId as string
    const { fromDay, toDay } = vm.weekWindow(week)
    const [days, places] = await Promise.all([
      extra.horizon
        ? extra.horizon.filter((d) => d.day >= fromDay && d.day <= toDay)
        : availability.freeSlots({
            missionLocaleId,
            ...choice,
            from: parisToUtc(fromDay, '00:00'),
            to: parisToUtc(addDays(toDay, 1), '00:00'),
          }),
      routing.places(missionLocaleId),
    ])
    return render(reply, 'book-slots', {
      title: extra.title ?? 'Choisir un créneau',
      base: vm.base(code),
      ...vm.org(resolved),
      error: extra.error,
      option: vm.optionLabel(choice, places),
      ...vm.slotDays(days, `${vm.base(code)}/rendez-vous/formulaire`, choice.modality === 'in_person' && !choice.siteId),
      ...vm.pager(`${vm.base(code)}/rendez-vous/creneaux`, vm.choiceParams(choice), week, MAX_WEEK),
      window: week === 0 ? 'cette semaine' : 'cette semaine-là',
    })
  }

  fastify.get(
    '/:code/rendez-vous/creneaux',
    { ...read, schema: { hide: true, params: CodeParams, querystring: SlotsQuery } },
    async (request, reply) => {
      const { code } = request.params
      const resolved = await usableLink(reply, code)
      if (!resolved) {
        return reply
      }
      const choice = vm.choiceFromQuery(request.query)
      if (!choice || !resolved.link.missionLocaleId) {
        return reply.redirect(`${vm.base(code)}/rendez-vous`, 303)
      }
      if (request.query.semaine !== undefined) {
        return slotsPage(reply, code, resolved, choice, Math.min(request.query.semaine, MAX_WEEK))
      }
      // Without a week asked for, the week of the next free slot: the place was offered with it.
      const horizon = await availability.freeSlots({ missionLocaleId: resolved.link.missionLocaleId, ...choice, firstWeek: true })
      const week = horizon[0] ? Math.min(vm.weekOfDay(horizon[0].day), MAX_WEEK) : 0
      return slotsPage(reply, code, resolved, choice, week, { horizon })
    },
  )

  /** The slot behind a key when it is still offered, or null. */
  async function offeredSlot(slotKey: string, missionLocaleId: string) {
    try {
      return await availability.checkSlot(slotKey, missionLocaleId)
    } catch (err) {
      if ((err as { code?: string }).code === 'APP_SLOT_UNAVAILABLE') {
        return null
      }
      throw err
    }
  }

  async function bookingForm(
    reply: FastifyReply,
    code: string,
    resolved: vm.UsableResolution,
    slotKey: string,
    extra: {
      values?: unknown
      errors?: FieldError[]
      fieldErrors?: Record<string, string>
      ageNotice?: unknown
      idempotencyKey?: string
    } = {},
  ) {
    const slot = resolved.link.missionLocaleId ? await offeredSlot(slotKey, resolved.link.missionLocaleId) : null
    if (!slot) {
      return reply.redirect(`${vm.base(code)}/rendez-vous`, 303)
    }
    const choice: vm.Choice = { modality: slot.rule.modality, ...(slot.rule.siteId ? { siteId: slot.rule.siteId } : {}) }
    return render(reply, 'book-form', {
      title: 'Vos coordonnées',
      base: vm.base(code),
      back: vm.choiceHref(vm.base(code), choice),
      ...vm.org(resolved),
      choice,
      slot: { key: slotKey, ...vm.slotSummary({ startsAt: slot.startsAt, modality: slot.rule.modality, siteName: slot.rule.siteName }) },
      today: parisToday(),
      idempotencyKey: extra.idempotencyKey ?? randomUUID(),
      values: extra.values ?? {},
      errors: extra.errors ?? [],
      fieldErrors: extra.fieldErrors ?? {},
      ageNotice: extra.ageNotice,
    })
  }

  fastify.get(
    '/:code/rendez-vous/formulaire',
    { ...read, schema: { hide: true, params: CodeParams, querystring: SlotQuery } },
    async (request, reply) => {
      const resolved = await usableLink(reply, request.params.code)
      if (!resolved) {
        return reply
      }
      const current = await liveBooking(resolved.link)
      if (current) {
        return reply.redirect(`/r/gerer/${current.manageCode}`, 303)
      }
      return bookingForm(reply, request.params.code, resolved, request.query.creneau)
    },
  )

  fastify.post('/:code/rendez-vous', { ...write, schema: { hide: true, params: CodeParams, body: Form } }, async (request, reply) => {
    const { code } = request.params
    const body = request.body
    const slotKey = typeof body.creneau === 'string' ? body.creneau : ''
    const idempotencyKey = typeof body.cle === 'string' && /^[A-Za-z0-9-]{8,64}$/.test(body.cle) ? body.cle : randomUUID()
    const resolved = await usableLink(reply, code)
    if (!resolved) {
      return reply
    }
    const values = bookingValues(body)
    const form = readBookingForm(values, parisToday())
    if (!form.ok) {
      reply.code(400)
      return bookingForm(reply, code, resolved, slotKey, { values, errors: form.errors, fieldErrors: form.fieldErrors, idempotencyKey })
    }
    let manageCode: string
    try {
      const booked = await booking.book(vm.studentCtx(request, resolved.link.id), {
        linkId: resolved.link.id,
        slotKey,
        identity: form.value,
        idempotencyKey,
      })
      manageCode = booked.manageCode
    } catch (err) {
      const refusal = vm.bookingRefusal(err)
      if (!refusal) {
        throw err
      }
      reply.code(refusal.statusCode)
      if (refusal.kind === 'already') {
        return render(reply, 'error', {
          title: 'Vous avez déjà un rendez-vous',
          ...vm.org(resolved),
          error: { message: refusal.message, reqId: request.id },
        })
      }
      if (refusal.kind === 'slot') {
        // The slot went to someone else (or is no longer offered): the list again, reason on top.
        const slot = vm.choiceFromQuery({ lieu: str(body.lieu), mode: str(body.mode) })
        if (slot) {
          return slotsPage(reply, code, resolved, slot, 0, { error: refusal.message, title: 'Choisir un autre créneau' })
        }
        return render(reply, 'error', {
          title: 'Créneau indisponible',
          ...vm.org(resolved),
          error: { message: refusal.message, reqId: request.id },
          back: `${vm.base(code)}/rendez-vous`,
        })
      }
      // Age (with the alternative to turn to) or a detail the service saw differently.
      return bookingForm(reply, code, resolved, slotKey, {
        values,
        idempotencyKey,
        errors: [{ field: refusal.kind === 'age' ? 'naissance' : '', message: refusal.message }],
        fieldErrors: refusal.kind === 'age' ? { naissance: refusal.message } : {},
      })
    }
    // Post/Redirect/Get: the confirmation is the manage page (a reload shows it again, books nothing).
    return reply.redirect(`/r/gerer/${manageCode}?nouveau=1`, 303)
  })

  // --- The manage link (confirmation page, e-mail, reminders): works even once the personal link expired.

  /** The appointment behind a manage code, or the helpful page (answers and returns null). */
  async function managedAppointment(reply: FastifyReply, manageCode: string) {
    try {
      return await booking.byManageCode(manageCode)
    } catch (err) {
      if ((err as { code?: string }).code !== 'APP_APPOINTMENT_NOT_FOUND') {
        throw err
      }
      reply.code(404)
      await render(reply, 'unknown', { title: 'Lien introuvable', ...(await helpful()) }).then((html) => reply.send(html))
      return null
    }
  }

  const ManageQuery = Type.Object({
    nouveau: Type.Optional(Type.String({ maxLength: 2 })),
    deplace: Type.Optional(Type.String({ maxLength: 2 })),
  })
  fastify.get(
    '/gerer/:manageCode',
    { ...read, schema: { hide: true, params: ManageParams, querystring: ManageQuery } },
    async (request, reply) => {
      const current = await managedAppointment(reply, request.params.manageCode)
      if (!current) {
        return reply
      }
      if (current.status === 'cancelled') {
        return render(reply, 'book-cancelled', { title: 'Rendez-vous annulé', ...vm.managed(current) })
      }
      return render(reply, 'book-confirmed', {
        title: request.query.nouveau ? 'Rendez-vous confirmé' : 'Votre rendez-vous',
        manageBase: `/r/gerer/${request.params.manageCode}`,
        justBooked: Boolean(request.query.nouveau),
        notice: request.query.deplace ? 'C’est fait : votre rendez-vous est déplacé. Voici le nouvel horaire.' : null,
        ...vm.managed(current),
      })
    },
  )

  fastify.post('/gerer/:manageCode/annuler', { ...write, schema: { hide: true, params: ManageParams } }, async (request, reply) => {
    await booking.cancel(vm.anonymousCtx(request), request.params.manageCode)
    return reply.redirect(`/r/gerer/${request.params.manageCode}`, 303)
  })

  fastify.get(
    '/gerer/:manageCode/deplacer',
    {
      ...read,
      schema: {
        hide: true,
        params: ManageParams,
        querystring: Type.Object({ semaine: Type.Optional(Type.Integer({ minimum: 0, maximum: 12 })) }),
      },
    },
    async (request, reply) => {
      const current = await managedAppointment(reply, request.params.manageCode)
      if (!current) {
        return reply
      }
      const manageBase = `/r/gerer/${request.params.manageCode}`
      if (!current.canChange || !current.missionLocale) {
        return reply.redirect(manageBase, 303)
      }
      const choice: vm.Choice = { modality: current.modality, ...(current.place ? { siteId: current.place.id } : {}) }
      const week = Math.min(request.query.semaine ?? 0, MAX_WEEK)
      const { fromDay, toDay } = vm.weekWindow(week)
      const missionLocaleId = current.missionLocale.id
      const [days, places] = await Promise.all([
        availability.freeSlots({
          missionLocaleId,
          ...choice,
          from: parisToUtc(fromDay, '00:00'),
          to: parisToUtc(addDays(toDay, 1), '00:00'),
        }),
        routing.places(missionLocaleId),
      ])
      return render(reply, 'book-slots', {
        title: 'Déplacer le rendez-vous',
        heading: 'Choisissez le nouveau créneau',
        backHref: manageBase,
        backLabel: 'Garder mon rendez-vous',
        missionLocale: vm.contact(current.missionLocale),
        option: vm.optionLabel(choice, places),
        current: vm.slotSummary({ startsAt: current.startsAt, modality: current.modality, siteName: current.place?.name }),
        ...vm.slotDays(days, `${manageBase}/deplacer/confirmer`, false),
        ...vm.pager(`${manageBase}/deplacer`, {}, week, MAX_WEEK),
      })
    },
  )

  fastify.get(
    '/gerer/:manageCode/deplacer/confirmer',
    { ...read, schema: { hide: true, params: ManageParams, querystring: SlotQuery } },
    async (request, reply) => {
      const current = await managedAppointment(reply, request.params.manageCode)
      if (!current) {
        return reply
      }
      const manageBase = `/r/gerer/${request.params.manageCode}`
      const slot = current.canChange && current.missionLocale ? await offeredSlot(request.query.creneau, current.missionLocale.id) : null
      if (!slot) {
        return reply.redirect(`${manageBase}/deplacer`, 303)
      }
      return render(reply, 'book-move', {
        title: 'Confirmer le nouveau créneau',
        manageBase,
        missionLocale: vm.contact(current.missionLocale),
        before: vm.slotSummary({ startsAt: current.startsAt, modality: current.modality, siteName: current.place?.name }),
        after: {
          key: request.query.creneau,
          ...vm.slotSummary({ startsAt: slot.startsAt, modality: slot.rule.modality, siteName: slot.rule.siteName }),
        },
      })
    },
  )

  fastify.post(
    '/gerer/:manageCode/deplacer',
    { ...write, schema: { hide: true, params: ManageParams, body: Type.Object({ creneau: Type.String({ maxLength: 500 }) }) } },
    async (request, reply) => {
      const manageBase = `/r/gerer/${request.params.manageCode}`
      try {
        const moved = await booking.move(vm.anonymousCtx(request), request.params.manageCode, request.body.creneau)
        return reply.redirect(`/r/gerer/${moved.manageCode}?deplace=1`, 303)
      } catch (err) {
        const refusal = vm.bookingRefusal(err)
        if (refusal?.kind !== 'slot') {
          throw err
        }
        reply.code(refusal.statusCode)
        return render(reply, 'error', {
          title: 'Créneau indisponible',
          error: { message: refusal.message, reqId: request.id },
          back: `${manageBase}/deplacer`,
        })
      }
    },
  )

  // --- Callback.

  function callbackPage(reply: FastifyReply, code: string, resolved: vm.UsableResolution, extra: Record<string, unknown> = {}) {
    const values = (extra.values ?? { moments: [] }) as { moments: string[] }
    return render(reply, 'callback', {
      title: 'Être rappelé·e',
      base: vm.base(code),
      ...vm.org(resolved),
      dueDays: 2,
      idempotencyKey: randomUUID(),
      moments: Object.entries(MOMENT_LABELS).map(([value, label]) => ({ value, label, checked: values.moments.includes(value) })),
      values,
      errors: [],
      fieldErrors: {},
      ...extra,
    })
  }

  fastify.get('/:code/rappel', { ...read, schema: { hide: true, params: CodeParams } }, async (request, reply) => {
    const resolved = await usableLink(reply, request.params.code)
    if (!resolved) {
      return reply
    }
    return callbackPage(reply, request.params.code, resolved)
  })

  fastify.post('/:code/rappel', { ...write, schema: { hide: true, params: CodeParams, body: Form } }, async (request, reply) => {
    const { code } = request.params
    const resolved = await usableLink(reply, code)
    if (!resolved) {
      return reply
    }
    const values = callbackValues(request.body)
    const form = readCallbackForm(values)
    if (!form.ok) {
      reply.code(400)
      return callbackPage(reply, code, resolved, { values, errors: form.errors, fieldErrors: form.fieldErrors })
    }
    const done = await callbacks.request(vm.studentCtx(request, resolved.link.id), {
      linkId: resolved.link.id,
      ...form.value,
      consentToShare: true,
    })
    const query = new URLSearchParams({ le: vm.isoDay(done.dueAt), moments: form.value.moments.join(',') })
    return reply.redirect(`${vm.base(code)}/rappel/merci?${query.toString()}`, 303)
  })

  fastify.get(
    '/:code/rappel/merci',
    {
      ...read,
      schema: {
        hide: true,
        params: CodeParams,
        querystring: Type.Object({
          le: Type.Optional(Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$' })),
          moments: Type.Optional(Type.String({ maxLength: 40 })),
        }),
      },
    },
    async (request, reply) => {
      const resolved = await usableLink(reply, request.params.code)
      if (!resolved) {
        return reply
      }
      return render(reply, 'callback-done', {
        title: 'Demande de rappel envoyée',
        base: vm.base(request.params.code),
        ...vm.org(resolved),
        ...vm.callbackDone(request.query),
      })
    },
  )
}

export default plugin
