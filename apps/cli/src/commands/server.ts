/**
 * `clos server` runs the server's own entry point in a child process — the compiled one
 * (`apps/server/dist/main.js`) when this CLI is compiled too, else `apps/server/src/main.ts` through
 * tsx, what `npm start` runs — with the flags as given, so flags, environment, exit codes and the shutdown on
 * SIGINT/SIGTERM are the server's, unchanged. The entry is found through `@clos/server`'s package
 * directory, the way Node resolves the dependency, because the package exports no start-up API.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { CliError, EXIT, type ExitCode } from '@clos/cli-kit';
import type { Command } from 'commander';
import type { Runtime } from '../context.ts';

/** True when this module runs from the compiled CLI (apps/cli/dist) rather than its TypeScript. */
const COMPILED = import.meta.url.endsWith('.js');

export function serverEntry(compiled = COMPILED): string {
  const lookup = createRequire(import.meta.url).resolve.paths('@clos/server') ?? [];
  const file = compiled ? join('dist', 'main.js') : join('src', 'main.ts');
  for (const dir of lookup) {
    const entry = join(dir, '@clos', 'server', file);
    if (existsSync(entry)) return entry;
  }
  if (compiled) return serverEntry(false);
  throw new CliError(
    'cannot find @clos/server: install it (npm ci in the CLOS repository)',
    EXIT.unreachable,
  );
}

export function registerServerCommand(program: Command, runtime: Runtime): void {
  program
    .command('server')
    .description('start the CLOS server (same flags as npm start; clos server --help lists them)')
    .helpOption(false)
    .allowUnknownOption()
    .allowExcessArguments()
    .action(async (_options: unknown, command: Command) => {
      runtime.exitCode = await runServer(command.args, runtime);
    });
  program
    .command('worker')
    .description(
      'run workflow jobs and schedules without HTTP, beside `clos server --no-worker` processes (needs DATABASE_URL)',
    )
    .helpOption(false)
    .allowUnknownOption()
    .allowExcessArguments()
    .action(async (_options: unknown, command: Command) => {
      runtime.exitCode = await runServer(['--worker-only', ...command.args], runtime);
    });
}

function runServer(args: string[], runtime: Runtime): Promise<ExitCode> {
  const entry = serverEntry();
  const loader = entry.endsWith('.ts') ? ['--import', import.meta.resolve('tsx')] : ['--enable-source-maps'];
  const child = spawn(process.execPath, [...loader, entry, ...args], {
    cwd: runtime.cwd,
    env: runtime.env,
    stdio: 'inherit',
  });
  // Ctrl-C reaches the whole process group, so the server already has SIGINT; a second one would cut
  // its shutdown short. SIGTERM is usually sent to this process alone, so it is passed on.
  const ignore = () => {};
  const forward = () => child.kill('SIGTERM');
  process.on('SIGINT', ignore);
  process.on('SIGTERM', forward);
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (code) => {
      process.off('SIGINT', ignore);
      process.off('SIGTERM', forward);
      // The server's own codes: 0 clean stop, 1 start-up failure, 2 bad flags or configuration.
      resolve((code ?? EXIT.failed) as ExitCode);
    });
  });
}
