import { AuditKeyError } from '@clos/audit-signing';
import { DataDirLockedError } from '@clos/db';
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
    // SIGTERM (an orchestrator stopping a task, `docker stop`) or Ctrl-C: stop accepting connections,
    // finish the requests in flight, send event-stream readers elsewhere, let running jobs finish (or
    // hand them back), then close the database. A second signal, or the timeout, ends it at once.
    const timeoutMs = (options.shutdownTimeoutSeconds ?? 25) * 1000;
    let stopping = false;
    const stop = (signal: string) => {
      if (stopping) {
        process.stderr.write(`received ${signal} again, exiting now\n`);
        process.exit(1);
      }
      stopping = true;
      process.stderr.write(`received ${signal}, shutting down\n`);
      setTimeout(() => {
        process.stderr.write(`shutdown took longer than ${timeoutMs / 1000} s, exiting now\n`);
        process.exit(1);
      }, timeoutMs).unref();
      server.close().then(
        () => {
          process.stderr.write('stopped\n');
          process.exit(0);
        },
        (error: unknown) => {
          process.stderr.write(`clos-server: shutdown failed: ${(error as Error).stack ?? error}\n`);
          process.exit(1);
        },
      );
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
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
