import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  applyCheckRun,
  type CheckRunAnnotation,
  type CheckRunOutput,
  type CheckRunVersion,
  checkRunProblem,
  type StoredRun,
} from './github/check-runs.ts';
import {
  compile,
  DOCS,
  error,
  invalid,
  isObject,
  matches,
  notFound,
  pageOf,
  primaryLimit,
  type Reply,
  type RequestMatch,
  readBody,
  safeDecode,
  secondaryLimit,
} from './github/http.ts';
import { publicKeyObject, verifyAppJwt } from './github/jwt.ts';
import {
  appJson,
  blobSha,
  contentJson,
  DEFAULT_PERMISSIONS,
  type FakeInstallation,
  type FakePull,
  type FakePullFile,
  GITHUB_WEB,
  installationJson,
  isoSeconds,
  pullJson,
  pullRefJson,
  repositoryJson,
  splitRepo,
  stableId,
} from './github/wire.ts';

export type { CheckRunAnnotation, CheckRunOutput, CheckRunVersion } from './github/check-runs.ts';
export type { RequestMatch } from './github/http.ts';
export { generateAppKey } from './github/jwt.ts';
export * from './github/webhooks.ts';
export {
  blobSha,
  DEFAULT_EVENTS,
  DEFAULT_PERMISSIONS,
  type FakeInstallation,
  type FakePull,
  type FakePullFile,
  fakeSha,
} from './github/wire.ts';

/**
 * A fake GitHub REST API on 127.0.0.1 for tests. It speaks GitHub's wire format (paths, status codes,
 * JSON shapes, `Link` pagination, rate-limit answers) closely enough that the official Octokit SDK,
 * pointed at `url`, works against it unchanged; it checks the App's JWT against the App's public key
 * and installation tokens against the ones it issued; and it records every request so a test can assert
 * what the code under test asked for (the head SHA it read evidence at, the annotations it posted).
 */

export interface FakeGitHubOptions {
  appId: number;
  /** The App's public key (PEM); the JWTs the SDK signs with the private key are verified against it. */
  publicKey: string;
  /** Also accepted as the JWT's `iss`, as GitHub accepts an App's client id. */
  clientId?: string;
  appSlug?: string;
  /** The organisation that owns the App; default `clos`. */
  appOwner?: string;
  installations?: readonly FakeInstallation[];
  /** Lifetime of an installation token; GitHub's is one hour. */
  tokenTtlSeconds?: number;
  /** Tolerated difference between the caller's clock and ours when checking a JWT's `iat`/`exp`. */
  clockSkewSeconds?: number;
  /** The fake's clock in ms (JWT window, token expiry, rate-limit reset); default `Date.now`. */
  now?: () => number;
}

export interface RecordedCall {
  method: string;
  /** The path, percent-decoded (`/repos/acme/api/contents/.clos/evidence/build.json`). */
  path: string;
  query: Record<string, string>;
  /** Request headers, lower-case names. */
  headers: Record<string, string>;
  /** The parsed JSON body, or undefined when there was none. */
  body: unknown;
  /** The matched route as Octokit writes it (`GET /repos/{owner}/{repo}/pulls`); undefined when unmatched. */
  route: string | undefined;
  params: Record<string, string>;
  status: number;
  response: unknown;
  /** The installation whose token authorised the call. */
  installationId: number | undefined;
  at: number;
}

export interface IssuedToken {
  token: string;
  installationId: number;
  expiresAt: string;
  /** Lower-case `owner/name` of each repository the token may reach. */
  repositories: readonly string[];
  permissions: Readonly<Record<string, string>>;
}

export interface FakeCheckRun {
  id: number;
  repository: string;
  headSha: string;
  name: string;
  status: string;
  conclusion: string | null;
  startedAt: string | null;
  completedAt: string | null;
  externalId: string;
  detailsUrl: string | null;
  output: CheckRunOutput;
  /** Every annotation posted to the run, across all its requests, in order. */
  annotations: readonly CheckRunAnnotation[];
  versions: readonly CheckRunVersion[];
  installationId: number | undefined;
}

export interface RateLimitOptions {
  /** `secondary` (abuse detection, `retry-after`) or `primary` (`x-ratelimit-remaining: 0`). */
  kind?: 'secondary' | 'primary';
  /** 403 (default) or 429; GitHub uses both. */
  status?: 403 | 429;
  /** Secondary: the `retry-after` header in seconds (default 1); null sends none. */
  retryAfterSeconds?: number | null;
  /** Primary: seconds until `x-ratelimit-reset` (default 0: the window resets now). */
  resetInSeconds?: number;
  match?: RequestMatch;
}

