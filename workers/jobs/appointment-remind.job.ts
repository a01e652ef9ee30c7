import type { JobHandler } from '../registry.ts'

/** `appointment.remind`: 48 h or 2 h before; skipped when the appointment was cancelled or already reminded. */
export const appointmentRemindJob: JobHandler<'appointment.remind'> = (payload, { services }) =>
  services.appointmentNotifications.sendReminder(payload.appointmentId, payload.step)
