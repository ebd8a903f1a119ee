import { AuditKeyError } from '@clos/audit-signing';
import { DataDirLockedError } from './runtime/data-dir-lock.ts';
import { parseServerOptions, USAGE, UsageError } from './runtime/options.ts';
import { SecretKeyError } from './runtime/secret-key.ts';
import { StartupError, startServer, startWorker } from './server.ts';

/** Exit codes: 0 clean stop, 1 start-up failure, 2 bad flags or configuration. */
async function main(): Promise<void> {
  let options: ReturnType<typeof parseServerOptions>;
  try {
    options = parseServerOptions(process.argv.slice(2), process.env, process.cwd());
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`clos-server: ${e.message}\n\n${USAGE}`);
      process.exit(2);
    }
    throw e;
  }
  if (options === 'help') {
    process.stdout.write(USAGE);
    return;
  }
  try {
    const server =
      options.mode === 'worker'
        ? await startWorker(options, process.cwd())
        : await startServer(options, process.cwd());
    const stop = (signal: string) => {
      process.stderr.write(`received ${signal}, shutting down\n`);
      server.close().then(
        () => process.exit(0),
        () => process.exit(1),
      );
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  } catch (e) {
    if (e instanceof StartupError || e instanceof SecretKeyError) {
      process.stderr.write(`clos-server: ${e.message}\n${e.problems.map((p) => `  ${p}`).join('\n')}\n`);
      process.exit(2);
    }
    if (e instanceof AuditKeyError) {
      process.stderr.write(`clos-server: ${e.message}\n`);
      process.exit(2);
    }
    if (e instanceof DataDirLockedError) {
      process.stderr.write(`clos-server: ${e.message}\n`);
      process.exit(1);
    }
    process.stderr.write(`clos-server: failed to start: ${(e as Error).stack ?? e}\n`);
    process.exit(1);
  }
}

await main();
