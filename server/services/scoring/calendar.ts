/** The academic calendar lives with the vocabularies, so db/ and the scoring services share one definition. */
export * from '../../../db/vocabulary/academic-calendar.ts'
