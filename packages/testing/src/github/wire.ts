import { createHash } from 'node:crypto';

/**
 * GitHub's REST objects, built the way api.github.com writes them (field names, nesting, nulls), with
 * only the fields a consumer reads filled from the test's input. The fake API and the webhook payload
 * builders share these, so a pull request looks the same whether it arrives by webhook or by a list call.
 */

export const GITHUB_WEB = 'https://github.com';
export const GITHUB_API = 'https://api.github.com';

/** A pull request as a test describes it. */
export interface FakePull {
  number: number;
  title: string;
  /** `user.login`; default `octocat`. */
  author?: string;
  state?: 'open' | 'closed';
  draft?: boolean;
  headSha: string;
  /** Default `feature/<number>`. */
  headRef?: string;
  /** Default `main`. */
  baseRef?: string;
  baseSha?: string;
  merged?: boolean;
  mergedAt?: string | null;
  closedAt?: string | null;
  createdAt?: string;
  updatedAt?: string;
  body?: string | null;
  labels?: readonly string[];
}

/** A file of a pull request, as `GET /repos/{owner}/{repo}/pulls/{n}/files` lists it. */
export interface FakePullFile {
  filename: string;
  status?: 'added' | 'removed' | 'modified' | 'renamed' | 'copied' | 'changed' | 'unchanged';
  /** The blob SHA; default: the blob SHA of the text `setContent` gave at the PR's head, else of the name. */
  sha?: string;
  additions?: number;
  deletions?: number;
  patch?: string;
  previousFilename?: string;
}

/** A stable numeric id for a name, so the same repository or user always has the same id. */
export function stableId(kind: string, name: string): number {
  return (
    (Number.parseInt(createHash('sha1').update(`${kind}:${name}`).digest('hex').slice(0, 8), 16) %
      900_000_000) +
    1
  );
}

/** A 40-hex commit SHA derived from a seed: head SHAs that look real and repeat across runs. */
export function fakeSha(seed: string): string {
  return createHash('sha1').update(`commit:${seed}`).digest('hex');
}

/** Git's blob SHA of a text (`git hash-object`), as the contents API reports it. */
export function blobSha(text: string): string {
  const bytes = Buffer.from(text, 'utf8');
  return createHash('sha1').update(`blob ${bytes.length}\0`).update(bytes).digest('hex');
}

/** GitHub writes timestamps without milliseconds. */
export function isoSeconds(at: number | string | Date): string {
  return `${new Date(at).toISOString().slice(0, 19)}Z`;
}

function nodeId(prefix: string, id: number): string {
  return `${prefix}_${Buffer.from(`0:${id}`).toString('base64url')}`;
}

export function splitRepo(fullName: string): { owner: string; name: string } {
  const slash = fullName.indexOf('/');
  if (slash <= 0 || slash === fullName.length - 1)
    throw new Error(`repository "${fullName}" is not owner/name`);
  return { owner: fullName.slice(0, slash), name: fullName.slice(slash + 1) };
}

export function userJson(login: string, type: 'User' | 'Organization' | 'Bot' = 'User', api = GITHUB_API) {
  const id = stableId('user', login);
  return {
    login,
    id,
    node_id: nodeId(type === 'Organization' ? 'O' : 'U', id),
    avatar_url: `https://avatars.githubusercontent.com/u/${id}?v=4`,
    url: `${api}/users/${login}`,
    html_url: `${GITHUB_WEB}/${login}`,
    type,
    site_admin: false,
  };
}

export function repositoryJson(fullName: string, api = GITHUB_API) {
  const { owner, name } = splitRepo(fullName);
  const id = stableId('repo', fullName);
  return {
    id,
    node_id: nodeId('R', id),
    name,
    full_name: fullName,
    private: true,
    owner: userJson(owner, 'Organization', api),
    html_url: `${GITHUB_WEB}/${fullName}`,
    description: null,
    fork: false,
    url: `${api}/repos/${fullName}`,
    default_branch: 'main',
    visibility: 'private',
  };
}

