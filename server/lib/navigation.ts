import type { UserRole } from '../../db/vocabulary/index.ts'

type NavItem = { href: string; label: string; roles: readonly UserRole[] }

/** Each role sees only what it may use; routes enforce the same lists through `config.access`. */
const ITEMS: NavItem[] = [
  { href: '/', label: 'Accueil', roles: ['university_staff', 'counsellor', 'ml_manager', 'admin'] },
  { href: '/imports', label: 'Imports', roles: ['university_staff', 'admin'] },
  { href: '/risque', label: 'Liste de risque', roles: ['university_staff', 'admin'] },
  { href: '/campagnes', label: 'Campagnes', roles: ['university_staff', 'ml_manager', 'admin'] },
  { href: '/modeles', label: 'Modèles de risque', roles: ['admin'] },
  { href: '/dossiers', label: 'Dossiers', roles: ['counsellor', 'ml_manager'] },
  { href: '/sites', label: 'Lieux d’accueil', roles: ['counsellor', 'ml_manager', 'admin'] },
  { href: '/rendez-vous', label: 'Rendez-vous', roles: ['counsellor', 'ml_manager', 'admin'] },
  { href: '/disponibilites', label: 'Disponibilités', roles: ['counsellor', 'ml_manager', 'admin'] },
  { href: '/equipe', label: 'Équipe', roles: ['ml_manager'] },
  { href: '/admin/utilisateurs', label: 'Utilisateurs', roles: ['admin'] },
  { href: '/admin/journal', label: 'Journal d’audit', roles: ['admin'] },
  { href: '/admin/queues', label: 'Files de tâches', roles: ['admin'] },
  { href: '/docs', label: 'API', roles: ['university_staff', 'counsellor', 'ml_manager', 'admin'] },
]

export function navigationFor(role: UserRole, currentUrl: string) {
  const path = currentUrl.split('?')[0] ?? '/'
  return ITEMS.filter((i) => i.roles.includes(role)).map((i) => ({
    href: i.href,
    label: i.label,
    current: i.href === '/' ? path === '/' : path === i.href || path.startsWith(`${i.href}/`),
  }))
}
