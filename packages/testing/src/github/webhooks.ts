import { randomUUID } from 'node:crypto';
import { sign } from '@octokit/webhooks-methods';
import {
  type FakeInstallation,
  type FakePull,
  fakeSha,
  GITHUB_API,
  GITHUB_WEB,
  installationJson,
  isoSeconds,
  pullJson,
  pullRefJson,
  repositoryJson,
  stableId,
  userJson,
} from './wire.ts';

/**
 * Webhook deliveries as GitHub sends them: the exact body bytes, signed with the App's webhook secret,
 * and payloads shaped like docs.github.com's webhook reference (real field names and nesting, only the
 * fields a consumer reads filled in).
 */

export interface SignedDelivery {
  /** The raw body: send these bytes unchanged, the signature covers them. */
  body: string;
  headers: Record<string, string>;
  deliveryId: string;
}

export async function signedDelivery(
  secret: string,
  event: string,
  payload: unknown,
  deliveryId: string = randomUUID(),
): Promise<SignedDelivery> {
  const body = JSON.stringify(payload);
  const installation = (payload as { installation?: { id?: number } } | null)?.installation;
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'user-agent': 'GitHub-Hookshot/7a7b1f5',
    'x-github-event': event,
    'x-github-delivery': deliveryId,
    'x-github-hook-id': '424242',
    'x-github-hook-installation-target-type': 'integration',
    'x-github-hook-installation-target-id': String(installation?.id ?? 1),
    'x-hub-signature-256': await sign(secret, body),
  };
  return { body, headers, deliveryId };
}

/** What every repository event carries. */
export interface EventContext {
  /** `owner/name`. */
  repository: string;
  installationId: number;
  /** `sender.login`; default `octocat`. */
  sender?: string;
  /** Timestamps in the payload; default now. */
  at?: string;
  /** API base written into `url` fields; default `https://api.github.com`. */
  apiUrl?: string;
}

function common(ctx: EventContext) {
  const api = ctx.apiUrl ?? GITHUB_API;
  const repository = repositoryJson(ctx.repository, api);
  return {
    repository,
    organization: {
      login: repository.owner.login,
      id: repository.owner.id,
      url: `${api}/orgs/${repository.owner.login}`,
    },
    installation: {
      id: ctx.installationId,
      node_id: `MDIzOkludGVncmF0aW9uSW5zdGFsbGF0aW9u${ctx.installationId}`,
    },
    sender: userJson(ctx.sender ?? 'octocat', 'User', api),
  };
}

const now = (ctx: { at?: string }) => ctx.at ?? isoSeconds(Date.now());

export type PullRequestAction =
  | 'opened'
  | 'closed'
  | 'reopened'
  | 'synchronize'
  | 'ready_for_review'
  | 'converted_to_draft'
  | 'edited';

/**
 * A `pull_request` payload. The action sets what GitHub's would: `closed` closes (merged when
 * `pull.merged`), `converted_to_draft` / `ready_for_review` set `draft`, the others leave it open;
 * `synchronize` carries `before` (the previous head) and `after` (`pull.headSha`).
 */
export function pullRequestPayload(
  action: PullRequestAction,
  ctx: EventContext & { pull: FakePull; before?: string },
) {
  const at = now(ctx);
  const pull: FakePull = { ...ctx.pull };
  if (action === 'closed') {
    pull.state = 'closed';
    pull.closedAt = pull.closedAt ?? at;
    if (pull.merged) pull.mergedAt = pull.mergedAt ?? pull.closedAt;
  } else {
    pull.state = 'open';
    pull.merged = false;
    pull.closedAt = null;
    pull.mergedAt = null;
  }
  if (action === 'converted_to_draft') pull.draft = true;
  if (action === 'ready_for_review') pull.draft = false;
  pull.createdAt = pull.createdAt ?? at;
  pull.updatedAt = pull.updatedAt ?? at;
  const payload: Record<string, unknown> = {
    action,
    number: pull.number,
    pull_request: pullJson(ctx.repository, pull, { api: ctx.apiUrl, detail: true, now: at }),
    ...common(ctx),
  };
  if (action === 'synchronize') {
    payload.before = ctx.before ?? fakeSha(`${ctx.repository}#${pull.number}:before`);
    payload.after = pull.headSha;
  }
  return payload;
}