/** The short pull-request reference inside check runs, check suites and workflow runs. */
export function pullRefJson(repo: string, pull: FakePull, api = GITHUB_API) {
  const repoRef = { id: stableId('repo', repo), url: `${api}/repos/${repo}`, name: splitRepo(repo).name };
  return {
    url: `${api}/repos/${repo}/pulls/${pull.number}`,
    id: stableId('pull', `${repo}#${pull.number}`),
    number: pull.number,
    head: { ref: pull.headRef ?? `feature/${pull.number}`, sha: pull.headSha, repo: repoRef },
    base: { ref: pull.baseRef ?? 'main', sha: pull.baseSha ?? fakeSha(`${repo}:base`), repo: repoRef },
  };
}

/**
 * A pull request. `detail` adds the fields GitHub returns only for a single pull request and in
 * webhook payloads (`merged`, `mergeable`, counts), not in lists.
 */
export function pullJson(
  repo: string,
  pull: FakePull,
  options: { api?: string; detail?: boolean; now?: string } = {},
) {
  const api = options.api ?? GITHUB_API;
  const { owner } = splitRepo(repo);
  const id = stableId('pull', `${repo}#${pull.number}`);
  const headRef = pull.headRef ?? `feature/${pull.number}`;
  const baseRef = pull.baseRef ?? 'main';
  const author = userJson(pull.author ?? 'octocat', 'User', api);
  const repository = repositoryJson(repo, api);
  const state = pull.state ?? 'open';
  const created = pull.createdAt ?? options.now ?? isoSeconds(0);
  const merged = pull.merged ?? false;
  const closedAt = state === 'closed' ? (pull.closedAt ?? pull.updatedAt ?? created) : null;
  const mergedAt = merged ? (pull.mergedAt ?? closedAt ?? created) : null;
  const base = `${api}/repos/${repo}`;
  const list = {
    url: `${base}/pulls/${pull.number}`,
    id,
    node_id: nodeId('PR', id),
    html_url: `${GITHUB_WEB}/${repo}/pull/${pull.number}`,
    diff_url: `${GITHUB_WEB}/${repo}/pull/${pull.number}.diff`,
    patch_url: `${GITHUB_WEB}/${repo}/pull/${pull.number}.patch`,
    issue_url: `${base}/issues/${pull.number}`,
    commits_url: `${base}/pulls/${pull.number}/commits`,
    review_comments_url: `${base}/pulls/${pull.number}/comments`,
    review_comment_url: `${base}/pulls/comments{/number}`,
    comments_url: `${base}/issues/${pull.number}/comments`,
    statuses_url: `${base}/statuses/${pull.headSha}`,
    number: pull.number,
    state,
    locked: false,
    title: pull.title,
    user: author,
    body: pull.body ?? null,
    labels: (pull.labels ?? []).map((name) => ({
      id: stableId('label', `${repo}:${name}`),
      name,
      color: 'ededed',
      default: false,
    })),
    milestone: null,
    active_lock_reason: null,
    created_at: created,
    updated_at: pull.updatedAt ?? closedAt ?? created,
    closed_at: closedAt,
    merged_at: mergedAt,
    merge_commit_sha: merged ? fakeSha(`${repo}#${pull.number}:merge`) : null,
    assignee: null,
    assignees: [],
    requested_reviewers: [],
    requested_teams: [],
    head: {
      label: `${owner}:${headRef}`,
      ref: headRef,
      sha: pull.headSha,
      user: repository.owner,
      repo: repository,
    },
    base: {
      label: `${owner}:${baseRef}`,
      ref: baseRef,
      sha: pull.baseSha ?? fakeSha(`${repo}:base`),
      user: repository.owner,
      repo: repository,
    },
    author_association: 'MEMBER',
    auto_merge: null,
    draft: pull.draft ?? false,
  };
  if (!options.detail) return list;
  return {
    ...list,
    merged,
    mergeable: state === 'open' ? true : null,
    rebaseable: state === 'open' ? true : null,
    mergeable_state: state === 'open' ? 'clean' : 'unknown',
    merged_by: merged ? author : null,
    comments: 0,
    review_comments: 0,
    maintainer_can_modify: false,
    commits: 1,
    additions: 0,
    deletions: 0,
    changed_files: 0,
  };
}

