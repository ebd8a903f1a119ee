import { usageError } from '@clos/cli-kit';
import { roleSchema } from '@clos/contract';
import { type Command, Option } from 'commander';
import type { ClosClient } from '../api.ts';
import { action, collect, morePages, type Runtime, wholeNumber } from '../context.ts';

const ROLES = roleSchema.options;
type Role = (typeof ROLES)[number];
type User = Awaited<ReturnType<ClosClient['listUsers']>>['items'][number];

const roleOption = (description: string) =>
  new Option('--role <role>', description).choices(ROLES).makeOptionMandatory();

/** The largest page the API serves: the fewest round trips when a command reads a whole list. */
const FULL_PAGE = 200;

/** Every item of a paged list, following `nextCursor` to its end. */
export async function everyItem<T>(
  fetchPage: (query: {
    limit: number;
    cursor?: string;
  }) => Promise<{ items: T[]; nextCursor: string | null }>,
): Promise<T[]> {
  const items: T[] = [];
  let cursor: string | undefined;
  do {
    const page = await fetchPage({ limit: FULL_PAGE, ...(cursor ? { cursor } : {}) });
    items.push(...page.items);
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return items;
}

/**
 * The user with this email. The API names users by id and has no lookup by email, so this pages
 * through the users (sorted by email) until it finds them; an unknown email is a usage error (exit 2).
 */
export async function userByEmail(client: ClosClient, email: string): Promise<User> {
  const wanted = email.trim().toLowerCase();
  let cursor: string | undefined;
  do {
    const page = await client.listUsers({ query: { limit: FULL_PAGE, ...(cursor ? { cursor } : {}) } });
    const found = page.items.find((u) => u.email.toLowerCase() === wanted);
    if (found) return found;
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  throw usageError(`no user has the email ${email}`, ['list them with: clos user list']);
}

const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;

/** Changes one user named by email; `--json` prints the changed user as the API returns it. */
function changeUser<O>(
  runtime: Runtime,
  body: (options: O) => Parameters<ClosClient['updateUser']>[0]['body'],
  describe: (change: { client: ClosClient; before: User; after: User; options: O }) => Promise<string>,
) {
  return action<O>(runtime, async (s, options, command) => {
    // Bad flags are refused before anything is asked of the server.
    const change = body(options);
    const client = await s.client();
    const before = await userByEmail(client, command.args[0] as string);
    const after = await client.updateUser({ params: { id: before.id }, body: change });
    if (s.out.json) return s.out.printJson(after);
    s.out.line(await describe({ client, before, after, options }));
  });
}

/**
 * What deactivation took away: the tokens revoked and the sessions ended in that same transaction,
 * recognised by carrying the deactivation's own time (earlier revocations and endings do not).
 */
async function takenAway(client: ClosClient, user: User): Promise<{ tokens: number; sessions: number }> {
  const at = user.deactivatedAt;
  const tokens = await everyItem((query) => client.listTokens({ query }));
  const sessions = await everyItem((query) => client.listSessions({ query: { ...query, user: user.id } }));
  return {
    tokens: tokens.filter((t) => t.userId === user.id && t.revokedAt === at).length,
    sessions: sessions.filter((x) => x.endReason === 'deactivated' && x.endedAt === at).length,
  };
}

export function registerAccessCommands(program: Command, runtime: Runtime): void {
  const token = program.command('token').description('API tokens (admin)');

  token
    .command('create')
    .description('create a token; its value is shown once')
    .requiredOption('--name <name>', 'what the token is for, e.g. "ada laptop"')
    .addOption(roleOption("the token's role (capped at its user's role)"))
    .option('--user <email>', 'the user it acts as (default: you)')
    .option('--pod <slug>', 'a pod it is scoped to; repeat for more (pod-leads need at least one)', collect)
    .option('--expires <iso>', 'expiry, with offset, e.g. 2027-01-01T00:00:00Z')
    .option(
      '--allow-from <cidr>',
      'an IPv4/IPv6 range (or address) it may be used from, e.g. 10.0.0.0/8; repeat for more (default: anywhere)',
      collect,
    )
    .action(
      action<{
        name: string;
        role: Role;
        user?: string;
        pod?: string[];
        expires?: string;
        allowFrom?: string[];
      }>(runtime, async (s, o) => {
        const created = await (await s.client()).createToken({
          body: {
            name: o.name,
            role: o.role,
            ...(o.user ? { user: o.user } : {}),
            ...(o.pod ? { pods: o.pod } : {}),
            ...(o.expires ? { expiresAt: o.expires } : {}),
            ...(o.allowFrom ? { allowedCidrs: o.allowFrom } : {}),
          },
        });
        if (s.out.json) return s.out.printJson(created);
        s.out.line(created.value);
        const where = created.token.allowedCidrs.length
          ? `, usable only from ${created.token.allowedCidrs.join(', ')}`
          : '';
        s.out.note(
          `token ${created.token.id} (${created.token.role}${where}); the value above is shown once: store it now`,
        );
      }),
    );

  token
    .command('list')
    .description('tokens, newest first (never their values)')
    .option('--limit <n>', 'page size, 1–200', wholeNumber(1, 200))
    .option('--cursor <cursor>', 'the next page, from a previous listing')
    .action(
      action<{ limit?: number; cursor?: string }>(runtime, async (s, { limit, cursor }) => {
        const page = await (await s.client()).listTokens({
          query: { ...(limit ? { limit } : {}), ...(cursor ? { cursor } : {}) },
        });
        if (s.out.json) return s.out.printJson(page);
        s.out.table(page.items, [
          { header: 'ID', value: (t) => t.id },
          { header: 'NAME', value: (t) => t.name },
          { header: 'ROLE', value: (t) => t.role },
          { header: 'PREFIX', value: (t) => t.prefix },
          // An empty list means no restriction, which a bare "-" would hide.
          { header: 'ALLOWED FROM', value: (t) => (t.allowedCidrs.length ? t.allowedCidrs : 'anywhere') },
          { header: 'LAST USED', value: (t) => t.lastUsedAt ?? 'never' },
          { header: 'EXPIRES', value: (t) => t.expiresAt },
          { header: 'REVOKED', value: (t) => t.revokedAt },
        ]);
        morePages(s.out, page.nextCursor);
      }),
    );

  token
    .command('revoke')
    .description('revoke a token')
    .argument('<id>', 'token id')
    .action(
      action(runtime, async (s, _options, command) => {
        const revoked = await (await s.client()).revokeToken({ params: { id: command.args[0] as string } });
        if (s.out.json) return s.out.printJson(revoked);
        s.out.line(`revoked token ${revoked.id} (${revoked.name})`);
      }),
    );

  const user = program.command('user').description('users (admin)');

  user
    .command('add')
    .description('create a user')
    .requiredOption('--email <email>', 'email')
    .requiredOption('--name <name>', 'display name')
    .addOption(roleOption('role everywhere in CLOS'))
    .action(
      action<{ email: string; name: string; role: Role }>(runtime, async (s, body) => {
        const created = await (await s.client()).createUser({ body });
        if (s.out.json) return s.out.printJson(created);
        s.out.line(`created user ${created.email} (${created.role}) ${created.id}`);
      }),
    );

  user
    .command('list')
    .description('users, by email')
    .option('--limit <n>', 'page size, 1–200', wholeNumber(1, 200))
    .option('--cursor <cursor>', 'the next page, from a previous listing')
    .action(
      action<{ limit?: number; cursor?: string }>(runtime, async (s, { limit, cursor }) => {
        const page = await (await s.client()).listUsers({
          query: { ...(limit ? { limit } : {}), ...(cursor ? { cursor } : {}) },
        });
        if (s.out.json) return s.out.printJson(page);
        s.out.table(page.items, [
          { header: 'EMAIL', value: (u) => u.email },
          { header: 'NAME', value: (u) => u.name },
          { header: 'ROLE', value: (u) => u.role },
          { header: 'ACTIVE', value: (u) => (u.active ? 'yes' : 'no') },
          // Someone who has signed in with SSO once keeps their provider account; tokens work for anyone.
          { header: 'SIGN-IN', value: (u) => (u.oidcSubject ? 'sso' : 'token') },
          { header: 'LAST SIGN-IN', value: (u) => u.lastSignInAt ?? 'never' },
          { header: 'ID', value: (u) => u.id },
        ]);
        morePages(s.out, page.nextCursor);
      }),
    );

  user
    .command('set-role')
    .description(
      "change a user's role everywhere in CLOS (ends their sessions; their tokens are capped at it)",
    )
    .argument('<email>', 'the user')
    .addOption(roleOption('the new role'))
    .action(
      action<{ role: Role }>(runtime, async (s, { role }, command) => {
        const client = await s.client();
        const before = await userByEmail(client, command.args[0] as string);
        // Read first: the response does not say which sessions the change ended.
        const open = s.out.json || before.role === role ? [] : await openSessionIds(client, before.id);
        const after = await client.updateUser({ params: { id: before.id }, body: { role } });
        if (s.out.json) return s.out.printJson(after);
        if (before.role === after.role) {
          s.out.line(`${after.email} is already ${after.role}; nothing changed`);
          return;
        }
        const ended = open.length ? await endedOf(client, after.id, open, 'role_changed') : 0;
        s.out.line(
          `${after.email} is now ${after.role}, was ${before.role} (${
            ended
              ? `${plural(ended, 'session', 'sessions')} ended: they sign in again as ${after.role}`
              : 'they had no open session'
          })`,
        );
      }),
    );

  user
    .command('set-pods')
    .description('set the pods a user belongs to: joins the ones named, leaves the rest')
    .argument('<email>', 'the user')
    .option('--pod <slug>', 'a pod they belong to; repeat for more', collect)
    .option('--none', 'leave every pod')
    .action(
      changeUser<{ pod?: string[]; none?: boolean }>(
        runtime,
        ({ pod, none }) => {
          if (pod && none) throw usageError('--pod and --none cannot be combined');
          if (!pod && !none) throw usageError('name the pods with --pod <slug> (repeat it), or --none');
          return { pods: pod ?? [] };
        },
        async ({ after, options }) =>
          options.pod
            ? `${after.email} is now in ${[...new Set(options.pod)].join(', ')} (and no other pod)`
            : `${after.email} is now in no pod`,
      ),
    );

  user
    .command('deactivate')
    .description('deactivate a user: revokes their tokens, ends their sessions, refuses their sign-in')
    .argument('<email>', 'the user')
    .action(
      changeUser(
        runtime,
        () => ({ active: false }),
        async ({ client, before, after }) => {
          if (!before.active) return `${after.email} was already deactivated (since ${after.deactivatedAt})`;
          const gone = await takenAway(client, after);
          return `${after.email} is deactivated: ${plural(gone.tokens, 'token', 'tokens')} revoked, ${plural(gone.sessions, 'session', 'sessions')} ended; they can no longer sign in`;
        },
      ),
    );

  user
    .command('reactivate')
    .description('let a deactivated user sign in again (their old tokens stay revoked)')
    .argument('<email>', 'the user')
    .action(
      changeUser(
        runtime,
        () => ({ active: true }),
        async ({ before, after }) => {
          if (before.active) return `${after.email} is already active; nothing changed`;
          return `${after.email} is active again; their old tokens stay revoked: make a new one with clos token create --user ${after.email}`;
        },
      ),
    );
}

/** Ids of the user's sessions not yet ended (an expired one too: a role change ends those as well). */
async function openSessionIds(client: ClosClient, userId: string): Promise<string[]> {
  const sessions = await everyItem((query) => client.listSessions({ query: { ...query, user: userId } }));
  return sessions.filter((x) => x.endedAt === null).map((x) => x.id);
}

/** How many of these sessions have now ended for this reason. */
async function endedOf(client: ClosClient, userId: string, ids: string[], reason: string): Promise<number> {
  const wanted = new Set(ids);
  const sessions = await everyItem((query) => client.listSessions({ query: { ...query, user: userId } }));
  return sessions.filter((x) => wanted.has(x.id) && x.endReason === reason).length;
}
