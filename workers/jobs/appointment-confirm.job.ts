import type { JobHandler } from '../registry.ts'

/** `appointment.confirm`: the confirmation e-mail with its .ics; claimed first, so never sent twice. */
export const appointmentConfirmJob: JobHandler<'appointment.confirm'> = (payload, { services }) =>
  services.appointmentNotifications.sendConfirmation(payload.appointmentId)
