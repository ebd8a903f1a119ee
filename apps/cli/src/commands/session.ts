import type { Command } from 'commander';
import { action, morePages, type Runtime, wholeNumber } from '../context.ts';
import { everyItem, userByEmail } from './access.ts';

export function registerSessionCommands(program: Command, runtime: Runtime): void {
  const session = program.command('session').description('signed-in browser (SSO) sessions (admin)');

  session
    .command('list')
    .description('open sessions, newest first')
    .option('--user <email>', "only this user's sessions")
    .option('--all', 'ended and expired sessions too')
    .option('--limit <n>', 'page size, 1–200', wholeNumber(1, 200))
    .option('--cursor <cursor>', 'the next page, from a previous listing')
    .action(
      action<{ user?: string; all?: boolean; limit?: number; cursor?: string }>(runtime, async (s, o) => {
        const client = await s.client();
        const user = o.user ? await userByEmail(client, o.user) : null;
        const page = await client.listSessions({
          query: {
            ...(user ? { user: user.id } : {}),
            ...(o.all ? {} : { active: 'true' as const }),
            ...(o.limit ? { limit: o.limit } : {}),
            ...(o.cursor ? { cursor: o.cursor } : {}),
          },
        });
        if (s.out.json) return s.out.printJson(page);
        // Sessions name their user by id; people know them by email. Only read the users when needed.
        const emails = new Map<string, string>(user ? [[user.id, user.email]] : []);
        if (!user && page.items.length)
          for (const u of await everyItem((query) => client.listUsers({ query }))) emails.set(u.id, u.email);
        s.out.table(page.items, [
          { header: 'ID', value: (x) => x.id },
          { header: 'USER', value: (x) => emails.get(x.userId) ?? x.userId },
          // A session acting below its mapped role lacks the second factor that role requires.
          {
            header: 'ROLE',
            value: (x) => (x.role === x.mappedRole ? x.role : `${x.role} (downgraded from ${x.mappedRole})`),
          },
          { header: 'MFA', value: (x) => (x.mfa ? 'yes' : 'no') },
          { header: 'ADDRESS', value: (x) => x.ip },
          { header: 'STARTED', value: (x) => x.createdAt },
          { header: 'LAST SEEN', value: (x) => x.lastSeenAt },
          { header: 'EXPIRES', value: (x) => x.expiresAt },
          ...(o.all
            ? [
                {
                  header: 'ENDED',
                  value: (x: (typeof page.items)[number]) => x.endedAt && `${x.endedAt} (${x.endReason})`,
                },
              ]
            : []),
        ]);
        morePages(s.out, page.nextCursor);
      }),
    );

  session
    .command('end')
    .description('end a session: its browser is signed out at its next request')
    .argument('<id>', 'session id (from clos session list)')
    .action(
      action(runtime, async (s, _options, command) => {
        const ended = await (await s.client()).endSession({ params: { id: command.args[0] as string } });
        if (s.out.json) return s.out.printJson(ended);
        s.out.line(`session ${ended.id} ended at ${ended.endedAt} (${ended.endReason})`);
      }),
    );
}
