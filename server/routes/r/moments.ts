/** The moments a student may choose to be called back, and how the pages name them. */
export const CALLBACK_MOMENTS = ['matin', 'apres_midi', 'soir'] as const
export type CallbackMoment = (typeof CALLBACK_MOMENTS)[number]

export const MOMENT_LABELS: Record<CallbackMoment, string> = {
  matin: 'Le matin',
  apres_midi: 'L’après-midi',
  soir: 'En fin de journée',
}