/** An installation of the App as a test configures it. */
export interface FakeInstallation {
  id: number;
  account: { login: string; type?: 'Organization' | 'User' };
  /** `owner/name` of each repository the installation may reach. */
  repositories: readonly string[];
  repositorySelection?: 'all' | 'selected';
  permissions?: Readonly<Record<string, 'read' | 'write' | 'admin'>>;
  events?: readonly string[];
  /** A suspended installation gets no tokens (403), as on GitHub. */
  suspended?: boolean;
}

/** The permissions and events the CLOS App asks for in its manifest (docs/github-app.md). */
export const DEFAULT_PERMISSIONS: Readonly<Record<string, 'read' | 'write'>> = {
  checks: 'write',
  contents: 'read',
  deployments: 'read',
  metadata: 'read',
  pull_requests: 'read',
};
export const DEFAULT_EVENTS: readonly string[] = [
  'check_run',
  'check_suite',
  'deployment_status',
  'pull_request',
  'workflow_run',
];

export function installationJson(
  installation: FakeInstallation,
  app: { id: number; slug: string },
  api = GITHUB_API,
  at = isoSeconds(0),
) {
  const type = installation.account.type ?? 'Organization';
  const account = userJson(installation.account.login, type, api);
  return {
    id: installation.id,
    client_id: `Iv1.${app.id.toString(16).padStart(16, '0')}`,
    account,
    repository_selection: installation.repositorySelection ?? 'selected',
    access_tokens_url: `${api}/app/installations/${installation.id}/access_tokens`,
    repositories_url: `${api}/installation/repositories`,
    html_url:
      type === 'Organization'
        ? `${GITHUB_WEB}/organizations/${account.login}/settings/installations/${installation.id}`
        : `${GITHUB_WEB}/settings/installations/${installation.id}`,
    app_id: app.id,
    app_slug: app.slug,
    target_id: account.id,
    target_type: type,
    permissions: { ...(installation.permissions ?? DEFAULT_PERMISSIONS) },
    events: [...(installation.events ?? DEFAULT_EVENTS)],
    created_at: at,
    updated_at: at,
    single_file_name: null,
    has_multiple_single_files: false,
    single_file_paths: [],
    suspended_by: null,
    suspended_at: installation.suspended ? at : null,
  };
}

/** The App itself, as `GET /app` and the `app` field of a check run show it. */
export function appJson(
  app: { id: number; slug: string; owner: string },
  api = GITHUB_API,
  at = isoSeconds(0),
) {
  return {
    id: app.id,
    slug: app.slug,
    node_id: nodeId('A', app.id),
    client_id: `Iv1.${app.id.toString(16).padStart(16, '0')}`,
    owner: userJson(app.owner, 'Organization', api),
    name: app.slug,
    description: '',
    external_url: 'https://clos.example',
    html_url: `${GITHUB_WEB}/apps/${app.slug}`,
    created_at: at,
    updated_at: at,
    permissions: { ...DEFAULT_PERMISSIONS },
    events: [...DEFAULT_EVENTS],
    installations_count: 0,
  };
}

/** A file as `GET /repos/{owner}/{repo}/contents/{path}` returns it. */
export function contentJson(api: string, repo: string, ref: string, path: string, text: string) {
  const name = path.split('/').pop() ?? path;
  const sha = blobSha(text);
  const self = `${api}/repos/${repo}/contents/${path}?ref=${encodeURIComponent(ref)}`;
  const b64 = Buffer.from(text, 'utf8').toString('base64');
  return {
    type: 'file',
    encoding: 'base64',
    size: Buffer.byteLength(text, 'utf8'),
    name,
    path,
    // GitHub wraps the base64 at 60 characters with a newline after each line.
    content: b64.length === 0 ? '' : `${(b64.match(/.{1,60}/g) ?? []).join('\n')}\n`,
    sha,
    url: self,
    git_url: `${api}/repos/${repo}/git/blobs/${sha}`,
    html_url: `${GITHUB_WEB}/${repo}/blob/${ref}/${path}`,
    download_url: `https://raw.githubusercontent.com/${repo}/${ref}/${path}`,
    _links: {
      self,
      git: `${api}/repos/${repo}/git/blobs/${sha}`,
      html: `${GITHUB_WEB}/${repo}/blob/${ref}/${path}`,
    },
  };
}
