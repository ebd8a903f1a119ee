/**
 * What CLOS keeps of a GitHub delivery: the few fields its job needs, taken from the payload at
 * receipt, so the queued job is small and the job never re-reads a payload it did not verify.
 */

/** The events the App subscribes to (docs/github-app.md); others are acknowledged and dropped. */
export const USED_EVENTS = [
  'pull_request',
  'check_run',
  'check_suite',
  'deployment_status',
  'workflow_run',
  'installation',
  'installation_repositories',
] as const;
export type UsedEvent = (typeof USED_EVENTS)[number];

export interface PullRequestRef {
  number: number;
  title: string;
  author: string;
  url: string;
  draft: boolean;
  headSha: string;
  merged: boolean;
}

export type GitHubWork =
  | {
      kind: 'pull_request';
      action: string;
      repository: string;
      installationId: number | null;
      pullRequest: PullRequestRef;
    }
  | { kind: 'rerequested'; repository: string; installationId: number | null; headSha: string }
  | {
      kind: 'deployment';
      repository: string;
      /** `github:owner/name/deployments/42` or `github:owner/name/actions/runs/7/attempts/1`. */
      externalId: string;
      environment: string;
      production: boolean;
      status: 'running' | 'succeeded' | 'failed';
      /** `main@1a2b3c4`: the ref and the commit deployed. */
      version: string;
      url: string | null;
      description: string | null;
      at: string;
    }
  | { kind: 'other'; event: UsedEvent; action: string | null; repository: string | null };

/** What `workOf` needs from the configuration. */
export interface DeliveryOptions {
  /** `github.deployments.workflowRuns`: the workflow names whose completed runs are deployments. */
  workflowRuns: readonly string[];
}

/** GitHub's deployment states, as CLOS deployment statuses; `inactive` (superseded) changes nothing. */
const DEPLOYMENT_STATES: Record<string, 'running' | 'succeeded' | 'failed'> = {
  queued: 'running',
  pending: 'running',
  in_progress: 'running',
  success: 'succeeded',
  failure: 'failed',
  error: 'failed',
};

/** A completed workflow run's conclusion, as a deployment's; cancelled and skipped runs deployed nothing. */
const RUN_CONCLUSIONS: Record<string, 'succeeded' | 'failed'> = {
  success: 'succeeded',
  failure: 'failed',
  timed_out: 'failed',
  startup_failure: 'failed',
};

const httpUrl = (v: unknown): string | null => {
  const s = str(v);
  return s && /^https?:\/\/\S+$/i.test(s) && s.length <= 2000 ? s : null;
};
const version = (ref: string | null, sha: string) => `${ref ?? 'detached'}@${sha.slice(0, 7)}`.slice(0, 200);

type Json = Record<string, unknown>;
const obj = (v: unknown): Json =>
  typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Json) : {};
const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);

export const isUsedEvent = (event: string): event is UsedEvent =>
  (USED_EVENTS as readonly string[]).includes(event);

/** The pull_request actions that change a slot or a check. */
const PULL_REQUEST_ACTIONS = new Set([
  'opened',
  'reopened',
  'ready_for_review',
  'converted_to_draft',
  'synchronize',
  'closed',
  'edited',
]);

/**
 * The work a delivery asks for, or null when it asks for none (an action CLOS does not act on).
 * Throws on a payload missing what its event must carry: a 400, since it was signed but malformed.
 */
export function workOf(event: UsedEvent, payload: unknown, options: DeliveryOptions): GitHubWork | null {
  const p = obj(payload);
  const repository = str(obj(p.repository).full_name);
  const installation = obj(p.installation).id;
  const installationId = typeof installation === 'number' ? installation : null;
  const action = str(p.action);
  if (event === 'pull_request') {
    if (!action || !PULL_REQUEST_ACTIONS.has(action)) return null;
    const pr = obj(p.pull_request);
    const head = obj(pr.head);
    const number = pr.number;
    if (!repository || typeof number !== 'number' || !str(head.sha))
      throw new Error(
        'a pull_request delivery must carry repository.full_name, pull_request.number and head.sha',
      );
    return {
      kind: 'pull_request',
      action,
      repository,
      installationId,
      pullRequest: {
        number,
        title: (str(pr.title) ?? '').slice(0, 200),
        author: str(obj(pr.user).login) ?? 'unknown',
        url: str(pr.html_url) ?? `https://github.com/${repository}/pull/${number}`,
        draft: pr.draft === true,
        headSha: str(head.sha)!,
        merged: pr.merged === true,
      },
    };
  }
  if ((event === 'check_run' || event === 'check_suite') && action === 'rerequested') {
    const headSha = str(obj(event === 'check_run' ? p.check_run : p.check_suite).head_sha);
    if (!repository || !headSha)
      throw new Error(`a ${event} delivery must carry repository.full_name and head_sha`);
    return { kind: 'rerequested', repository, installationId, headSha };
  }
  if (event === 'check_run' || event === 'check_suite') return null;
  if (event === 'deployment_status') {
    const d = obj(p.deployment);
    const st = obj(p.deployment_status);
    const status = DEPLOYMENT_STATES[str(st.state) ?? ''];
    if (!status) return null;
    const sha = str(d.sha);
    const environment = str(st.environment) ?? str(d.environment);
    if (!repository || typeof d.id !== 'number' || !sha || !environment)
      throw new Error(
        'a deployment_status delivery must carry repository.full_name, deployment.id, deployment.sha and an environment',
      );
    return {
      kind: 'deployment',
      repository,
      externalId: `github:${repository.toLowerCase()}/deployments/${d.id}`,
      environment,
      production: d.production_environment === true || /^prod(uction)?$/i.test(environment),
      status,
      version: version(str(d.ref), sha),
      url: httpUrl(st.log_url) ?? httpUrl(st.target_url),
      description: str(st.description)?.slice(0, 2000) || null,
      at: str(st.updated_at) ?? str(st.created_at) ?? new Date().toISOString(),
    };
  }
  if (event === 'workflow_run') {
    const run = obj(p.workflow_run);
    const name = str(run.name);
    // Only completed runs of the workflows named as deployments: a run that is cancelled midway
    // would otherwise leave a deployment running for ever.
    if (action !== 'completed' || !name || !options.workflowRuns.includes(name)) return null;
    const status = RUN_CONCLUSIONS[str(run.conclusion) ?? ''];
    if (!status) return null;
    const sha = str(run.head_sha);
    if (!repository || typeof run.id !== 'number' || !sha)
      throw new Error(
        'a workflow_run delivery must carry repository.full_name, workflow_run.id and head_sha',
      );
    const attempt = typeof run.run_attempt === 'number' ? run.run_attempt : 1;
    return {
      kind: 'deployment',
      repository,
      externalId: `github:${repository.toLowerCase()}/actions/runs/${run.id}/attempts/${attempt}`,
      environment: name,
      production: true,
      status,
      version: version(str(run.head_branch), sha),
      url: httpUrl(run.html_url),
      description: status === 'failed' ? `workflow "${name}" ${str(run.conclusion)}` : null,
      at: str(run.updated_at) ?? new Date().toISOString(),
    };
  }
  return { kind: 'other', event, action, repository };
}
