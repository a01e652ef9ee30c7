import {
  CASE_OUTCOME_LABELS,
  CASE_STATUS_LABELS,
  CASE_VERDICT_LABELS,
  CONTACT_CHANNEL_LABELS,
  CONTACT_RESULT_LABELS,
  type CaseEventKind,
  type CaseOutcome,
  type CaseStatus,
  type CaseVerdict,
  type ContactChannel,
  type ContactResult,
} from '../../../db/vocabulary/index.ts'

/** One line of a case's history, in French, from the event's codes. */
export function historyLine(
  h: { kind: CaseEventKind; payload: Record<string, unknown> },
  team: { id: string; fullName: string }[],
): string {
  const p = h.payload
  const nameOf = (id: unknown) => team.find((u) => u.id === id)?.fullName ?? 'un·e ancien·ne membre de l’équipe'
  switch (h.kind) {
    case 'opened':
      return p.origin === 'callback' ? 'Demande de rappel reçue' : 'Rendez-vous pris en ligne'
    case 'claim':
      return 'A pris le dossier'
    case 'assign':
      return `Dossier attribué à ${nameOf(p.to)}${p.bulk ? ' (réattribution groupée)' : ''}`
    case 'note':
      return 'Note'
    case 'contact_attempt':
      return `Contact par ${CONTACT_CHANNEL_LABELS[p.channel as ContactChannel]?.toLowerCase() ?? '?'} : ${CONTACT_RESULT_LABELS[p.result as ContactResult]?.toLowerCase() ?? '?'}`
    case 'status':
      return `Statut : ${CASE_STATUS_LABELS[p.from as CaseStatus] ?? '?'} → ${CASE_STATUS_LABELS[p.to as CaseStatus] ?? '?'}`
    case 'outcome':
      return `Clos : ${CASE_OUTCOME_LABELS[p.outcome as CaseOutcome] ?? '?'}${p.verdict ? ` (avis sur l’alerte : ${CASE_VERDICT_LABELS[p.verdict as CaseVerdict]?.toLowerCase()})` : ''}`
    case 'appointment':
      return p.moved
        ? 'Rendez-vous déplacé par le jeune'
        : p.attendance === 'held'
          ? 'Rendez-vous honoré'
          : p.attendance === 'no_show'
            ? 'Absent·e au rendez-vous'
            : 'Rendez-vous'
    case 'follow_up':
      return 'Relance à faire après l’absence'
    case 'reminders':
      return p.paused ? 'Relances automatiques suspendues' : 'Relances automatiques reprises'
  }
}
