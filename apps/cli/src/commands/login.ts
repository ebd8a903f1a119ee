import { usageError } from '@clos/cli-kit';
import type { Command } from 'commander';
import { clientFor } from '../api.ts';
import { action, type Runtime } from '../context.ts';
import { profileName, profilesPath, readProfiles, writeProfiles } from '../profiles.ts';

interface LoginOptions {
  url: string;
  token: string;
  verify: boolean;
}

export function registerLoginCommands(program: Command, runtime: Runtime): void {
  program
    .command('login')
    .description('save a server URL and API token as a profile (~/.config/clos/config.json, mode 0600)')
    .requiredOption('--url <url>', 'server URL, e.g. http://127.0.0.1:4000')
    .requiredOption('--token <token>', 'API token (clos_…)')
    .option('--no-verify', 'save without checking the token against the server')
    .addHelpText(
      'after',
      '\nThe profile saved is --profile, else CLOS_PROFILE, else the current one, else "default"; it becomes\nthe current one.',
    )
    .action(
      action<LoginOptions>(runtime, async ({ out, globals, runtime: { env } }, options) => {
        let url: URL;
        try {
          url = new URL(options.url);
          if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('not http(s)');
        } catch {
          throw usageError(`--url: "${options.url}" is not an http:// or https:// URL`);
        }
        const base = url.toString().replace(/\/+$/, '');
        // Checked before saving, so a typo in the token is found now rather than at the next command.
        if (options.verify) await clientFor(base, options.token, env).listPods({ query: { limit: 1 } });
        const file = await readProfiles(env);
        const name = profileName(globals.profile, env, file);
        file.profiles[name] = { url: base, token: options.token };
        file.current = name;
        const path = await writeProfiles(env, file);
        if (out.json) out.printJson({ profile: name, url: base, path });
        else out.line(`logged in to ${base} as profile "${name}" (saved to ${path})`);
      }),
    );

  program
    .command('logout')
    .description('forget a saved profile (the current one unless --profile is given)')
    .action(
      action(runtime, async ({ out, globals, runtime: { env } }) => {
        const file = await readProfiles(env);
        const name = profileName(globals.profile, env, file);
        const existed = name in file.profiles;
        delete file.profiles[name];
        if (file.current === name) delete file.current;
        if (existed) await writeProfiles(env, file);
        if (out.json) out.printJson({ profile: name, removed: existed });
        else
          out.line(
            existed ? `removed profile "${name}" from ${profilesPath(env)}` : `no profile named "${name}"`,
          );
      }),
    );
}
