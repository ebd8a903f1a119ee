import type { Ctx, Deps } from '../context.ts';
import type { User } from '../entities.ts';
import { assertCan, PERMISSIONS, type Permission, ROLE_PERMISSIONS } from './permissions.ts';
import type { Role } from './roles.ts';

/** Who a token speaks for and what it may do: what a UI needs to show only the actions allowed. */
export interface SessionInfo {
  /** The token's holder; null for actors without a user (the config loader, the system). */
  user: Pick<User, 'id' | 'email' | 'name' | 'role'> | null;
  tokenId: string | null;
  /** The role in force: the token's, capped by its user's current role. */
  role: Role;
  /** The pods the token is limited to, by slug; empty means every pod. */
  pods: { id: string; slug: string; name: string }[];
  /** What the role may do, in the order of `PERMISSIONS` (`public` is implied and not listed). */
  permissions: Exclude<Permission, 'public'>[];
  /** The browser session (SSO) the caller signed in with; null for an API token. */
  session: {
    id: string;
    expiresAt: Date;
    idleMinutes: number;
    mfa: boolean;
    mappedRole: Role;
    /** Why the role in force is below the mapped one, and how to fix it; null when it is not. */
    downgradeReason: string | null;
  } | null;
}

/** The caller's identity (`GET /api/v1/me`). */
export function createSessionService(deps: Deps) {
  const { uow } = deps;
  return {
    async me(ctx: Ctx): Promise<SessionInfo> {
      // Every role holds `read`: any valid token may ask who it is.
      assertCan(ctx.actor, 'read');
      const { actor } = ctx;
      const user = actor.userId ? await uow.read.users.byId(actor.userId) : null;
      const pods = actor.podIds.length ? await uow.read.pods.byIds(actor.podIds) : [];
      const granted = ROLE_PERMISSIONS[actor.role];
      const session = actor.sessionId ? await uow.read.sessions.byId(actor.sessionId) : null;
      return {
        user: user ? { id: user.id, email: user.email, name: user.name, role: user.role } : null,
        tokenId: actor.tokenId,
        role: actor.role,
        pods: pods
          .map((p) => ({ id: p.id, slug: p.slug, name: p.name }))
          .sort((a, b) => a.slug.localeCompare(b.slug)),
        permissions: (Object.keys(PERMISSIONS) as Permission[]).filter(
          (p): p is Exclude<Permission, 'public'> => p !== 'public' && granted.has(p),
        ),
        session: session
          ? {
              id: session.id,
              expiresAt: session.expiresAt,
              idleMinutes: deps.policy.auth.session.idleMinutes,
              mfa: session.mfa,
              mappedRole: session.mappedRole,
              downgradeReason: session.downgradeReason,
            }
          : null,
      };
    },
  };
}

export type SessionService = ReturnType<typeof createSessionService>;
