import type { Ctx, Deps } from '../context.ts';
import type { ApiToken, User } from '../entities.ts';
import { ConflictError, InvalidInputError, NotFoundError } from '../errors.ts';
import { record } from '../events/record.ts';
import { addressInRanges, allowListEntryProblem } from '../outbound/address-policy.ts';
import { addMemberInTx } from '../pods/service.ts';
import { createVersionedCache } from '../ports/read-cache.ts';
import type { PageRequest, Repositories } from '../ports/repositories.ts';
import { type Actor, assertCan, NO_POD, SYSTEM_ACTOR } from './permissions.ts';
import { type Role, roleAtLeast } from './roles.ts';

/** `last_used_at` is bookkeeping, not audit: write it at most this often per token. */
const TOUCH_INTERVAL_MS = 60_000;
/**
 * The longest a cached token lookup is trusted without re-reading it. Changes made through CLOS reach
 * every process at once (docs/auth.md#revocation-across-processes); this bounds the rest: a change
 * written to the database by hand, or announced while a process's listening connection was down.
 */
export const TOKEN_CACHE_MAX_AGE_MS = 30_000;

export async function createUserInTx(
  deps: Deps,
  repos: Repositories,
  ctx: Ctx,
  input: { email: string; name: string; role: Role },
): Promise<User> {
  const email = input.email.toLowerCase();
  if (await repos.users.byEmail(email)) throw new ConflictError(`user ${email} already exists`, { email });
  const now = deps.clock.now();
  const user: User = {
    id: deps.ids.uuid(),
    email,
    name: input.name,
    role: input.role,
    createdAt: now,
    active: true,
    deactivatedAt: null,
    oidcSubject: null,
    lastSignInAt: null,
  };
  await repos.users.insert(user);
  await record(repos, ctx, now, {
    action: 'user.created',
    subjectType: 'user',
    subjectId: user.id,
    after: { email, name: input.name, role: input.role },
  });
  return user;
}

export interface TokenInput {
  name: string;
  role: Role;
  /** Pod slugs; required for pod-leads, optional for developers and viewers, ignored for admins. */
  pods?: string[] | undefined;
  expiresAt?: Date | null | undefined;
  /** CIDR ranges (or addresses) the token may be used from; anywhere when empty or absent. */
  allowedCidrs?: string[] | undefined;
  /** Email of the user the token acts as; defaults to the caller. */
  user?: string | undefined;
}

/** What a user may change about another (`PATCH /api/v1/users/:id`). */
export interface UserChange {
  name?: string | undefined;
  role?: Role | undefined;
  /** Pod slugs the user is an active member of afterwards. */
  pods?: string[] | undefined;
  active?: boolean | undefined;
}

/** Why a bearer token did not authenticate. */
export type TokenRefusal =
  | { reason: 'invalid' }
  | { reason: 'address_not_allowed'; tokenId: string; address: string; allowedCidrs: string[] };

/** How often a refused address is audited per token and address: a client retrying in a loop is one finding. */
const ADDRESS_REFUSAL_AUDIT_MS = 60_000;

/** Users, API tokens and authentication. */

