import { CliError, EXIT } from '@clos/cli-kit';
import { Command, CommanderError } from 'commander';
import { registerAccessCommands } from './commands/access.ts';
import { registerAuditCommands } from './commands/audit.ts';
import { registerBackupCommands } from './commands/backup.ts';
import { registerConfigCommands } from './commands/config.ts';
import { registerDashboardCommands } from './commands/dashboard.ts';
import { registerGithubCommands } from './commands/github.ts';
import { registerIdeaCommands } from './commands/idea.ts';
import { registerImportCommands } from './commands/import.ts';
import { registerLinearCommands } from './commands/linear.ts';
import { registerLoginCommands } from './commands/login.ts';
import { registerPodCommands } from './commands/pod.ts';
import { registerProjectCommands } from './commands/project.ts';
import { registerReportCommands } from './commands/report.ts';
import { registerScorecardCommand } from './commands/scorecard.ts';
import { registerSecretsCommands } from './commands/secrets.ts';
import { registerServerCommand } from './commands/server.ts';
import { registerSessionCommands } from './commands/session.ts';
import { registerStageCommands } from './commands/stage.ts';
import { registerValidateCommand } from './commands/validate.ts';
import { registerWipCommands } from './commands/wip.ts';
import type { Runtime } from './context.ts';
import { cliVersion } from './version.ts';

/** Not one of the documented codes: `clos` itself failed, and the message is a bug report. */
export const EXIT_BUG = 70;

export const HELP_FOOTER = `
Connection:
  clos login --url URL --token TOKEN saves a profile in $XDG_CONFIG_HOME/clos/config.json
  (default ~/.config/clos/config.json, mode 0600). Environment variables win over the profile:
  CLOS_URL, CLOS_TOKEN   server URL and API token
  CLOS_PROFILE           profile to use (like --profile)
  CLOS_TIMEOUT_MS        request timeout in milliseconds (default 30000)
  NO_COLOR               never colour the output (colour is only used on a terminal)

Exit codes:
  0  done; the check passed
  1  the check failed: gate not met (stage evaluate|advance, validate), WIP limit reached
     (wip check|acquire), idea not qualified (idea promote), audit chain broken, invalid policy
     file (config validate), a problem reported (github status), a row not imported (import csv),
     or the server refused the change in the current state (409)
  2  usage or input error: bad flags, an unreadable or invalid file, a request the server
     rejected as invalid (400) or naming something that does not exist (404)
  3  cannot reach the server, no server configured, token rejected (401) or not permitted
     (403), or the server failed (5xx)

Docs: docs/cli.md`;

export function createProgram(runtime: Runtime): Command {
  const program = new Command('clos')
    .description('CLOS from the command line: stage gates, WIP locks, ideas, pods, audit and policy checks')
    .version(cliVersion(), '-V, --version')
    .option('--json', 'print the API JSON exactly as received, for scripts')
    .option('--profile <name>', 'saved connection to use (default: the current one, else "default")')
    .configureHelp({ showGlobalOptions: true, sortSubcommands: false })
    .showHelpAfterError('(add --help for usage)')
    .exitOverride()
    .addHelpText('after', HELP_FOOTER);

  registerLoginCommands(program, runtime);
  registerStageCommands(program, runtime);
  registerValidateCommand(program, runtime);
  registerProjectCommands(program, runtime);
  registerWipCommands(program, runtime);
  registerIdeaCommands(program, runtime);
  registerImportCommands(program, runtime);
  registerPodCommands(program, runtime);
  registerDashboardCommands(program, runtime);
  registerAuditCommands(program, runtime);
  registerAccessCommands(program, runtime);
  registerReportCommands(program, runtime);
  registerScorecardCommand(program, runtime);
  registerSessionCommands(program, runtime);
  registerConfigCommands(program, runtime);
  registerGithubCommands(program, runtime);
  registerLinearCommands(program, runtime);
  registerServerCommand(program, runtime);
  registerSecretsCommands(program, runtime);
  registerBackupCommands(program, runtime);
  return program;
}

/** Runs one command line and returns its exit code; every failure is printed here, once. */
export async function runCli(argv: string[], runtime: Runtime): Promise<number> {
  const program = createProgram(runtime);
  try {
    await program.parseAsync(argv, { from: 'user' });
    return runtime.exitCode;
  } catch (error) {
    // Commander has already printed its message; help and version requests are successes.
    if (error instanceof CommanderError) return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
    if (error instanceof CliError) {
      if (program.opts().json && error.json !== undefined)
        process.stdout.write(`${JSON.stringify(error.json, null, 2)}\n`);
      process.stderr.write(`clos: ${error.message}\n${error.lines.map((line) => `${line}\n`).join('')}`);
      return error.exitCode;
    }
    process.stderr.write(
      `clos: unexpected failure (a bug in clos; please report it):\n${(error as Error).stack ?? error}\n`,
    );
    return EXIT_BUG;
  }
}
