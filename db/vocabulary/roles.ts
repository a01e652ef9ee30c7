/** Who signs in, and what each role may see (docs: README, design §1). */
export const USER_ROLES = ['university_staff', 'counsellor', 'ml_manager', 'admin'] as const
export type UserRole = (typeof USER_ROLES)[number]
