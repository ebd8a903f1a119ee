import { type Ctx, NotFoundError, type Policy, type Services, SYSTEM_ACTOR } from '@clos/core';
import type { GitHubApp } from './client.ts';
import { parsePullRequestItem } from './github-module.ts';

/**
 * `clos github status` (GET /api/v1/integrations/github/status): what the App is, where it is
 * installed, and for each mapped repository which installation covers it, whether its pod and project
 * exist in CLOS, and which pull requests hold the pod's slots or wait for one. It answers even when
 * GitHub does not: a failure is reported in `problems`, never thrown, because the report is what an
 * operator reads when something is wrong.
 */

export interface GitHubAppInfo {
  id: number;
  slug: string | null;
  name: string;
  /** The account that owns the App (an organisation or user login). */
  owner: string | null;
}

export interface GitHubInstallationStatus {
  id: number;
  /** The organisation or user the App is installed on. */
  account: string;
  repositorySelection: 'all' | 'selected';
  /** `owner/name` of each repository it may reach; null when it may reach all of the account's. */
  repositories: string[] | null;
}

export interface GitHubPullRequestSlot {
  itemId: string;
  label: string | null;
  url: string | null;
}

export interface GitHubRepositoryStatus {
  repository: string;
  pod: string;
  project: string | null;
  requireStage: string | null;
  /** The installation that covers it; null when none does or GitHub could not be asked. */
  installationId: number | null;
  /** What is wrong with this mapping, in words (several joined with `; `); null when nothing is. */
  problem: string | null;
  /** Its pull requests that hold a slot of the pod. */
  holders: GitHubPullRequestSlot[];
  /** Its pull requests waiting in the pod's line; `position` is the place in the pod's whole line. */
  queue: (GitHubPullRequestSlot & { position: number })[];
}

export interface GitHubStatusReport {
  configured: boolean;
  app: GitHubAppInfo | null;
  installations: GitHubInstallationStatus[];
  repositories: GitHubRepositoryStatus[];
  /** Everything wrong, each a sentence (a repository's own problems name it); empty when all is well. */
  problems: string[];
}

export interface GitHubStatusOptions {
  /**
   * How long the report waits for GitHub, per call. The SDK waits out rate limits (for a primary
   * limit, until the window resets); a status page must answer sooner, and says GitHub did not.
   */
  deadlineMs?: number;
}

/**
 * No retry of a 5xx: someone is waiting for the report, and the SDK's three retries with backoff
 * (1 + 4 + 9 s) would make them wait for what is most likely the same answer. (Not `retries: 1`:
 * the retry plugin then retries every failure once, 404s included.)
 */
const STATUS_RETRIES = 0;
const DEFAULT_DEADLINE_MS = 15_000;
const PER_PAGE = 100;

/** The report when the App's variables are not set: what to set, for `clos github status` to print. */
export function githubStatusNotConfigured(): GitHubStatusReport {
  return {
    configured: false,
    app: null,
    installations: [],
    repositories: [],
    problems: [
      'the GitHub App is not configured: set CLOS_GITHUB_APP_ID, CLOS_GITHUB_PRIVATE_KEY (or CLOS_GITHUB_PRIVATE_KEY_FILE) and CLOS_GITHUB_WEBHOOK_SECRET, and CLOS_GITHUB_API_URL for a GitHub Enterprise Server (docs/github-app.md#set-it-up)',
    ],
  };
}

/** Why a call to GitHub failed, in words: a rate limit, a status, or no answer at all. */
export function describeGitHubFailure(route: string, error: unknown): string {
  const e = error as {
    status?: number;
    message?: string;
    response?: { headers?: Record<string, string | undefined> };
  };
  if (error instanceof DeadlineError) return `GitHub did not answer ${route} within ${error.seconds} s`;
  const status = typeof e?.status === 'number' && e.status > 0 ? e.status : null;
  const message = (e?.message ?? String(error)).split('\n')[0]!.replace(/ - https?:\/\/\S+$/, '');
  const limited =
    (status === 403 || status === 429) &&
    (e.response?.headers?.['x-ratelimit-remaining'] === '0' || /rate limit/i.test(message));
  if (limited) return `GitHub's rate limit stopped ${route} (${message})`;
  if (status) return `GitHub answered ${status} to ${route} (${message})`;
  return `GitHub could not be reached for ${route} (${message})`;
}