export type InstallationAction = 'created' | 'deleted' | 'suspend' | 'unsuspend' | 'new_permissions_accepted';

/** An `installation` payload: the installation and (for `created`) the repositories it was given. */
export function installationPayload(
  action: InstallationAction,
  ctx: {
    installation: FakeInstallation;
    appId: number;
    appSlug?: string;
    sender?: string;
    at?: string;
    apiUrl?: string;
  },
) {
  const at = now(ctx);
  const api = ctx.apiUrl ?? GITHUB_API;
  return {
    action,
    installation: installationJson(
      { ...ctx.installation, suspended: action === 'suspend' || ctx.installation.suspended },
      { id: ctx.appId, slug: ctx.appSlug ?? 'clos' },
      api,
      at,
    ),
    repositories: ctx.installation.repositories.map(shortRepo),
    requester: null,
    sender: userJson(ctx.sender ?? 'octocat', 'User', api),
  };
}

function shortRepo(fullName: string) {
  const repo = repositoryJson(fullName);
  return {
    id: repo.id,
    node_id: repo.node_id,
    name: repo.name,
    full_name: repo.full_name,
    private: repo.private,
  };
}

/** An `installation_repositories` payload: repositories added to or removed from an installation. */
export function installationRepositoriesPayload(
  action: 'added' | 'removed',
  ctx: {
    installation: FakeInstallation;
    appId: number;
    appSlug?: string;
    added?: readonly string[];
    removed?: readonly string[];
    sender?: string;
    at?: string;
    apiUrl?: string;
  },
) {
  const at = now(ctx);
  const api = ctx.apiUrl ?? GITHUB_API;
  return {
    action,
    installation: installationJson(ctx.installation, { id: ctx.appId, slug: ctx.appSlug ?? 'clos' }, api, at),
    repository_selection: ctx.installation.repositorySelection ?? 'selected',
    repositories_added: (ctx.added ?? []).map(shortRepo),
    repositories_removed: (ctx.removed ?? []).map(shortRepo),
    requester: null,
    sender: userJson(ctx.sender ?? 'octocat', 'User', api),
  };
}

function checkApp(appId: number, appSlug: string | undefined, api: string) {
  const slug = appSlug ?? 'clos';
  return {
    id: appId,
    slug,
    name: slug,
    owner: userJson('clos', 'Organization', api),
    html_url: `${GITHUB_WEB}/apps/${slug}`,
  };
}

export interface CheckRunInput {
  id: number;
  name: string;
  headSha: string;
  headBranch?: string;
  status?: 'queued' | 'in_progress' | 'completed';
  conclusion?: string | null;
  externalId?: string;
  detailsUrl?: string | null;
  checkSuiteId?: number;
  /** The open pull requests whose head is `headSha`. */
  pulls?: readonly FakePull[];
}

/** A `check_run` payload (`rerequested` when someone presses "Re-run" on the check). */
export function checkRunPayload(
  action: 'created' | 'completed' | 'rerequested' | 'requested_action',
  ctx: EventContext & { appId: number; appSlug?: string; checkRun: CheckRunInput },
) {
  const at = now(ctx);
  const api = ctx.apiUrl ?? GITHUB_API;
  const run = ctx.checkRun;
  const status = run.status ?? 'completed';
  const suiteId = run.checkSuiteId ?? stableId('suite', `${ctx.repository}@${run.headSha}`);
  const pulls = (run.pulls ?? []).map((p) => pullRefJson(ctx.repository, p, api));
  return {
    action,
    check_run: {
      id: run.id,
      node_id: `CR_${run.id}`,
      name: run.name,
      head_sha: run.headSha,
      external_id: run.externalId ?? '',
      url: `${api}/repos/${ctx.repository}/check-runs/${run.id}`,
      html_url: `${GITHUB_WEB}/${ctx.repository}/runs/${run.id}`,
      details_url: run.detailsUrl ?? null,
      status,
      conclusion: status === 'completed' ? (run.conclusion ?? 'success') : null,
      started_at: at,
      completed_at: status === 'completed' ? at : null,
      output: {
        title: null,
        summary: null,
        text: null,
        annotations_count: 0,
        annotations_url: `${api}/repos/${ctx.repository}/check-runs/${run.id}/annotations`,
      },
      check_suite: {
        id: suiteId,
        head_branch: run.headBranch ?? null,
        head_sha: run.headSha,
        status,
        conclusion: status === 'completed' ? (run.conclusion ?? 'success') : null,
        pull_requests: pulls,
        app: checkApp(ctx.appId, ctx.appSlug, api),
        created_at: at,
        updated_at: at,
      },
      app: checkApp(ctx.appId, ctx.appSlug, api),
      pull_requests: pulls,
    },
    ...common(ctx),
  };
}

