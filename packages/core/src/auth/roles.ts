/** Roles of seed §6.1, in increasing order of power. */
export const ROLES = ['viewer', 'developer', 'pod-lead', 'admin'] as const;
export type Role = (typeof ROLES)[number];

/** True when `role` carries at least the powers of `than`. */
export function roleAtLeast(role: Role, than: Role): boolean {
  return ROLES.indexOf(role) >= ROLES.indexOf(than);
}
