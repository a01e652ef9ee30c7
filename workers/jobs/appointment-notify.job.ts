import { defineHandler } from '../job-context.ts'

/** `appointment.confirm`: the confirmation e-mail with its .ics; the row is claimed first, so it is never sent twice. */
export const appointmentConfirmJob = defineHandler('appointment.confirm', ['appointmentNotifications'], ({ appointmentId }, { services }) =>
  services.appointmentNotifications.sendConfirmation(appointmentId),
)

/** `appointment.remind`: 48 h or 2 h before; skipped when the appointment was cancelled or already reminded. */
export const appointmentRemindJob = defineHandler(
  'appointment.remind',
  ['appointmentNotifications'],
  ({ appointmentId, step }, { services }) => services.appointmentNotifications.sendReminder(appointmentId, step),
)

/** `appointment.no_show_follow_up`: « on reprend rendez-vous ? » after a no-show; claimed first, so sent once at most. */
export const appointmentNoShowJob = defineHandler(
  'appointment.no_show_follow_up',
  ['appointmentNotifications'],
  ({ appointmentId }, { services }) => services.appointmentNotifications.sendNoShowFollowUp(appointmentId),
)