export interface CheckSuiteInput {
  id?: number;
  headSha: string;
  headBranch?: string;
  before?: string;
  status?: 'queued' | 'in_progress' | 'completed';
  conclusion?: string | null;
  pulls?: readonly FakePull[];
}

/** A `check_suite` payload (`rerequested` when someone re-runs all checks of a commit). */
export function checkSuitePayload(
  action: 'requested' | 'rerequested' | 'completed',
  ctx: EventContext & { appId: number; appSlug?: string; checkSuite: CheckSuiteInput },
) {
  const at = now(ctx);
  const api = ctx.apiUrl ?? GITHUB_API;
  const suite = ctx.checkSuite;
  const id = suite.id ?? stableId('suite', `${ctx.repository}@${suite.headSha}`);
  const status = suite.status ?? 'completed';
  return {
    action,
    check_suite: {
      id,
      node_id: `CS_${id}`,
      head_branch: suite.headBranch ?? null,
      head_sha: suite.headSha,
      status,
      conclusion: status === 'completed' ? (suite.conclusion ?? 'success') : null,
      url: `${api}/repos/${ctx.repository}/check-suites/${id}`,
      before: suite.before ?? fakeSha(`${ctx.repository}@${suite.headSha}:before`),
      after: suite.headSha,
      pull_requests: (suite.pulls ?? []).map((p) => pullRefJson(ctx.repository, p, api)),
      app: checkApp(ctx.appId, ctx.appSlug, api),
      created_at: at,
      updated_at: at,
      latest_check_runs_count: 2,
      check_runs_url: `${api}/repos/${ctx.repository}/check-suites/${id}/check-runs`,
    },
    ...common(ctx),
  };
}

export type DeploymentState =
  | 'error'
  | 'failure'
  | 'inactive'
  | 'in_progress'
  | 'queued'
  | 'pending'
  | 'success';

export interface DeploymentStatusInput {
  state: DeploymentState;
  environment: string;
  sha: string;
  ref?: string;
  deploymentId?: number;
  statusId?: number;
  task?: string;
  description?: string;
  targetUrl?: string;
  logUrl?: string;
  creator?: string;
  productionEnvironment?: boolean;
}

/** A `deployment_status` payload (action `created`: a deployment moved to `state`). */
export function deploymentStatusPayload(ctx: EventContext & { deployment: DeploymentStatusInput }) {
  const at = now(ctx);
  const api = ctx.apiUrl ?? GITHUB_API;
  const d = ctx.deployment;
  const deploymentId =
    d.deploymentId ?? stableId('deployment', `${ctx.repository}@${d.sha}:${d.environment}`);
  const statusId = d.statusId ?? stableId('deployment_status', `${deploymentId}:${d.state}`);
  const creator = userJson(d.creator ?? ctx.sender ?? 'octocat', 'User', api);
  const deploymentUrl = `${api}/repos/${ctx.repository}/deployments/${deploymentId}`;
  return {
    action: 'created',
    deployment_status: {
      url: `${deploymentUrl}/statuses/${statusId}`,
      id: statusId,
      node_id: `DES_${statusId}`,
      state: d.state,
      creator,
      description: d.description ?? '',
      environment: d.environment,
      target_url: d.targetUrl ?? '',
      log_url: d.logUrl ?? d.targetUrl ?? '',
      environment_url: '',
      created_at: at,
      updated_at: at,
      deployment_url: deploymentUrl,
      repository_url: `${api}/repos/${ctx.repository}`,
    },
    deployment: {
      url: deploymentUrl,
      id: deploymentId,
      node_id: `DE_${deploymentId}`,
      sha: d.sha,
      ref: d.ref ?? 'main',
      task: d.task ?? 'deploy',
      payload: {},
      original_environment: d.environment,
      environment: d.environment,
      description: d.description ?? null,
      creator,
      created_at: at,
      updated_at: at,
      statuses_url: `${deploymentUrl}/statuses`,
      repository_url: `${api}/repos/${ctx.repository}`,
      transient_environment: false,
      production_environment: d.productionEnvironment ?? d.environment === 'production',
    },
    ...common(ctx),
  };
}

