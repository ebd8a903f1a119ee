/**
 * `clos secrets rotate` works on the database directly, like the server does at start-up, not
 * through the API: re-encrypting needs the keys, which only the processes that hold them should see.
 */
import { CliError, EXIT, usageError } from '@clos/cli-kit';
import type { Command } from 'commander';
import { action, type Runtime } from '../context.ts';

export function registerSecretsCommands(program: Command, runtime: Runtime): void {
  const secrets = program
    .command('secrets')
    .description('secrets stored in the database (webhook signing secrets), encrypted with CLOS_SECRET_KEY');

  secrets
    .command('rotate')
    .description(
      're-encrypt every stored secret under the current key, in one transaction (embedded engine: generates a new key file; stop the server first)',
    )
    .option('--data-dir <dir>', 'embedded database directory (default ./.clos; env CLOS_DATA_DIR)')
    .addHelpText(
      'after',
      `
PostgreSQL (DATABASE_URL set): CLOS_SECRET_KEY is the new key, CLOS_SECRET_KEY_PREVIOUS the current one.
Embedded engine: without CLOS_SECRET_KEY, a new <data-dir>/secret.key is generated and the old one is
kept as secret.key.<keyId>.old; with it, the secrets move under that key. Steps: docs/configuration.md.`,
    )
    .action(
      action<{ dataDir?: string }>(runtime, async (s, options) => {
        // Loaded here only: it brings the database drivers, which no other command needs.
        const { DataDirLockedError, rotateOptionsFrom, rotateSecrets, SecretKeyError } = await import(
          '@clos/server/secrets'
        );
        let report: Awaited<ReturnType<typeof rotateSecrets>>;
        try {
          report = await rotateSecrets(rotateOptionsFrom(s.runtime.env, s.runtime.cwd, options.dataDir));
        } catch (error) {
          if (error instanceof SecretKeyError) throw usageError(error.message, error.problems);
          if (error instanceof DataDirLockedError)
            throw new CliError(error.message, EXIT.failed, [
              'the embedded database is one process’s: stop the server, rotate, then start it again',
            ]);
          throw error;
        }
        if (s.out.json) return s.out.printJson(report);
        s.out.line(
          `${report.reencrypted} stored secret${report.reencrypted === 1 ? '' : 's'} re-encrypted under key ${report.keyId}${
            report.unchanged ? ` (${report.unchanged} already were)` : ''
          }`,
        );
        if (report.keyFile)
          s.out.line(
            `new key in ${report.keyFile.path}; the previous key is kept in ${report.keyFile.previous}`,
          );
        else
          s.out.line(
            'start every process with this CLOS_SECRET_KEY; the old key is no longer needed to run (keep it while backups made before now may be restored)',
          );
      }),
    );
}
