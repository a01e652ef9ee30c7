/**
 * The `.ics` invitation of an appointment, built with ical-generator (maintained, typed, writes
 * DTSTART;TZID=Europe/Paris with the VTIMEZONE block that calendar apps need to place the time
 * right across daylight-saving changes; the block comes from @touch4it/ical-timezones, the
 * generator ical-generator's README recommends).
 */
import ical, { ICalCalendarMethod, ICalEventStatus } from 'ical-generator'
import timezones from '@touch4it/ical-timezones'
import { parisDay, parisTime, TIME_ZONE } from './paris-time.ts'

/**
 * Paris wall-clock time as a zone-less ISO string. ical-generator formats a native Date given with
 * a timezone through the process's local getters (getHours…), which is wrong unless the process
 * runs in Europe/Paris; a zone-less string reads back the same on any process zone.
 */
function wallClock(at: Date): string {
  return `${parisDay(at)}T${parisTime(at)}:00`
}

export type IcsInput = {
  /** Stable across resends: the same appointment updates the same calendar entry. */
  uid: string
  startsAt: Date
  endsAt: Date
  summary: string
  description: string
  /** The address for on-site appointments; "Par téléphone" / "En visio" otherwise. */
  location: string
  organizer: { name: string; email: string }
  url?: string
  cancelled?: boolean
}

export function appointmentIcs(input: IcsInput): string {
  const calendar = ical({
    prodId: { company: 'Repère', product: 'rendez-vous', language: 'FR' },
    method: input.cancelled ? ICalCalendarMethod.CANCEL : ICalCalendarMethod.REQUEST,
    timezone: { name: TIME_ZONE, generator: (tz: string) => timezones.getVtimezoneComponent(tz) },
  })
  calendar.createEvent({
    id: input.uid,
    start: wallClock(input.startsAt),
    end: wallClock(input.endsAt),
    timezone: TIME_ZONE,
    summary: input.summary,
    description: input.description,
    location: input.location,
    organizer: input.organizer,
    status: input.cancelled ? ICalEventStatus.CANCELLED : ICalEventStatus.CONFIRMED,
    ...(input.url ? { url: input.url } : {}),
  })
  return calendar.toString()
}
