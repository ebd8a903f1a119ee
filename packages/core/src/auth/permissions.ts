import { ForbiddenError } from '../errors.ts';
import type { Role } from './roles.ts';

/**
 * Every route and GraphQL field declares one of these; a role holds a fixed set. Pod-scoped
 * permissions are further limited to the token's pods (see `assertPodScope`).
 */
export const PERMISSIONS = {
  public: 'no authentication (health probes, API docs)',
  read: 'read pods, projects, ideas, WIP, audit',
  'pods:create': 'register pods',
  'pods:manage': 'set WIP limits, record health, rotate and add members (pod-scoped)',
  'projects:manage': 'create and close projects (pod-scoped)',
  'projects:work': 'submit evidence, report CI status, advance, block and unblock projects (pod-scoped)',
  'gates:approve': 'approve or reject gates (pod-scoped; the role must also be listed by the gate)',
  'wip:use': 'acquire and release WIP locks (pod-scoped)',
  'ideas:contribute': 'submit and evaluate ideas',
  'ideas:decide': 'promote (pod-scoped) and archive ideas',
  'users:manage': 'create, change and deactivate users; list and end their sessions',
  'tokens:manage': 'create, list and revoke API tokens',
  'webhooks:manage': 'register and inspect outbound webhooks',
  'reports:read': 'read and export the access and SOC 2 reports',
  'metrics:read': 'scrape the Prometheus metrics at /metrics',
  'backups:create':
    'download a backup of the whole database (users, token hashes and the audit log included)',
} as const;
export type Permission = keyof typeof PERMISSIONS;

/** What a token may be granted: every permission but `public`, which needs no token. */
export const GRANTABLE_PERMISSIONS = (Object.keys(PERMISSIONS) as Permission[]).filter(
  (p): p is Exclude<Permission, 'public'> => p !== 'public',
);

/** Permissions limited to a token's pods when it is pod-scoped (`assertPodScope`); the rest are company-wide. */
export const POD_SCOPED_PERMISSIONS: ReadonlySet<Permission> = new Set<Permission>([
  'pods:manage',
  'projects:manage',
  'projects:work',
  'gates:approve',
  'wip:use',
  'ideas:decide',
]);

const DEVELOPER: Permission[] = ['read', 'projects:work', 'wip:use', 'ideas:contribute'];
const POD_LEAD: Permission[] = [
  ...DEVELOPER,
  'pods:manage',
  'projects:manage',
  'gates:approve',
  'ideas:decide',
  'metrics:read',
];

export const ROLE_PERMISSIONS: Record<Role, ReadonlySet<Permission>> = {
  viewer: new Set(['read']),
  developer: new Set(DEVELOPER),
  'pod-lead': new Set(POD_LEAD),
  admin: new Set(Object.keys(PERMISSIONS) as Permission[]),
};

/** Who is acting: a token's holder, or the config loader at start-up. */
export interface Actor {
  userId: string | null;
  tokenId: string | null;
  /** The signed-in browser session the request came with (SSO), when not a token. */
  sessionId?: string | null | undefined;
  role: Role;
  /** Pods the actor may act on; empty means all (admins, unscoped tokens). */
  podIds: string[];
  /** Shown in the audit log: an email, or `config` / `system`. */
  label: string;
}

/** A pod id no pod has: the scope of someone who belongs to no pod (an empty scope means all pods). */
export const NO_POD = '00000000-0000-0000-0000-000000000000';

export const SYSTEM_ACTOR: Actor = {
  userId: null,
  tokenId: null,
  role: 'admin',
  podIds: [],
  label: 'system',
};
export const CONFIG_ACTOR: Actor = {
  userId: null,
  tokenId: null,
  role: 'admin',
  podIds: [],
  label: 'config',
};

export function can(actor: Actor, permission: Permission): boolean {
  return permission === 'public' || ROLE_PERMISSIONS[actor.role].has(permission);
}

export function assertCan(actor: Actor, permission: Permission): void {
  if (!can(actor, permission))
    throw new ForbiddenError(`role "${actor.role}" may not ${PERMISSIONS[permission]}`, {
      permission,
      role: actor.role,
    });
}

/** Pod-scoped writes: a token limited to some pods may act only on those. */
export function assertPodScope(actor: Actor, podId: string, podSlug: string): void {
  if (actor.role === 'admin' || actor.podIds.length === 0) return;
  if (!actor.podIds.includes(podId))
    throw new ForbiddenError(`this token is not allowed to act on pod "${podSlug}"`, { pod: podSlug });
}
