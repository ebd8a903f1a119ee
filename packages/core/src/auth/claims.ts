/**
 * From an identity provider's ID token to a CLOS role, pods and MFA state: pure rules over
 * `auth` in clos.config.yaml (docs/auth.md), so every provider (Auth0, Okta, Entra ID, Google,
 * Keycloak) is mapped the same way.
 */
import type { AuthPolicy } from '../policy.ts';
import { ROLES, type Role, roleAtLeast } from './roles.ts';

/**
 * The values of the mapping claim: a string or a list of strings. The name is looked up as it is
 * first (Auth0's namespaced `https://example.com/roles` contains dots), then as a dotted path
 * (Keycloak's `realm_access.roles`).
 */
export function claimValues(claims: Record<string, unknown>, name: string): string[] {
  let value: unknown = claims[name];
  if (value === undefined && name.includes('.')) {
    value = claims;
    for (const part of name.split('.'))
      value =
        typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[part] : undefined;
  }
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.filter((v): v is string => typeof v === 'string');
  return [];
}

/** The roles and pods a user's claim values map to. `role` is the highest mapped role, or null for none. */
export interface MappedIdentity {
  role: Role | null;
  /** Every role the values map to, highest first. */
  roles: Role[];
  podSlugs: string[];
}

export function mapIdentity(policy: AuthPolicy, values: readonly string[]): MappedIdentity {
  const roles = new Set<Role>();
  const pods = new Set<string>();
  for (const value of values) {
    const role = Object.hasOwn(policy.oidc.roles, value) ? policy.oidc.roles[value] : undefined;
    if (role) roles.add(role);
    const slugs = Object.hasOwn(policy.oidc.pods, value) ? policy.oidc.pods[value] : undefined;
    for (const slug of slugs ?? []) pods.add(slug);
  }
  const sorted = [...ROLES].reverse().filter((r) => roles.has(r));
  return { role: sorted[0] ?? null, roles: sorted, podSlugs: [...pods].sort() };
}

/**
 * Whether the sign-in used a second factor. With `auth.mfa.acr` set, the `acr` claim decides (it must
 * be one of the listed values: those at or above the required level); otherwise `amr` must hold one of
 * the second-factor methods of RFC 8176.
 */
export function hasSecondFactor(
  policy: AuthPolicy,
  token: { amr: readonly string[]; acr: string | null },
): boolean {
  if (policy.mfa.acr.length) return token.acr !== null && policy.mfa.acr.includes(token.acr);
  return token.amr.some((method) => policy.mfa.amr.includes(method));
}

/** The role a session acts with, and why it is lower than the mapped one (null when it is not). */
export interface EffectiveRole {
  role: Role;
  downgradeReason: string | null;
}

/**
 * A role listed in `auth.requireMfa` needs a second factor. Without one the session acts with the next
 * role down the user's mapping that needs none (a user in both the admins' and the developers' group
 * acts as a developer), or as a viewer when nothing else is mapped.
 */
export function effectiveRole(
  policy: AuthPolicy,
  mapped: MappedIdentity & { role: Role },
  mfa: boolean,
): EffectiveRole {
  if (mfa || !policy.requireMfa.includes(mapped.role)) return { role: mapped.role, downgradeReason: null };
  const fallback =
    mapped.roles.find(
      (r) => r !== mapped.role && !policy.requireMfa.includes(r) && roleAtLeast(mapped.role, r),
    ) ?? 'viewer';
  return {
    role: fallback,
    downgradeReason: `the ${mapped.role} role needs a second factor (MFA) and this sign-in used none; you act as ${fallback}. Sign out, set up MFA with your identity provider and sign in again`,
  };
}
