/**
 * People signing in through an identity provider (OIDC): the user it maps to, created on first
 * sign-in; a server-side session per browser; its timeouts; and its end — by the person, an admin,
 * a deactivation or a role change. The protocol itself (discovery, PKCE, token validation) lives in
 * the server, over `openid-client`; this is what CLOS decides once the ID token is verified.
 */
import type { Ctx, Deps } from '../context.ts';
import type { User, UserSession } from '../entities.ts';
import { NotFoundError } from '../errors.ts';
import { record } from '../events/record.ts';
import { createReadCache } from '../ports/read-cache.ts';
import type { LoginAttempt, PageRequest, Repositories } from '../ports/repositories.ts';
import { claimValues, effectiveRole, hasSecondFactor, mapIdentity } from './claims.ts';
import { type Actor, assertCan, NO_POD, SYSTEM_ACTOR } from './permissions.ts';
import type { Role } from './roles.ts';

/** How long a sign-in may take between leaving for the provider and coming back. */
const LOGIN_ATTEMPT_MS = 10 * 60_000;
/** `last_seen_at` is written at most this often per session (the idle timeout's resolution). */
const TOUCH_INTERVAL_MS = 60_000;

/** What the server learnt from a verified ID token. */
export interface VerifiedIdentity {
  issuer: string;
  subject: string;
  email: string | null;
  emailVerified: boolean | null;
  name: string | null;
  claims: Record<string, unknown>;
  amr: string[];
  acr: string | null;
}

export type SignInRefusal = 'no_email' | 'no_role' | 'deactivated';

export type SignInResult =
  | { ok: true; value: string; session: UserSession; user: User }
  | { ok: false; reason: SignInRefusal; message: string };

/** An authenticated browser session: who acts, and the session (for its CSRF token and the UI). */
export interface SessionAuth {
  actor: Actor;
  session: UserSession;
}