export interface FakeGitHub {
  url: string;
  close(): Promise<void>;
  /** Every request, in arrival order (a live array). */
  readonly calls: RecordedCall[];
  /** Requests that matched no route: tests assert there are none. */
  unmatched(): RecordedCall[];
  /** The calls to one route, e.g. `callsTo('GET /repos/{owner}/{repo}/contents/{path}')`. */
  callsTo(route: string): RecordedCall[];
  clearCalls(): void;

  setInstallations(installations: readonly FakeInstallation[]): void;
  addInstallation(installation: FakeInstallation): void;
  removeInstallation(id: number): void;
  /** Installation tokens issued so far (each `POST …/access_tokens` issues one). */
  tokens(): readonly IssuedToken[];
  tokensIssued(installationId?: number): number;
  /** Makes every token issued so far expired, as an hour passing would. */
  expireTokens(): void;

  checkRuns(filter?: { repository?: string; headSha?: string; name?: string }): FakeCheckRun[];
  checkRun(id: number): FakeCheckRun | undefined;
  /** The newest run named `name` on `headSha` in `repository`, with its current state. */
  latestCheck(repository: string, headSha: string, name: string): FakeCheckRun | undefined;

  /** The text of `path` at `ref` (a SHA or a branch) served by the contents API. */
  setContent(repository: string, ref: string, path: string, text: string): void;
  deleteContent(repository: string, ref: string, path: string): void;

  setPulls(repository: string, pulls: readonly FakePull[]): void;
  putPull(repository: string, pull: FakePull): void;
  removePull(repository: string, number: number): void;
  pulls(repository: string): FakePull[];
  setPullFiles(repository: string, number: number, files: readonly FakePullFile[]): void;

  /** The next `count` matching requests answer a rate limit instead. */
  rateLimitNext(count: number, options?: RateLimitOptions): void;
  /** The next `count` matching requests answer `status` (e.g. 502) instead. */
  failNext(count: number, status: number, match?: RequestMatch): void;
}

interface TokenState {
  token: string;
  installationId: number;
  expiresAt: number;
  repositories: Set<string>;
  permissions: Record<string, string>;
}

interface Fault {
  remaining: number;
  match: RequestMatch | undefined;
  reply: (call: { installationId: number | undefined }) => Reply;
}

interface Ctx {
  params: Record<string, string>;
  query: Record<string, string>;
  body: unknown;
  headers: Record<string, string>;
  /** Canonical `owner/name` when the route names a repository the token may reach. */
  repo: string;
  token: TokenState | undefined;
  /** `http://127.0.0.1:port/…` of this request without its query, for `Link` headers. */
  selfUrl: string;
}

interface Route {
  method: string;
  template: string;
  auth: 'app' | 'installation';
  regex: RegExp;
  names: string[];
  handle(ctx: Ctx): Reply;
}

function contentKey(repo: string, ref: string, path: string): string {
  return `${repo.toLowerCase()}\0${ref}\0${path.replace(/^\/+/, '')}`;
}

