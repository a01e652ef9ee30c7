/**
 * Every closed list of values the platform stores or checks: one home, importing nothing, used by
 * db/, server/ and workers/ alike (the linter keeps this folder free of imports).
 */
export * from './imports.ts'
export * from './organisations.ts'
export * from './roles.ts'
export * from './university-codes.ts'
export * from './scoring.ts'
export * from './academic-calendar.ts'
export * from './journey.ts'
export * from './consents.ts'
export * from './campaigns.ts'
