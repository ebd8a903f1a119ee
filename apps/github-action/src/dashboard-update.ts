/**
 * `dashboard-update`: reports this workflow run on the project's page, like `clos dashboard update`,
 * with the run's URL and the workflow's name (the context) taken from the runner's variables.
 */
import { usageError } from '@clos/cli-kit';
import type { ClosClient } from '@clos/contract';
import { type ActionContext, type ActionResult, connect, EXIT, requireInputs } from './context.ts';
import { code, text } from './markdown.ts';
import type { Env } from './runner.ts';

type CiState = Parameters<ClosClient['recordCiStatus']>[0]['body']['status'];
const CI_STATES: readonly CiState[] = ['passed', 'failed', 'running'];
/** The server's limit on a context name. */
const MAX_CONTEXT = 100;

/** `${GITHUB_SERVER_URL}/${GITHUB_REPOSITORY}/actions/runs/${GITHUB_RUN_ID}` when all three are set. */
export function runUrl(env: Env): string | undefined {
  const { GITHUB_SERVER_URL: server, GITHUB_REPOSITORY: repository, GITHUB_RUN_ID: runId } = env;
  return server && repository && runId
    ? `${server.replace(/\/+$/, '')}/${repository}/actions/runs/${runId}`
    : undefined;
}

export async function dashboardUpdate(context: ActionContext): Promise<ActionResult> {
  const inputs = requireInputs(context, 'dashboard-update', ['project-id', 'status', 'server-url', 'token']);
  const status = inputs.status as CiState;
  if (!CI_STATES.includes(status))
    throw usageError(`input "status" must be one of ${CI_STATES.join(', ')}; got "${inputs.status}"`);
  const url = runUrl(context.env);
  const workflow = context.env.GITHUB_WORKFLOW?.trim();
  const ctx = workflow ? workflow.slice(0, MAX_CONTEXT) : undefined;

  const recorded = await connect(context, 'dashboard-update').recordCiStatus({
    params: { id: inputs['project-id'] },
    body: { status, ...(url ? { url } : {}), ...(ctx ? { context: ctx } : {}) },
  });
  return {
    exitCode: EXIT.ok,
    status: recorded.status,
    details: recorded,
    log: [`recorded ${recorded.context}: ${recorded.status} on project ${recorded.projectId}`],
    summary: [
      `### CLOS dashboard: ${code(recorded.context)} reported ${code(recorded.status)}`,
      '',
      `on project ${code(recorded.projectId)}${recorded.url ? ` for [this run](${recorded.url.replace(/[()\s]/g, encodeURIComponent)})` : ''} at ${text(recorded.createdAt)}.`,
      '',
    ],
  };
}