export async function startFakeGitHub(options: FakeGitHubOptions): Promise<FakeGitHub> {
  const key = publicKeyObject(options.publicKey);
  const now = options.now ?? Date.now;
  const ttl = (options.tokenTtlSeconds ?? 3600) * 1000;
  const skew = options.clockSkewSeconds ?? 60;
  const app = { id: options.appId, slug: options.appSlug ?? 'clos', owner: options.appOwner ?? 'clos' };

  const calls: RecordedCall[] = [];
  const installations = new Map<number, FakeInstallation>();
  const tokens = new Map<string, TokenState>();
  const issued: IssuedToken[] = [];
  const runs = new Map<number, StoredRun>();
  const suites = new Map<string, number>();
  const contents = new Map<string, string>();
  const pulls = new Map<string, Map<number, FakePull>>();
  const pullFiles = new Map<string, FakePullFile[]>();
  const faults: Fault[] = [];
  let nextRunId = 4_000_000_001;
  let nextSuiteId = 9_000_000_001;
  let requestCount = 0;
  let url = '';

  for (const installation of options.installations ?? []) installations.set(installation.id, installation);

  /** The configured spelling of a repository (GitHub matches owner/name case-insensitively). */
  function canonical(repo: string): string | undefined {
    const lower = repo.toLowerCase();
    for (const installation of installations.values()) {
      const found = installation.repositories.find((r) => r.toLowerCase() === lower);
      if (found) return found;
    }
    return undefined;
  }
  function installationOf(repo: string): FakeInstallation | undefined {
    const lower = repo.toLowerCase();
    for (const installation of installations.values()) {
      if (installation.repositories.some((r) => r.toLowerCase() === lower)) return installation;
    }
    return undefined;
  }
  const pullsOf = (repo: string) => {
    const lower = repo.toLowerCase();
    let map = pulls.get(lower);
    if (!map) {
      map = new Map();
      pulls.set(lower, map);
    }
    return map;
  };

  function toFake(run: StoredRun): FakeCheckRun {
    return {
      id: run.id,
      repository: run.repo,
      headSha: run.headSha,
      name: run.name,
      status: run.status,
      conclusion: run.conclusion,
      startedAt: run.startedAt,
      completedAt: run.completedAt,
      externalId: run.externalId,
      detailsUrl: run.detailsUrl,
      output: { ...run.output },
      annotations: run.annotations.map((a) => ({ ...a })),
      versions: run.versions.map((v) => ({ ...v, output: { ...v.output } })),
      installationId: run.installationId,
    };
  }

  function runJson(run: StoredRun) {
    const api = `${url}/repos/${run.repo}`;
    const openPulls = [...pullsOf(run.repo).values()].filter(
      (p) => (p.state ?? 'open') === 'open' && p.headSha === run.headSha,
    );
    return {
      id: run.id,
      node_id: `CR_${Buffer.from(`0:${run.id}`).toString('base64url')}`,
      head_sha: run.headSha,
      external_id: run.externalId,
      url: `${api}/check-runs/${run.id}`,
      html_url: `${GITHUB_WEB}/${run.repo}/runs/${run.id}`,
      details_url: run.detailsUrl,
      status: run.status,
      conclusion: run.conclusion,
      started_at: run.startedAt,
      completed_at: run.completedAt,
      output: {
        ...run.output,
        annotations_count: run.annotations.length,
        annotations_url: `${api}/check-runs/${run.id}/annotations`,
      },
      name: run.name,
      check_suite: { id: run.suiteId },
      app: appJson(app, url),
      pull_requests: openPulls.map((p) => pullRefJson(run.repo, p, url)),
    };
  }

  function findPull(repo: string, number: string): FakePull | undefined {
    return /^\d+$/.test(number) ? pullsOf(repo).get(Number(number)) : undefined;
  }

  const routeList: Array<Omit<Route, 'regex' | 'names'>> = [
    // --- App endpoints: authenticated by the App's JWT ---
    {
      method: 'GET',
      template: '/app',
      auth: 'app',
      handle: () => ({ status: 200, body: appJson(app, url) }),
    },
    {
      method: 'GET',
      template: '/app/installations',
      auth: 'app',
      handle: (ctx) => {
        const all = [...installations.values()].map((i) => installationJson(i, app, url));
        const page = pageOf(all, ctx, `${DOCS}/apps/apps#list-installations-for-the-authenticated-app`);
        return 'items' in page ? { status: 200, body: page.items, headers: page.headers } : page;
      },
    },
    {
      method: 'GET',
      template: '/app/installations/{installation_id}',
      auth: 'app',
      handle: ({ params }) => {
        const installation = installations.get(Number(params.installation_id));
        return installation ? { status: 200, body: installationJson(installation, app, url) } : notFound();
      },
    },
    {
      method: 'POST',
      template: '/app/installations/{installation_id}/access_tokens',
      auth: 'app',
      handle: ({ params, body }) => {
        const docs = `${DOCS}/apps/apps#create-an-installation-access-token-for-an-app`;
        const installation = installations.get(Number(params.installation_id));
        if (!installation) return notFound(docs);
        if (installation.suspended) return error(403, 'This installation has been suspended', docs);
        const request = isObject(body) ? body : {};
        let repos = installation.repositories.map((r) => r.toLowerCase());
        const restricted = Array.isArray(request.repositories) || Array.isArray(request.repository_ids);
        if (Array.isArray(request.repositories)) {
          const names = new Set(request.repositories.map((n) => String(n).toLowerCase()));
          repos = repos.filter((r) => names.has(splitRepo(r).name));
          if (repos.length !== names.size)
            return invalid(
              'There is at least one repository that does not exist or is not accessible to the parent installation.',
              docs,
            );
        }
        if (Array.isArray(request.repository_ids)) {
          const ids = new Set(request.repository_ids.map(Number));
          repos = repos.filter((r) => ids.has(stableId('repo', canonical(r) ?? r)));
        }
        // A token may ask for fewer permissions than the installation has; GitHub grants what it asks.
        const permissions = isObject(request.permissions)
          ? { ...request.permissions }
          : { ...(installation.permissions ?? DEFAULT_PERMISSIONS) };
        const token = `ghs_${randomBytes(18).toString('hex').slice(0, 36)}`;
        const expiresAt = now() + ttl;
        tokens.set(token, {
          token,
          installationId: installation.id,
          expiresAt,
          repositories: new Set(repos),
          permissions: permissions as Record<string, string>,
        });
        issued.push({
          token,
          installationId: installation.id,
          expiresAt: isoSeconds(expiresAt),
          repositories: repos,
          permissions: permissions as Record<string, string>,
        });
        const response: Record<string, unknown> = {
          token,
          expires_at: isoSeconds(expiresAt),
          permissions,
          repository_selection: installation.repositorySelection ?? 'selected',
        };
        if (restricted) response.repositories = repos.map((r) => repositoryJson(canonical(r) ?? r, url));
        return { status: 201, body: response };
      },
    },
    {
      method: 'GET',
      template: '/repos/{owner}/{repo}/installation',
      auth: 'app',
      handle: ({ params }) => {
        const installation = installationOf(`${params.owner}/${params.repo}`);
        return installation ? { status: 200, body: installationJson(installation, app, url) } : notFound();
      },
    },
    ...(['/orgs/{org}/installation', '/users/{username}/installation'] as const).map((template) => ({
      method: 'GET',
      template,
      auth: 'app' as const,
      handle: ({ params }: Ctx): Reply => {
        const login = (params.org ?? params.username ?? '').toLowerCase();
        const installation = [...installations.values()].find((i) => i.account.login.toLowerCase() === login);
        return installation ? { status: 200, body: installationJson(installation, app, url) } : notFound();
      },
    })),

    // --- Installation endpoints: authenticated by an installation token ---
    {
      method: 'GET',
      template: '/installation/repositories',
      auth: 'installation',
      handle: (ctx) => {
        const installation = ctx.token ? installations.get(ctx.token.installationId) : undefined;
        const repos = [...(ctx.token?.repositories ?? [])].map((r) => repositoryJson(canonical(r) ?? r, url));
        const page = pageOf(
          repos,
          ctx,
          `${DOCS}/apps/installations#list-repositories-accessible-to-the-app-installation`,
        );
        if (!('items' in page)) return page;
        return {
          status: 200,
          headers: page.headers,
          body: {
            total_count: repos.length,
            repositories: page.items,
            repository_selection: installation?.repositorySelection ?? 'selected',
          },
        };
      },
    },
    {
      method: 'GET',
      template: '/repos/{owner}/{repo}',
      auth: 'installation',
      handle: ({ repo }) => ({ status: 200, body: repositoryJson(repo, url) }),
    },
    {
      method: 'POST',
      template: '/repos/{owner}/{repo}/check-runs',
      auth: 'installation',
      handle: ({ repo, body, token }) => {
        const docs = `${DOCS}/checks/runs#create-a-check-run`;
        if (!isObject(body)) return error(400, 'Problems parsing JSON', docs);
        const problem = checkRunProblem(body, true);
        if (problem) return invalid(problem, docs);
        const headSha = body.head_sha as string;
        // GitHub refuses a head_sha that is not a commit of the repository; here: not a full SHA.
        if (!/^[0-9a-f]{40}$/i.test(headSha)) return invalid(`No commit found for SHA: ${headSha}`, docs);
        const suiteKey = `${repo.toLowerCase()}@${headSha}`;
        let suiteId = suites.get(suiteKey);
        if (suiteId === undefined) {
          suiteId = nextSuiteId++;
          suites.set(suiteKey, suiteId);
        }
        const run: StoredRun = {
          id: nextRunId++,
          repo,
          headSha,
          name: body.name as string,
          status: 'queued',
          conclusion: null,
          startedAt: null,
          completedAt: null,
          externalId: '',
          detailsUrl: null,
          output: { title: null, summary: null, text: null },
          annotations: [],
          suiteId,
          installationId: token?.installationId,
          versions: [],
        };
        applyCheckRun(run, body, 'created', now());
        runs.set(run.id, run);
        return { status: 201, body: runJson(run) };
      },
    },
    {
      method: 'GET',
      template: '/repos/{owner}/{repo}/check-runs/{check_run_id}',
      auth: 'installation',
      handle: ({ repo, params }) => {
        const run = runs.get(Number(params.check_run_id));
        return run && run.repo === repo ? { status: 200, body: runJson(run) } : notFound();
      },
    },
    {
      method: 'PATCH',
      template: '/repos/{owner}/{repo}/check-runs/{check_run_id}',
      auth: 'installation',
      handle: ({ repo, params, body }) => {
        const docs = `${DOCS}/checks/runs#update-a-check-run`;
        const run = runs.get(Number(params.check_run_id));
        if (!run || run.repo !== repo) return notFound(docs);
        if (!isObject(body)) return error(400, 'Problems parsing JSON', docs);
        const problem = checkRunProblem(body, false, run);
        if (problem) return invalid(problem, docs);
        applyCheckRun(run, body, 'updated', now());
        return { status: 200, body: runJson(run) };
      },
    },
    {
      method: 'GET',
      template: '/repos/{owner}/{repo}/check-runs/{check_run_id}/annotations',
      auth: 'installation',
      handle: (ctx) => {
        const run = runs.get(Number(ctx.params.check_run_id));
        if (!run || run.repo !== ctx.repo) return notFound();
        const blob = (path: string) => `${GITHUB_WEB}/${run.repo}/blob/${run.headSha}/${path}`;
        const all = run.annotations.map((a) => ({
          path: a.path,
          blob_href: blob(a.path),
          start_line: a.start_line,
          start_column: a.start_column ?? null,
          end_line: a.end_line,
          end_column: a.end_column ?? null,
          annotation_level: a.annotation_level,
          title: a.title ?? null,
          message: a.message,
          raw_details: a.raw_details ?? null,
        }));
        const page = pageOf(all, ctx, `${DOCS}/checks/runs#list-check-run-annotations`);
        return 'items' in page ? { status: 200, body: page.items, headers: page.headers } : page;
      },
    },
    {
      method: 'GET',
      template: '/repos/{owner}/{repo}/commits/{ref}/check-runs',
      auth: 'installation',
      handle: (ctx) => {
        const { repo, params, query } = ctx;
        const docs = `${DOCS}/checks/runs#list-check-runs-for-a-git-reference`;
        const filter = query.filter ?? 'latest';
        if (filter !== 'latest' && filter !== 'all')
          return invalid(`For 'filter', "${filter}" is not a member of ["latest", "all"].`, docs);
        // Newest first; `latest` keeps only the newest run of each name, as GitHub's default does.
        let found = [...runs.values()]
          .filter((r) => r.repo === repo && r.headSha === params.ref)
          .filter((r) => query.check_name === undefined || r.name === query.check_name)
          .filter((r) => query.status === undefined || r.status === query.status)
          .sort((a, b) => b.id - a.id);
        if (filter === 'latest') {
          const seen = new Set<string>();
          found = found.filter((r) => {
            if (seen.has(r.name)) return false;
            seen.add(r.name);
            return true;
          });
        }
        const page = pageOf(found, ctx, docs);
        if (!('items' in page)) return page;
        return {
          status: 200,
          headers: page.headers,
          body: { total_count: found.length, check_runs: page.items.map(runJson) },
        };
      },
    },
    {
      method: 'GET',
      template: '/repos/{owner}/{repo}/contents/{path}',
      auth: 'installation',
      handle: ({ repo, params, query, headers }) => {
        const docs = `${DOCS}/repos/contents#get-repository-content`;
        const ref = query.ref ?? 'main';
        const path = params.path?.replace(/^\/+|\/+$/g, '') ?? '';
        const text = contents.get(contentKey(repo, ref, path));
        if (text === undefined) {
          // A directory: list what lies directly under it.
          const prefix = contentKey(repo, ref, `${path}/`);
          const entries = new Map<string, { type: 'file' | 'dir'; path: string; text?: string }>();
          for (const [k, v] of contents) {
            if (!k.startsWith(prefix)) continue;
            const rest = k.slice(prefix.length);
            const [first = ''] = rest.split('/');
            const isFile = first === rest;
            entries.set(first, {
              type: isFile ? 'file' : 'dir',
              path: `${path}/${first}`,
              text: isFile ? v : undefined,
            });
          }
          if (entries.size === 0) return notFound(docs);
          const listing = [...entries.values()].map((e) =>
            e.type === 'file' && e.text !== undefined
              ? (({ content: _c, encoding: _e, ...rest }) => rest)(
                  contentJson(url, repo, ref, e.path, e.text),
                )
              : { type: 'dir', name: e.path.split('/').pop(), path: e.path, sha: blobSha(e.path), size: 0 },
          );
          return { status: 200, body: listing };
        }
        const accept = headers.accept ?? '';
        if (/vnd\.github(\.v3)?\.raw/.test(accept)) {
          return {
            status: 200,
            text,
            headers: { 'content-type': 'application/vnd.github.raw; charset=utf-8' },
          };
        }
        return { status: 200, body: contentJson(url, repo, ref, path, text) };
      },
    },
    {
      method: 'GET',
      template: '/repos/{owner}/{repo}/pulls',
      auth: 'installation',
      handle: (ctx) => {
        const { repo, query } = ctx;
        const docs = `${DOCS}/pulls/pulls#list-pull-requests`;
        const state = query.state ?? 'open';
        if (!['open', 'closed', 'all'].includes(state))
          return invalid(`For 'state', "${state}" is not a member of ["open", "closed", "all"].`, docs);
        const sort = query.sort ?? 'created';
        const direction = query.direction ?? (sort === 'created' ? 'desc' : 'asc');
        const stamp = (p: FakePull) =>
          Date.parse((sort === 'updated' ? p.updatedAt : undefined) ?? p.createdAt ?? '') || 0;
        const list = [...pullsOf(repo).values()]
          .filter((p) => state === 'all' || (p.state ?? 'open') === state)
          .filter((p) => query.base === undefined || (p.baseRef ?? 'main') === query.base)
          .filter(
            (p) => query.head === undefined || query.head.endsWith(`:${p.headRef ?? `feature/${p.number}`}`),
          )
          .sort((a, b) => stamp(a) - stamp(b) || a.number - b.number);
        if (direction === 'desc') list.reverse();
        const page = pageOf(list, ctx, docs);
        if (!('items' in page)) return page;
        return {
          status: 200,
          headers: page.headers,
          body: page.items.map((p) => pullJson(repo, p, { api: url })),
        };
      },
    },
    {
      method: 'GET',
      template: '/repos/{owner}/{repo}/pulls/{pull_number}',
      auth: 'installation',
      handle: ({ repo, params }) => {
        const pull = findPull(repo, params.pull_number ?? '');
        if (!pull) return notFound(`${DOCS}/pulls/pulls#get-a-pull-request`);
        const files = pullFiles.get(`${repo.toLowerCase()}#${pull.number}`) ?? [];
        const body = pullJson(repo, pull, { api: url, detail: true });
        return { status: 200, body: { ...body, changed_files: files.length } };
      },
    },
    {
      method: 'GET',
      template: '/repos/{owner}/{repo}/pulls/{pull_number}/files',
      auth: 'installation',
      handle: (ctx) => {
        const { repo, params } = ctx;
        const docs = `${DOCS}/pulls/pulls#list-pull-requests-files`;
        const pull = findPull(repo, params.pull_number ?? '');
        if (!pull) return notFound(docs);
        const files = (pullFiles.get(`${repo.toLowerCase()}#${pull.number}`) ?? []).map((f) => {
          const text = contents.get(contentKey(repo, pull.headSha, f.filename));
          const sha = f.sha ?? blobSha(text ?? f.filename);
          const additions = f.additions ?? (text === undefined ? 0 : text.split('\n').length);
          const deletions = f.deletions ?? 0;
          const file: Record<string, unknown> = {
            sha,
            filename: f.filename,
            status: f.status ?? 'modified',
            additions,
            deletions,
            changes: additions + deletions,
            blob_url: `${GITHUB_WEB}/${repo}/blob/${pull.headSha}/${f.filename}`,
            raw_url: `${GITHUB_WEB}/${repo}/raw/${pull.headSha}/${f.filename}`,
            contents_url: `${url}/repos/${repo}/contents/${f.filename}?ref=${pull.headSha}`,
            patch: f.patch ?? '',
          };
          if (f.previousFilename) file.previous_filename = f.previousFilename;
          return file;
        });
        const page = pageOf(files, ctx, docs);
        return 'items' in page ? { status: 200, body: page.items, headers: page.headers } : page;
      },
    },
  ];
  const routes: Route[] = routeList.map((r) => ({ ...r, ...compile(r.template) }));

  function authenticate(route: Route, ctx: Ctx, authorization: string | undefined): Reply | undefined {
    const m = /^(bearer|token)\s+(\S+)\s*$/i.exec(authorization ?? '');
    if (route.auth === 'app') {
      const result = m?.[2]
        ? verifyAppJwt(m[2], {
            appId: app.id,
            clientId: options.clientId,
            key,
            nowSeconds: Math.floor(now() / 1000),
            skewSeconds: skew,
          })
        : { ok: false as const, message: 'A JSON web token could not be decoded' };
      return result.ok ? undefined : error(401, result.message);
    }
    if (!m?.[2]) return error(401, 'Requires authentication');
    const token = tokens.get(m[2]);
    if (!token || token.expiresAt <= now()) return error(401, 'Bad credentials');
    ctx.token = token;
    if (ctx.params.owner !== undefined && ctx.params.repo !== undefined) {
      const repo = canonical(`${ctx.params.owner}/${ctx.params.repo}`);
      // A repository outside the token's installation does not exist, as far as the token can tell.
      if (!repo || !token.repositories.has(repo.toLowerCase())) return notFound();
      ctx.repo = repo;
    }
    return undefined;
  }

  function rateHeaders(): Record<string, string> {
    const reset = Math.floor(now() / 1000) + 3600;
    return {
      'x-ratelimit-limit': '5000',
      'x-ratelimit-remaining': String(Math.max(0, 5000 - requestCount)),
      'x-ratelimit-reset': String(reset),
      'x-ratelimit-used': String(Math.min(5000, requestCount)),
      'x-ratelimit-resource': 'core',
    };
  }

  const server = createServer(async (req, res) => {
    requestCount += 1;
    const method = (req.method ?? 'GET').toUpperCase();
    const parsed = new URL(req.url ?? '/', 'http://127.0.0.1');
    const rawPath = parsed.pathname.replace(/\/+$/, '') || '/';
    const query = Object.fromEntries(parsed.searchParams);
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers))
      if (v !== undefined) headers[k] = Array.isArray(v) ? v.join(', ') : v;
    const text = await readBody(req);
    let body: unknown;
    let badJson = false;
    if (text.length > 0) {
      try {
        body = JSON.parse(text);
      } catch {
        badJson = true;
        body = text;
      }
    }

    let route: Route | undefined;
    const params: Record<string, string> = {};
    for (const candidate of routes) {
      if (candidate.method !== method) continue;
      const m = candidate.regex.exec(rawPath);
      if (!m) continue;
      route = candidate;
      candidate.names.forEach((name, i) => {
        params[name] = safeDecode(m[i + 1] ?? '');
      });
      break;
    }
    const path = safeDecode(rawPath);
    const routeName = route ? `${route.method} ${route.template}` : undefined;
    const ctx: Ctx = {
      params,
      query,
      body,
      headers,
      repo: '',
      token: undefined,
      selfUrl: `${url}${rawPath}`,
    };

    let reply: Reply;
    const fault = faults.find((f) => f.remaining > 0 && matches(f.match, method, path, routeName));
    if (fault) {
      fault.remaining -= 1;
      if (fault.remaining === 0) faults.splice(faults.indexOf(fault), 1);
      const m = /^(?:bearer|token)\s+(\S+)/i.exec(headers.authorization ?? '');
      reply = fault.reply({ installationId: m?.[1] ? tokens.get(m[1])?.installationId : undefined });
    } else if (!route) {
      reply = notFound();
    } else if (badJson) {
      reply = error(400, 'Problems parsing JSON');
    } else {
      reply = authenticate(route, ctx, headers.authorization) ?? route.handle(ctx);
    }

    const out: Record<string, string> = {
      'x-github-api-version-selected': '2022-11-28',
      'x-github-media-type': 'github.v3; format=json',
      'x-github-request-id': randomBytes(8).toString('hex').toUpperCase(),
      ...rateHeaders(),
      ...(reply.text === undefined ? { 'content-type': 'application/json; charset=utf-8' } : {}),
      ...reply.headers,
    };
    calls.push({
      method,
      path,
      query,
      headers,
      body,
      route: routeName,
      params,
      status: reply.status,
      response: reply.text ?? reply.body,
      installationId: ctx.token?.installationId,
      at: now(),
    });
    res.writeHead(reply.status, out);
    res.end(reply.text ?? (reply.body === undefined ? '' : JSON.stringify(reply.body)));
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    url,
    calls,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
    unmatched: () => calls.filter((c) => c.route === undefined),
    callsTo: (route) => calls.filter((c) => c.route === route),
    clearCalls: () => {
      calls.length = 0;
    },

    setInstallations(list) {
      installations.clear();
      for (const installation of list) installations.set(installation.id, installation);
    },
    addInstallation(installation) {
      installations.set(installation.id, installation);
    },
    removeInstallation(id) {
      installations.delete(id);
      for (const [token, state] of tokens) if (state.installationId === id) tokens.delete(token);
    },
    tokens: () => issued.map((t) => ({ ...t })),
    tokensIssued: (installationId) =>
      issued.filter((t) => installationId === undefined || t.installationId === installationId).length,
    expireTokens() {
      const at = now();
      for (const state of tokens.values()) state.expiresAt = Math.min(state.expiresAt, at);
    },

    checkRuns(filter = {}) {
      return [...runs.values()]
        .filter(
          (r) => filter.repository === undefined || r.repo.toLowerCase() === filter.repository.toLowerCase(),
        )
        .filter((r) => filter.headSha === undefined || r.headSha === filter.headSha)
        .filter((r) => filter.name === undefined || r.name === filter.name)
        .sort((a, b) => a.id - b.id)
        .map(toFake);
    },
    checkRun(id) {
      const run = runs.get(id);
      return run ? toFake(run) : undefined;
    },
    latestCheck(repository, headSha, name) {
      let latest: StoredRun | undefined;
      for (const run of runs.values()) {
        if (
          run.repo.toLowerCase() !== repository.toLowerCase() ||
          run.headSha !== headSha ||
          run.name !== name
        )
          continue;
        if (!latest || run.id > latest.id) latest = run;
      }
      return latest ? toFake(latest) : undefined;
    },

    setContent(repository, ref, path, text) {
      contents.set(contentKey(repository, ref, path), text);
    },
    deleteContent(repository, ref, path) {
      contents.delete(contentKey(repository, ref, path));
    },

    setPulls(repository, list) {
      const map = pullsOf(repository);
      map.clear();
      for (const pull of list) map.set(pull.number, { createdAt: isoSeconds(now()), ...pull });
    },
    putPull(repository, pull) {
      const map = pullsOf(repository);
      map.set(pull.number, { createdAt: map.get(pull.number)?.createdAt ?? isoSeconds(now()), ...pull });
    },
    removePull(repository, number) {
      pullsOf(repository).delete(number);
    },
    pulls: (repository) => [...pullsOf(repository).values()].map((p) => ({ ...p })),
    setPullFiles(repository, number, files) {
      pullFiles.set(
        `${repository.toLowerCase()}#${number}`,
        files.map((f) => ({ ...f })),
      );
    },

    rateLimitNext(count, limit = {}) {
      const kind = limit.kind ?? 'secondary';
      const status = limit.status ?? 403;
      faults.push({
        remaining: count,
        match: limit.match,
        reply: ({ installationId }) => {
          if (kind === 'secondary') {
            return secondaryLimit(
              status,
              limit.retryAfterSeconds === undefined ? 1 : limit.retryAfterSeconds,
            );
          }
          const who = installationId === undefined ? `app ID ${app.id}` : `installation ID ${installationId}`;
          return primaryLimit(status, who, Math.floor(now() / 1000) + (limit.resetInSeconds ?? 0));
        },
      });
    },
    failNext(count, status, match) {
      const messages: Record<number, string> = {
        500: 'Server Error',
        502: 'Bad Gateway',
        503: 'Service Unavailable',
        504: 'Gateway Timeout',
      };
      faults.push({
        remaining: count,
        match,
        reply: () => error(status, messages[status] ?? 'Server Error'),
      });
    },
  };
}
