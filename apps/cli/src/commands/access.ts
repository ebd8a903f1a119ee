import { roleSchema } from '@clos/contract';
import { type Command, Option } from 'commander';
import { action, collect, morePages, type Runtime, wholeNumber } from '../context.ts';

const ROLES = roleSchema.options;
type Role = (typeof ROLES)[number];

const roleOption = (description: string) =>
  new Option('--role <role>', description).choices(ROLES).makeOptionMandatory();

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
    .action(
      action<{ name: string; role: Role; user?: string; pod?: string[]; expires?: string }>(
        runtime,
        async (s, o) => {
          const created = await (await s.client()).createToken({
            body: {
              name: o.name,
              role: o.role,
              ...(o.user ? { user: o.user } : {}),
              ...(o.pod ? { pods: o.pod } : {}),
              ...(o.expires ? { expiresAt: o.expires } : {}),
            },
          });
          if (s.out.json) return s.out.printJson(created);
          s.out.line(created.value);
          s.out.note(
            `token ${created.token.id} (${created.token.role}); the value above is shown once: store it now`,
          );
        },
      ),
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
          { header: 'ID', value: (u) => u.id },
        ]);
        morePages(s.out, page.nextCursor);
      }),
    );
}
