import type { Ctx, Deps } from '../context.ts';
import type { ApiToken, User } from '../entities.ts';
import { ConflictError, InvalidInputError, NotFoundError } from '../errors.ts';
import { record } from '../events/record.ts';
import { createReadCache } from '../ports/read-cache.ts';
import type { PageRequest, Repositories } from '../ports/repositories.ts';
import { type Actor, assertCan, SYSTEM_ACTOR } from './permissions.ts';
import { type Role, roleAtLeast } from './roles.ts';

/** `last_used_at` is bookkeeping, not audit: write it at most this often per token. */
const TOUCH_INTERVAL_MS = 60_000;

export async function createUserInTx(
  deps: Deps,
  repos: Repositories,
  ctx: Ctx,
  input: { email: string; name: string; role: Role },
): Promise<User> {
  const email = input.email.toLowerCase();
  if (await repos.users.byEmail(email)) throw new ConflictError(`user ${email} already exists`, { email });
  const now = deps.clock.now();
  const user: User = { id: deps.ids.uuid(), email, name: input.name, role: input.role, createdAt: now };
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
  /** Email of the user the token acts as; defaults to the caller. */
  user?: string | undefined;
}

/** Users, API tokens and authentication. */
/** A pod id no pod has: the scope of someone who belongs to no pod (an empty scope means all pods). */
const NO_POD = '00000000-0000-0000-0000-000000000000';

export function createAuthService(deps: Deps) {
  const { uow, clock, ids, secrets } = deps;
  // Every request authenticates; on the embedded database the token row is read once per change.
  const tokenCache = createReadCache<string, Awaited<ReturnType<typeof uow.read.tokens.byHash>>>(uow);

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
        expiresAt: token.expiresAt,
      },
    });
    return { token, value: tokenValue };
  }

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

    /** The actor a bearer token stands for, or null if it is unknown, revoked or expired. */
    async authenticate(value: string): Promise<Actor | null> {
      const hash = secrets.hashToken(value);
      const found = await tokenCache.get(hash, () => uow.read.tokens.byHash(hash));
      const now = clock.now();
      if (!found || found.revokedAt || (found.expiresAt && found.expiresAt.getTime() <= now.getTime()))
        return null;
      if (!found.lastUsedAt || now.getTime() - found.lastUsedAt.getTime() > TOUCH_INTERVAL_MS) {
        // Bookkeeping only: it changes nothing a cached read depends on, so it does not count as a write.
        await uow.read.tokens.touch(found.id, now);
        found.lastUsedAt = now;
      }
      return {
        userId: found.userId,
        tokenId: found.id,
        // A token never carries more than its user has now: lowering a user's role takes effect at once.
        role: roleAtLeast(found.user.role, found.role) ? found.role : found.user.role,
        podIds: found.podIds,
        label: found.user.email,
      };
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
      if (!user) return null;
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
