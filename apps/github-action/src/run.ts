/**
 * Runs the command named by the `command` input and turns every failure into a result: the CLI's
 * exit codes (1 check failed, 2 usage or input, 3 cannot reach or authenticate), its messages, and a
 * `::error::` annotation, so `main.ts` only has to write what it is given.
 */
import { CliError, EXIT, toCliError, usageError } from '@clos/cli-kit';
import { ClosConnectionError, isClosApiError } from '@clos/contract';
import { type ActionContext, type ActionResult, EXIT_BUG } from './context.ts';
import { dashboardUpdate } from './dashboard-update.ts';
import { getInput } from './runner.ts';
import { validate } from './validate.ts';
import { wipCheck } from './wip-check.ts';

const COMMANDS: Record<string, (context: ActionContext) => Promise<ActionResult>> = {
  validate,
  'wip-check': wipCheck,
  'dashboard-update': dashboardUpdate,
};

export async function runAction(context: ActionContext): Promise<ActionResult> {
  const command = getInput(context.env, 'command');
  try {
    if (command === undefined) throw usageError('missing required input "command"', [usage()]);
    const run = COMMANDS[command];
    if (!run)
      throw usageError(
        `input "command" must be one of ${Object.keys(COMMANDS).join(', ')}; got "${command}"`,
      );
    return await run(context);
  } catch (error) {
    return failure(command, toCliError(inActionTerms(error)));
  }
}

/**
 * The CLI's hints for these two speak of `clos login`, profiles and `CLOS_URL`; in a workflow the
 * inputs are what to fix. Exit codes stay the CLI's.
 */
function inActionTerms(error: unknown): unknown {
  if (error instanceof ClosConnectionError)
    return new CliError(error.message, EXIT.unreachable, [
      'check that the server is running, that the runner can reach it, and that the "server-url" input points at it',
    ]);
  if (isClosApiError(error, 'unauthorized')) {
    const mapped = toCliError(error) as CliError;
    return new CliError(
      mapped.message,
      mapped.exitCode,
      [
        'the "token" input is missing, unknown, revoked or expired: pass a valid CLOS API token from a secret',
      ],
      mapped.json,
    );
  }
  return error;
}

function usage(): string {
  return `command: one of ${Object.keys(COMMANDS).join(', ')}`;
}

function failure(command: string | undefined, error: unknown): ActionResult {
  const title = `CLOS ${command ?? 'action'}`;
  if (!(error instanceof CliError)) {
    const stack = error instanceof Error ? (error.stack ?? error.message) : String(error);
    return {
      exitCode: EXIT_BUG,
      status: 'error',
      details: { error: { message: String(error instanceof Error ? error.message : error) } },
      log: [`unexpected failure (a bug in the CLOS action; please report it):`, stack],
      summary: [`### ❌ ${title}: unexpected failure`, '', 'See the job log; please report it.', ''],
      error: {
        title,
        message: `unexpected failure: ${error instanceof Error ? error.message : String(error)}`,
      },
    };
  }
  const message = [error.message, ...error.lines.map((l) => l.trim())].join('\n');
  const verdict = error.exitCode === EXIT.failed ? 'failed' : 'error';
  // A fence longer than any run of backticks in the message, which comes partly from the server.
  const fence = '`'.repeat(Math.max(3, ...(message.match(/`+/g) ?? []).map((run) => run.length + 1)));
  return {
    exitCode: error.exitCode,
    status: verdict,
    details: error.json ?? { error: { message: error.message, details: error.lines.map((l) => l.trim()) } },
    // The annotation below carries the message into the log; printing it twice would only add noise.
    log: [],
    summary: [`### ❌ ${title}: ${verdict}`, '', fence, message, fence, ''],
    error: { title, message },
  };
}