export function createSignInService(deps: Deps) {
  const { uow, clock, ids, secrets, policy } = deps;
  const auth = policy.auth;
  // Every request of a signed-in browser looks its session up; on the embedded database the row is
  // read once per change (ending a session is a write, so it is never served stale).
  const sessionCache = createReadCache<string, Awaited<ReturnType<typeof uow.read.sessions.byHash>>>(uow);

  /** Audit label of a person acting through their browser session. */
  const labelOf = (user: User) => `${user.email} via sso`;

  async function podIdsFor(
    repos: Repositories,
    user: User,
    role: Role,
    podSlugs: string[],
  ): Promise<string[]> {
    if (role === 'admin') return [];
    let podIds: string[];
    if (Object.keys(auth.oidc.pods).length) {
      // The provider decides the pods when the mapping names any; pods not (yet) in CLOS are skipped.
      podIds = [];
      for (const slug of podSlugs) {
        const pod = await repos.pods.bySlug(slug);
        if (pod) podIds.push(pod.id);
      }
    } else {
      // As for a token of theirs: a pod lead acts in the pods they lead, anyone else where they belong.
      const memberships = await repos.pods.membershipsOf(user.id);
      podIds = (role === 'pod-lead' ? memberships.filter((m) => m.podRole === 'lead') : memberships).map(
        (m) => m.podId,
      );
    }
    // Empty would mean every pod: someone in no pod acts in none.
    return podIds.length ? podIds : [NO_POD];
  }

  async function refuse(
    repos: Repositories,
    identity: VerifiedIdentity,
    reason: SignInRefusal,
    message: string,
  ): Promise<SignInResult> {
    await record(repos, { actor: { ...SYSTEM_ACTOR, label: 'sso' }, requestId: null }, clock.now(), {
      action: 'session.refused',
      subjectType: 'user',
      subjectId: identity.email ?? identity.subject,
      after: { reason, issuer: identity.issuer, subject: identity.subject, email: identity.email },
    });
    return { ok: false, reason, message };
  }

  return {
    /** Keeps a sign-in under way until its callback; `binding` is the random value of its cookie. */
    async beginLogin(binding: string, attempt: Omit<LoginAttempt, 'createdAt'>): Promise<void> {
      const now = clock.now();
      await uow.run(async (repos) => {
        await repos.loginAttempts.prune(new Date(now.getTime() - LOGIN_ATTEMPT_MS));
        await repos.loginAttempts.insert(secrets.hashToken(binding), { ...attempt, createdAt: now });
      });
    },

    /** The sign-in a callback finishes, once; null when unknown, used or too old. */
    async takeLogin(binding: string): Promise<LoginAttempt | null> {
      const attempt = await uow.run((repos) => repos.loginAttempts.take(secrets.hashToken(binding)));
      if (!attempt || clock.now().getTime() - attempt.createdAt.getTime() > LOGIN_ATTEMPT_MS) return null;
      return attempt;
    },

    /**
     * Signs a verified identity in: maps its claims to a role and pods, finds the user (by provider
     * subject, then by email) or creates them, applies a role change (which ends their other
     * sessions), decides MFA, and opens a session. Refusals are audited too.
     */
    async signIn(
      identity: VerifiedIdentity,
      client: { ip: string | null; userAgent: string | null },
    ): Promise<SignInResult> {
      return uow.run(async (repos) => {
        const subject = `${identity.issuer} ${identity.subject}`;
        const email = identity.email?.trim().toLowerCase() || null;
        if (!email || identity.emailVerified === false)
          return refuse(
            repos,
            identity,
            'no_email',
            'your identity provider did not send a verified email address; ask your administrator to release the email claim to CLOS',
          );
        const mapped = mapIdentity(auth, claimValues(identity.claims, auth.oidc.claim));
        if (!mapped.role)
          return refuse(
            repos,
            identity,
            'no_role',
            `your account at the identity provider is in no group that CLOS maps to a role (claim "${auth.oidc.claim}"); ask your administrator for access`,
          );
        const now = clock.now();
        let user = (await repos.users.byOidcSubject(subject)) ?? (await repos.users.byEmail(email));
        const actorFor = (u: User): Ctx => ({
          actor: { userId: u.id, tokenId: null, role: mapped.role!, podIds: [], label: labelOf(u) },
          requestId: null,
        });
        if (!user) {
          user = {
            id: ids.uuid(),
            email,
            name: identity.name?.trim() || email,
            role: mapped.role,
            createdAt: now,
            active: true,
            deactivatedAt: null,
            oidcSubject: subject,
            lastSignInAt: now,
          };
          await repos.users.insert(user);
          await record(repos, actorFor(user), now, {
            action: 'user.created',
            subjectType: 'user',
            subjectId: user.id,
            after: { email, name: user.name, role: user.role, via: 'sso' },
          });
        } else {
          if (!user.active)
            return refuse(
              repos,
              identity,
              'deactivated',
              'your CLOS account is deactivated; ask an administrator to reactivate it',
            );
          if (user.role !== mapped.role) {
            // The provider is the source of truth for people who sign in with it.
            await repos.users.update(user.id, { role: mapped.role });
            const ended = await repos.sessions.endForUser(user.id, now, 'role_changed');
            await record(repos, actorFor(user), now, {
              action: 'user.role_changed',
              subjectType: 'user',
              subjectId: user.id,
              before: { role: user.role },
              after: { role: mapped.role, via: 'sso', sessionsEnded: ended.length },
            });
            user = { ...user, role: mapped.role };
          }
          await repos.users.update(user.id, { oidcSubject: subject, lastSignInAt: now });
          user = { ...user, oidcSubject: subject, lastSignInAt: now };
        }

        const mfa = hasSecondFactor(auth, identity);
        const effective = effectiveRole(auth, { ...mapped, role: mapped.role }, mfa);
        const value = secrets.newToken();
        const session: UserSession = {
          id: ids.uuid(),
          userId: user.id,
          role: effective.role,
          mappedRole: mapped.role,
          podIds: await podIdsFor(repos, user, effective.role, mapped.podSlugs),
          mfa,
          amr: identity.amr,
          acr: identity.acr,
          downgradeReason: effective.downgradeReason,
          ip: client.ip,
          userAgent: client.userAgent?.slice(0, 300) ?? null,
          createdAt: now,
          lastSeenAt: now,
          expiresAt: new Date(now.getTime() + auth.session.absoluteHours * 3_600_000),
          endedAt: null,
          endReason: null,
        };
        await repos.sessions.insert({ ...session, tokenHash: secrets.hashToken(value) });
        const ctx = actorFor(user);
        await record(repos, ctx, now, {
          action: 'session.started',
          subjectType: 'session',
          subjectId: session.id,
          after: {
            user: user.email,
            role: session.role,
            mappedRole: session.mappedRole,
            mfa,
            amr: identity.amr,
            acr: identity.acr,
            ip: client.ip,
          },
        });
        if (effective.downgradeReason)
          await record(repos, ctx, now, {
            action: 'session.mfa_downgraded',
            subjectType: 'session',
            subjectId: session.id,
            before: { role: mapped.role },
            after: { role: effective.role },
            reason: effective.downgradeReason,
          });
        return { ok: true, value, session, user };
      });
    },

    /**
     * The session a cookie value stands for, or null when unknown, ended, past its absolute end, idle
     * too long, or its user is deactivated. A session found expired or idle is ended on the spot, so
     * lists and reports show why it ended.
     */
    async authenticate(value: string): Promise<SessionAuth | null> {
      const hash = secrets.hashToken(value);
      const found = await sessionCache.get(hash, () => uow.read.sessions.byHash(hash));
      if (!found || found.endedAt || !found.user.active) return null;
      const now = clock.now();
      const idleMs = auth.session.idleMinutes * 60_000;
      const reason =
        found.expiresAt.getTime() <= now.getTime()
          ? 'expired'
          : now.getTime() - found.lastSeenAt.getTime() > idleMs
            ? 'idle'
            : null;
      if (reason) {
        await uow.run(async (repos) => {
          if (await repos.sessions.end(found.id, now, reason))
            await record(repos, { actor: { ...SYSTEM_ACTOR, label: 'sso' }, requestId: null }, now, {
              action: 'session.ended',
              subjectType: 'session',
              subjectId: found.id,
              after: { user: found.user.email, reason },
            });
        });
        return null;
      }
      if (now.getTime() - found.lastSeenAt.getTime() >= Math.min(TOUCH_INTERVAL_MS, idleMs / 4)) {
        // Bookkeeping, like a token's last use: not audited.
        await uow.read.sessions.touch(found.id, now);
        found.lastSeenAt = now;
      }
      const { user, ...session } = found;
      // A copy: the cached row must not be handed out to be changed.
      session.podIds = [...session.podIds];
      return {
        session,
        actor: {
          userId: user.id,
          tokenId: null,
          sessionId: session.id,
          role: session.role,
          podIds: session.podIds,
          label: labelOf(user),
        },
      };
    },

    /** The CSRF token of a session: derived from its secret cookie value, so nothing more is stored. */
    csrfToken(value: string): string {
      return secrets.sha256(`clos-csrf:${value}`);
    },

    /** Sessions, newest first (admins): every one, or a user's; `active` only those still open. */
    async list(
      ctx: Ctx,
      filter: { userId?: string | undefined; active?: boolean | undefined },
      page: PageRequest,
    ) {
      assertCan(ctx.actor, 'users:manage');
      return uow.read.sessions.list(
        { userId: filter.userId, activeAt: filter.active ? clock.now() : undefined },
        page,
      );
    },

    /**
     * Ends a session: one's own (signing out) or, for admins, anyone's. Idempotent: ending an ended
     * session changes nothing and records nothing.
     */
    async end(ctx: Ctx, id: string): Promise<UserSession> {
      const own = ctx.actor.sessionId === id;
      if (!own) assertCan(ctx.actor, 'users:manage');
      return uow.run(async (repos) => {
        const session = await repos.sessions.byId(id);
        if (!session) throw new NotFoundError('session', id);
        if (session.endedAt) return session;
        const now = clock.now();
        const reason = own ? 'signed_out' : 'ended_by_admin';
        await repos.sessions.end(id, now, reason);
        await record(repos, ctx, now, {
          action: 'session.ended',
          subjectType: 'session',
          subjectId: id,
          after: { reason },
        });
        return { ...session, endedAt: now, endReason: reason };
      });
    },

    /** Which of these sessions are still open: the event stream re-checks its readers with this. */
    async openSessionIds(sessionIds: readonly string[]): Promise<Set<string>> {
      return uow.read.sessions.openIds(sessionIds, clock.now());
    },
  };
}

export type SignInService = ReturnType<typeof createSignInService>;