export function createAuthService(deps: Deps) {
  const { uow, clock, ids, secrets } = deps;
  // Every request authenticates: a token's row (and its user's) is read again only after a token or
  // a user changed, in any process (uow.authVersion), and at least every TOKEN_CACHE_MAX_AGE_MS.
  const tokenCache = createVersionedCache<string, Awaited<ReturnType<typeof uow.read.tokens.byHash>>>(
    () => uow.authVersion(),
    { maxAge: { ms: TOKEN_CACHE_MAX_AGE_MS, now: () => clock.now().getTime() } },
  );

  async function issue(
    repos: Repositories,
    ctx: Ctx,
    user: User,
    input: TokenInput,
    value?: string,
  ): Promise<{ token: ApiToken; value: string }> {
    const problems = [];
    if (!roleAtLeast(user.role, input.role))
      problems.push({ path: 'role', message: `cannot exceed the user's own role (${user.role})` });
    if (input.role === 'pod-lead' && !input.pods?.length)
      problems.push({ path: 'pods', message: 'a pod-lead token must list the pods it leads' });
    if (input.expiresAt && input.expiresAt.getTime() <= clock.now().getTime())
      problems.push({ path: 'expiresAt', message: 'must be in the future' });
    (input.allowedCidrs ?? []).forEach((entry, i) => {
      const problem = allowListEntryProblem(entry);
      if (problem) problems.push({ path: `allowedCidrs.${i}`, message: problem });
    });
    if (!user.active) problems.push({ path: 'user', message: `${user.email} is deactivated` });
    if (problems.length) throw new InvalidInputError(problems);
    const slugs = input.role === 'admin' ? [] : [...new Set(input.pods ?? [])];
    const pods = [];
    for (const slug of slugs) {
      const pod = await repos.pods.bySlug(slug);
      if (!pod) throw new InvalidInputError([{ path: 'pods', message: `unknown pod "${slug}"` }]);
      pods.push(pod);
    }
    const tokenValue = value ?? secrets.newToken();
    const now = clock.now();
    const token: ApiToken = {
      id: ids.uuid(),
      name: input.name,
      userId: user.id,
      role: input.role,
      podIds: pods.map((p) => p.id),
      prefix: tokenValue.slice(0, 12),
      allowedCidrs: [...new Set((input.allowedCidrs ?? []).map((c) => c.trim()))],
      expiresAt: input.expiresAt ?? null,
      revokedAt: null,
      lastUsedAt: null,
      createdAt: now,
    };
    await repos.tokens.insert({ ...token, tokenHash: secrets.hashToken(tokenValue) });
    await record(repos, ctx, now, {
      action: 'token.created',
      subjectType: 'token',
      subjectId: token.id,
      after: {
        name: token.name,
        user: user.email,
        role: token.role,
        pods: slugs,
        allowedCidrs: token.allowedCidrs,
        expiresAt: token.expiresAt,
      },
    });
    return { token, value: tokenValue };
  }

  /** Joins the user to the listed pods they are not in and ends their other memberships. */
  async function setPods(repos: Repositories, ctx: Ctx, user: User, slugs: string[], now: Date) {
    const wanted = [];
    const unknown = [];
    for (const slug of new Set(slugs)) {
      const pod = await repos.pods.bySlug(slug);
      if (pod) wanted.push(pod);
      else unknown.push(slug);
    }
    if (unknown.length)
      throw new InvalidInputError(
        unknown.map((slug) => ({ path: `pods.${slugs.indexOf(slug)}`, message: `unknown pod "${slug}"` })),
      );
    const current = await repos.pods.membershipsOf(user.id);
    const wantedIds = new Set(wanted.map((p) => p.id));
    const left = current.filter((m) => !wantedIds.has(m.podId));
    const joined = wanted.filter((p) => !current.some((m) => m.podId === p.id));
    if (!left.length && !joined.length) return;
    for (const m of left) await repos.pods.endMembership(m.podId, user.id, now);
    // A pod lead joins as the pod's lead, anyone else as a member (the pod page can change it).
    for (const pod of joined)
      await addMemberInTx(deps, repos, ctx, pod, {
        email: user.email,
        podRole: user.role === 'pod-lead' ? 'lead' : 'member',
      });
    // A session's pods were fixed at sign-in: it ends, and the next sign-in acts in the new pods.
    const ended = await repos.sessions.endForUser(user.id, now, 'pods_changed');
    await record(repos, ctx, now, {
      action: 'user.pods_changed',
      subjectType: 'user',
      subjectId: user.id,
      before: { pods: current.map((m) => m.slug).sort() },
      after: { pods: wanted.map((p) => p.slug).sort(), sessionsEnded: ended.length },
    });
  }

  /** Last audited address refusal per token and address (in this process). */
  const addressRefusals = new Map<string, number>();

  return {
    async createUser(ctx: Ctx, input: { email: string; name: string; role: Role }): Promise<User> {
      assertCan(ctx.actor, 'users:manage');
      return uow.run((repos) => createUserInTx(deps, repos, ctx, input));
    },

    async listUsers(ctx: Ctx, page: PageRequest) {
      assertCan(ctx.actor, 'users:manage');
      return uow.read.users.list(page);
    },

    /** Returns the token's value once; only its hash is stored. */
    async createToken(ctx: Ctx, input: TokenInput) {
      assertCan(ctx.actor, 'tokens:manage');
      return uow.run(async (repos) => {
        const email = input.user?.toLowerCase();
        const user = email
          ? await repos.users.byEmail(email)
          : ctx.actor.userId
            ? await repos.users.byId(ctx.actor.userId)
            : null;
        if (!user)
          throw email
            ? new NotFoundError('user', email)
            : new InvalidInputError([{ path: 'user', message: 'is required for this caller' }]);
        return issue(repos, ctx, user, input);
      });
    },

    async listTokens(ctx: Ctx, page: PageRequest) {
      assertCan(ctx.actor, 'tokens:manage');
      return uow.read.tokens.list(page);
    },

    /** Idempotent. */
    /**
     * Which of these tokens may still be used now (not revoked, not expired, still existing). For
     * long-lived connections, which authenticated once at their start: the event stream re-checks its
     * readers' tokens with this, so revoking a token also ends its open streams.
     */
    async activeTokenIds(ids: readonly string[]): Promise<Set<string>> {
      const now = clock.now();
      const active = new Set<string>();
      for (const id of new Set(ids)) {
        const token = await uow.read.tokens.byId(id);
        if (token && !token.revokedAt && (!token.expiresAt || token.expiresAt > now)) active.add(id);
      }
      return active;
    },

    async revokeToken(ctx: Ctx, id: string): Promise<ApiToken> {
      assertCan(ctx.actor, 'tokens:manage');
      return uow.run(async (repos) => {
        const token = await repos.tokens.byId(id);
        if (!token) throw new NotFoundError('token', id);
        if (token.revokedAt) return token;
        const now = clock.now();
        const usable =
          token.role === 'admin' &&
          (token.expiresAt === null || token.expiresAt.getTime() > now.getTime()) &&
          (await repos.users.byId(token.userId))?.role === 'admin';
        if (usable) {
          // Serialised with other revocations so two admins cannot each revoke the other's last token.
          await repos.configState.lockStartup();
          if ((await repos.tokens.activeAdminCount(now)) <= 1)
            throw new ConflictError(
              'this is the last usable admin token; create another admin token before revoking it',
            );
        }
        await repos.tokens.revoke(id, now);
        await record(repos, ctx, now, {
          action: 'token.revoked',
          subjectType: 'token',
          subjectId: id,
          before: { name: token.name },
        });
        return { ...token, revokedAt: now };
      });
    },

    /**
     * The actor a bearer token stands for, or why not: unknown, revoked, expired or its user deactivated
     * (`invalid`), or used from an address outside its `allowedCidrs` (`address_not_allowed`, audited
     * at most once a minute per token and address). `address` is the client's, as the server believes
     * it (`server.trustProxy`); absent, an address-bound token is refused.
     */
    async authenticate(
      value: string,
      client: { address?: string | undefined } = {},
    ): Promise<{ ok: true; actor: Actor } | ({ ok: false } & TokenRefusal)> {
      const hash = secrets.hashToken(value);
      const found = await tokenCache.get(hash, () => uow.read.tokens.byHash(hash));
      const now = clock.now();
      if (
        !found ||
        found.revokedAt ||
        !found.user.active ||
        (found.expiresAt && found.expiresAt.getTime() <= now.getTime())
      )
        return { ok: false, reason: 'invalid' };
      if (
        found.allowedCidrs.length &&
        !(client.address && addressInRanges(client.address, found.allowedCidrs))
      ) {
        const address = client.address ?? 'unknown';
        const key = `${found.id} ${address}`;
        const last = addressRefusals.get(key);
        if (last === undefined || now.getTime() - last >= ADDRESS_REFUSAL_AUDIT_MS) {
          if (addressRefusals.size > 10_000) addressRefusals.clear();
          addressRefusals.set(key, now.getTime());
          await uow.run((repos) =>
            record(repos, { actor: { ...SYSTEM_ACTOR, label: found.user.email }, requestId: null }, now, {
              action: 'token.address_refused',
              subjectType: 'token',
              subjectId: found.id,
              after: { name: found.name, user: found.user.email, address, allowedCidrs: found.allowedCidrs },
            }),
          );
        }
        return {
          ok: false,
          reason: 'address_not_allowed',
          tokenId: found.id,
          address,
          allowedCidrs: found.allowedCidrs,
        };
      }
      if (!found.lastUsedAt || now.getTime() - found.lastUsedAt.getTime() > TOUCH_INTERVAL_MS) {
        // Bookkeeping only: it changes nothing a cached read depends on, so it does not count as a write.
        await uow.read.tokens.touch(found.id, now);
        found.lastUsedAt = now;
      }
      return {
        ok: true,
        actor: {
          userId: found.userId,
          tokenId: found.id,
          // A token never carries more than its user has now: lowering a user's role takes effect at once.
          role: roleAtLeast(found.user.role, found.role) ? found.role : found.user.role,
          podIds: found.podIds,
          label: found.user.email,
        },
      };
    },

    /**
     * Changes a user (admins): name, role, pod memberships, or deactivation and reactivation. A role
     * change ends the user's sessions (they sign in again with the new role); deactivation also revokes
     * every token of theirs. The last active admin can be neither demoted nor deactivated. One
     * transaction, one audit event per kind of change.
     */
    async updateUser(ctx: Ctx, id: string, change: UserChange): Promise<User> {
      assertCan(ctx.actor, 'users:manage');
      return uow.run(async (repos) => {
        const user = await repos.users.byId(id);
        if (!user) throw new NotFoundError('user', id);
        const now = clock.now();
        const losesAdmin =
          user.role === 'admin' &&
          user.active &&
          ((change.role !== undefined && change.role !== 'admin') || change.active === false);
        if (losesAdmin) {
          // Serialised with other access changes so two admins cannot each demote the other.
          await repos.configState.lockStartup();
          if ((await repos.users.activeAdminCount()) <= 1)
            throw new ConflictError(
              `${user.email} is the last active admin; make another user admin before ${change.active === false ? 'deactivating' : 'demoting'} them`,
              { user: user.email },
            );
        }
        let updated = { ...user };
        if (change.name !== undefined && change.name !== user.name) {
          await repos.users.update(id, { name: change.name });
          await record(repos, ctx, now, {
            action: 'user.updated',
            subjectType: 'user',
            subjectId: id,
            before: { name: user.name },
            after: { name: change.name },
          });
          updated = { ...updated, name: change.name };
        }
        if (change.role !== undefined && change.role !== user.role) {
          await repos.users.update(id, { role: change.role });
          const ended = await repos.sessions.endForUser(id, now, 'role_changed');
          await record(repos, ctx, now, {
            action: 'user.role_changed',
            subjectType: 'user',
            subjectId: id,
            before: { email: user.email, role: user.role },
            after: { email: user.email, role: change.role, sessionsEnded: ended.length },
          });
          updated = { ...updated, role: change.role };
        }
        if (change.pods !== undefined) await setPods(repos, ctx, updated, change.pods, now);
        if (change.active === false && user.active) {
          await repos.users.update(id, { active: false, deactivatedAt: now });
          const revoked = await repos.tokens.revokeForUser(id, now);
          const ended = await repos.sessions.endForUser(id, now, 'deactivated');
          await record(repos, ctx, now, {
            action: 'user.deactivated',
            subjectType: 'user',
            subjectId: id,
            after: { email: user.email, tokensRevoked: revoked.length, sessionsEnded: ended.length },
          });
          updated = { ...updated, active: false, deactivatedAt: now };
        } else if (change.active === true && !user.active) {
          await repos.users.update(id, { active: true, deactivatedAt: null });
          await record(repos, ctx, now, {
            action: 'user.reactivated',
            subjectType: 'user',
            subjectId: id,
            after: { email: user.email },
          });
          updated = { ...updated, active: true, deactivatedAt: null };
        }
        return updated;
      });
    },

    /**
     * The actor for a person who signs in elsewhere (a Slack user, matched by email), or null when no
     * CLOS user has that email. They act with their role, within their pods, as a token of theirs
     * would: an admin everywhere; a pod lead in the pods they lead (as a pod-lead token must list
     * them); anyone else in the pods they belong to. `via` marks the audit label (`ada@x.com via
     * slack`), so the log tells where a change was made.
     */
    async actorForEmail(email: string, via: string): Promise<Actor | null> {
      const user = await uow.read.users.byEmail(email.trim().toLowerCase());
      if (!user?.active) return null;
      const memberships = user.role === 'admin' ? [] : await uow.read.pods.membershipsOf(user.id);
      const scoped = user.role === 'pod-lead' ? memberships.filter((m) => m.podRole === 'lead') : memberships;
      return {
        userId: user.id,
        tokenId: null,
        role: user.role,
        // Empty means every pod: only admins get that. Anyone else in no pod acts in none.
        podIds: user.role === 'admin' ? [] : scoped.length ? scoped.map((m) => m.podId) : [NO_POD],
        label: `${user.email} via ${via}`,
      };
    },

    /**
     * On first start with an empty database: an admin user and an admin token (the given value, or a
     * generated one). Returns the token value only when it created one.
     */
    async bootstrap(input: {
      email: string;
      tokenValue?: string | undefined;
    }): Promise<{ value: string; generated: boolean } | null> {
      return uow.run(async (repos) => {
        await repos.configState.lockStartup();
        if ((await repos.tokens.count()) > 0) return null;
        const ctx: Ctx = { actor: SYSTEM_ACTOR, requestId: null };
        const user =
          (await repos.users.byEmail(input.email.toLowerCase())) ??
          (await createUserInTx(deps, repos, ctx, {
            email: input.email,
            name: 'Administrator',
            role: 'admin',
          }));
        if (user.role !== 'admin') await repos.users.update(user.id, { role: 'admin' });
        const { value } = await issue(
          repos,
          ctx,
          { ...user, role: 'admin' },
          { name: 'bootstrap admin', role: 'admin' },
          input.tokenValue,
        );
        return { value, generated: input.tokenValue === undefined };
      });
    },
  };
}

export type AuthService = ReturnType<typeof createAuthService>;
