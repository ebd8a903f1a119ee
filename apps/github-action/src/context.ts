/**
 * What every command of the action works with: its inputs, the typed client, and the result it hands
 * back to `main.ts` (exit code, outputs, log lines, job summary). Exit codes, input errors and the
 * mapping of client errors are the CLI's own (`@clos/cli-kit`, which both import), so the action
 * fails exactly when `clos` would, with the same code.
 */
import { EXIT, type ExitCode, usageError } from '@clos/cli-kit';
import { type ClosClient, createClosClient } from '@clos/contract';
import { type Env, getInput } from './runner.ts';

export interface ActionContext {
  env: Env;
  /** Where relative paths (`evidence`, `config`) resolve: the runner starts actions in the workspace. */
  cwd: string;
}

/** Not one of the documented codes (the same as `clos`'s): the action itself failed, a bug to report. */
export const EXIT_BUG = 70;

export interface ActionResult {
  /** 0 ok, 1 check failed, 2 usage or input error, 3 cannot reach or authenticate: `clos`'s codes. */
  exitCode: ExitCode | typeof EXIT_BUG;
  /**
   * The `status` output: passed | failed for the checks, the recorded state for dashboard-update;
   * failed for any other exit 1 (a refusal in the current state), error for 2, 3 and 70.
   */
  status: string;
  /** The `details` output, written as JSON. */
  details: unknown;
  /** Plain lines for the job log. */
  log: string[];
  /** Markdown for the job summary. */
  summary: string[];
  /** The `::error::` annotation when the step fails. */
  error?: { title: string; message: string };
}

/** Every listed input that is empty or unset, reported together: one run shows every omission. */
export function requireInputs<const N extends string>(
  context: ActionContext,
  command: string,
  names: readonly N[],
): Record<N, string> {
  const values = {} as Record<N, string>;
  const missing: string[] = [];
  for (const name of names) {
    const value = getInput(context.env, name);
    if (value === undefined) missing.push(name);
    else values[name] = value;
  }
  if (missing.length > 0)
    throw usageError(
      `${command}: missing required input${missing.length > 1 ? 's' : ''} ${missing.map((n) => `"${n}"`).join(', ')}`,
      [`set ${missing.length > 1 ? 'them' : 'it'} under "with:" in the workflow step`],
    );
  return values;
}

const DEFAULT_TIMEOUT_MS = 30_000;

/** The typed client from the `server-url` and `token` inputs (both required to talk to CLOS). */
export function connect(context: ActionContext, command: string): ClosClient {
  const inputs = requireInputs(context, command, ['server-url', 'token']);
  const url = inputs['server-url'];
  let parsed: URL | undefined;
  try {
    parsed = new URL(url);
  } catch {
    parsed = undefined;
  }
  if (!parsed || (parsed.protocol !== 'http:' && parsed.protocol !== 'https:'))
    throw usageError(
      `input "server-url" must be an http(s) URL, e.g. https://clos.example.com; got "${url}"`,
    );
  const { GITHUB_RUN_ID: runId, GITHUB_RUN_ATTEMPT: attempt } = context.env;
  return createClosClient({
    url,
    token: inputs.token,
    timeoutMs: DEFAULT_TIMEOUT_MS,
    headers: {
      'user-agent': 'clos-github-action',
      // The server logs and audits under this id, so a change is traceable to the workflow run.
      ...(runId ? { 'x-request-id': `github-run-${runId}${attempt ? `.${attempt}` : ''}` } : {}),
    },
  });
}

export { EXIT };