export interface WorkflowRunInput {
  id: number;
  /** The workflow's name (`name:` in the workflow file). */
  name: string;
  headSha: string;
  headBranch?: string;
  status?: 'requested' | 'in_progress' | 'completed' | 'queued' | 'waiting';
  conclusion?:
    | 'success'
    | 'failure'
    | 'cancelled'
    | 'skipped'
    | 'timed_out'
    | 'action_required'
    | 'neutral'
    | null;
  runNumber?: number;
  runAttempt?: number;
  event?: string;
  workflowId?: number;
  path?: string;
  runStartedAt?: string;
  pulls?: readonly FakePull[];
}

/** A `workflow_run` payload (GitHub Actions), e.g. `completed` with a conclusion. */
export function workflowRunPayload(
  action: 'requested' | 'in_progress' | 'completed',
  ctx: EventContext & { run: WorkflowRunInput },
) {
  const at = now(ctx);
  const api = ctx.apiUrl ?? GITHUB_API;
  const run = ctx.run;
  const workflowId = run.workflowId ?? stableId('workflow', `${ctx.repository}:${run.name}`);
  const path = run.path ?? `.github/workflows/${run.name.toLowerCase().replace(/[^a-z0-9]+/g, '-')}.yml`;
  const status = run.status ?? (action === 'completed' ? 'completed' : action);
  const repo = `${api}/repos/${ctx.repository}`;
  const { repository, ...rest } = common(ctx);
  return {
    action,
    workflow_run: {
      id: run.id,
      name: run.name,
      node_id: `WFR_${run.id}`,
      head_branch: run.headBranch ?? 'main',
      head_sha: run.headSha,
      path,
      display_title: run.name,
      run_number: run.runNumber ?? 1,
      run_attempt: run.runAttempt ?? 1,
      event: run.event ?? 'push',
      status,
      conclusion: status === 'completed' ? (run.conclusion ?? 'success') : null,
      workflow_id: workflowId,
      check_suite_id: stableId('suite', `${ctx.repository}@${run.headSha}:actions`),
      url: `${repo}/actions/runs/${run.id}`,
      html_url: `${GITHUB_WEB}/${ctx.repository}/actions/runs/${run.id}`,
      pull_requests: (run.pulls ?? []).map((p) => pullRefJson(ctx.repository, p, api)),
      created_at: run.runStartedAt ?? at,
      updated_at: at,
      run_started_at: run.runStartedAt ?? at,
      actor: rest.sender,
      triggering_actor: rest.sender,
      jobs_url: `${repo}/actions/runs/${run.id}/jobs`,
      logs_url: `${repo}/actions/runs/${run.id}/logs`,
      workflow_url: `${repo}/actions/workflows/${workflowId}`,
      head_commit: {
        id: run.headSha,
        tree_id: fakeSha(`${run.headSha}:tree`),
        message: run.name,
        timestamp: run.runStartedAt ?? at,
        author: { name: rest.sender.login, email: `${rest.sender.login}@users.noreply.github.com` },
        committer: { name: rest.sender.login, email: `${rest.sender.login}@users.noreply.github.com` },
      },
      repository,
      head_repository: repository,
    },
    workflow: {
      id: workflowId,
      node_id: `W_${workflowId}`,
      name: run.name,
      path,
      state: 'active',
      url: `${repo}/actions/workflows/${workflowId}`,
      html_url: `${GITHUB_WEB}/${ctx.repository}/blob/main/${path}`,
    },
    repository,
    ...rest,
  };
}