/** A user or organisation has a login; an enterprise account only a name (and a slug). */
function accountName(account: unknown): string | null {
  const a = account as { login?: unknown; slug?: unknown; name?: unknown } | null | undefined;
  for (const v of [a?.login, a?.slug, a?.name]) if (typeof v === 'string' && v) return v;
  return null;
}

class DeadlineError extends Error {
  constructor(readonly seconds: number) {
    super(`no answer within ${seconds} s`);
  }
}

/**
 * Builds the report with the App the integration runs on (its installation tokens are cached and
 * shared with the job) and the use cases (the pods' WIP holders and lines, the projects).
 */
export function githubStatusReporter(app: GitHubApp, policy: Policy, options: GitHubStatusOptions = {}) {
  const deadlineMs = options.deadlineMs ?? DEFAULT_DEADLINE_MS;
  // Read-only calls on behalf of a caller the route has already authorised; nothing here is audited.
  const ctx: Ctx = { actor: { ...SYSTEM_ACTOR, label: 'github-status' }, requestId: null };
  const request = { retries: STATUS_RETRIES };

  /** Races a call against the deadline; a late answer is dropped (its rejection handled, not thrown). */
  function withDeadline<T>(call: Promise<T>): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new DeadlineError(Math.round(deadlineMs / 100) / 10)), deadlineMs);
      timer.unref();
    });
    call.catch(() => {});
    return Promise.race([call, deadline]).finally(() => clearTimeout(timer));
  }

  async function appInfo(): Promise<GitHubAppInfo> {
    const { data } = await withDeadline(app.octokit.request('GET /app', { request }));
    if (!data) throw new Error('GitHub answered GET /app without the App');
    return { id: data.id, slug: data.slug ?? null, name: data.name, owner: accountName(data.owner) };
  }

  async function installations(): Promise<{ list: GitHubInstallationStatus[]; problems: string[] }> {
    const found = [];
    for (let page = 1; ; page++) {
      const { data } = await withDeadline(
        app.octokit.request('GET /app/installations', { per_page: PER_PAGE, page, request }),
      );
      found.push(...data);
      if (data.length < PER_PAGE) break;
    }
    const problems: string[] = [];
    const list = await Promise.all(
      found.map(async (i): Promise<GitHubInstallationStatus> => {
        const account = accountName(i.account) ?? 'unknown';
        const selection = i.repository_selection === 'all' ? 'all' : 'selected';
        const entry = { id: i.id, account, repositorySelection: selection, repositories: null } as const;
        if (i.suspended_at) {
          problems.push(`the installation on ${account} (${i.id}) is suspended: GitHub gives it no tokens`);
          return entry;
        }
        if (selection === 'all') return entry;
        try {
          return { ...entry, repositories: await repositoriesOf(i.id) };
        } catch (error) {
          problems.push(
            `the repositories of the installation on ${account} (${i.id}) are unknown: ${describeGitHubFailure('GET /installation/repositories', error)}`,
          );
          return entry;
        }
      }),
    );
    return { list, problems };
  }

  async function repositoriesOf(installationId: number): Promise<string[]> {
    const octokit = await withDeadline(app.getInstallationOctokit(installationId));
    const names: string[] = [];
    for (let page = 1; ; page++) {
      const { data } = await withDeadline(
        octokit.request('GET /installation/repositories', { per_page: PER_PAGE, page, request }),
      );
      names.push(...data.repositories.map((r) => r.full_name));
      if (data.repositories.length < PER_PAGE) return names;
    }
  }

  /** The installation covering a repository: its id, null when none does (GitHub's 404). */
  async function installationOf(repository: string): Promise<number | null> {
    const [owner, repo] = repository.split('/') as [string, string];
    try {
      const { data } = await withDeadline(
        app.octokit.request('GET /repos/{owner}/{repo}/installation', { owner, repo, request }),
      );
      return data.id;
    } catch (error) {
      if ((error as { status?: number }).status === 404) return null;
      throw error;
    }
  }

  async function pullRequestsOf(
    services: Services,
    repository: string,
    pod: string,
  ): Promise<Pick<GitHubRepositoryStatus, 'holders' | 'queue'> | null> {
    let status: Awaited<ReturnType<Services['wip']['getStatus']>>;
    try {
      status = await services.wip.getStatus(ctx, pod);
    } catch (error) {
      if (error instanceof NotFoundError) return null;
      throw error;
    }
    const type = status.types.find((t) => t.itemType === policy.github.pullRequests.itemType);
    const name = repository.toLowerCase();
    const ours = (itemId: string) => parsePullRequestItem(itemId)?.repository.toLowerCase() === name;
    return {
      holders: (type?.holders ?? [])
        .filter((h) => ours(h.itemId))
        .map((h) => ({ itemId: h.itemId, label: h.label, url: h.url })),
      queue: (type?.queue ?? [])
        .filter((q) => ours(q.itemId))
        .map((q) => ({ itemId: q.itemId, position: q.position, label: q.label, url: q.url })),
    };
  }

  async function projectExists(services: Services, key: string): Promise<boolean> {
    try {
      await services.stages.get(ctx, key);
      return true;
    } catch (error) {
      if (error instanceof NotFoundError) return false;
      throw error;
    }
  }

  return async function report(services: Services): Promise<GitHubStatusReport> {
    const problems: string[] = [];
    if (policy.github.repositories.length === 0)
      problems.push('github.repositories maps no repository: the App enforces nothing');

    let info: GitHubAppInfo | null = null;
    let listed: GitHubInstallationStatus[] = [];
    // When GitHub does not answer for the App itself, asking once per repository would only wait
    // as long again for the same answer.
    let reachable = true;
    try {
      info = await appInfo();
    } catch (error) {
      reachable = false;
      problems.push(
        `${describeGitHubFailure('GET /app', error)}: the App, its installations and which repositories they cover are unknown`,
      );
    }
    if (reachable)
      try {
        const found = await installations();
        listed = found.list;
        problems.push(...found.problems);
        if (listed.length === 0)
          problems.push('the App is installed nowhere: install it on the mapped repositories');
      } catch (error) {
        problems.push(
          `the App's installations are unknown: ${describeGitHubFailure('GET /app/installations', error)}`,
        );
      }

    const repositories = await Promise.all(
      policy.github.repositories.map(async (mapping): Promise<GitHubRepositoryStatus> => {
        const own: string[] = [];
        let installationId: number | null = null;
        if (reachable)
          try {
            installationId = await installationOf(mapping.repository);
            if (installationId === null)
              own.push('no installation of the App covers it: install the App on it (GitHub answered 404)');
          } catch (error) {
            own.push(
              `which installation covers it is unknown: ${describeGitHubFailure('GET /repos/{owner}/{repo}/installation', error)}`,
            );
          }
        const pulls = await pullRequestsOf(services, mapping.repository, mapping.pod);
        if (!pulls)
          own.push(`pod "${mapping.pod}" does not exist in CLOS: no WIP limit applies to its pull requests`);
        if (mapping.project && !(await projectExists(services, mapping.project)))
          own.push(`project "${mapping.project}" does not exist in CLOS: clos/gate is neutral`);
        return {
          repository: mapping.repository,
          pod: mapping.pod,
          project: mapping.project ?? null,
          requireStage: mapping.requireStage ?? null,
          installationId,
          problem: own.length ? own.join('; ') : null,
          holders: pulls?.holders ?? [],
          queue: pulls?.queue ?? [],
        };
      }),
    );
    for (const r of repositories) if (r.problem) problems.push(`${r.repository}: ${r.problem}`);
    return { configured: true, app: info, installations: listed, repositories, problems };
  };
}

export type GitHubStatusReporter = ReturnType<typeof githubStatusReporter>;
