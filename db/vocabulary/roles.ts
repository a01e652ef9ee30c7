/** Who signs in, and what each role may see (docs: README, docs/principles.md#users-and-roles). */
export const USER_ROLES = ['university_staff', 'counsellor', 'ml_manager', 'admin'] as const
export type UserRole = (typeof USER_ROLES)[number]
