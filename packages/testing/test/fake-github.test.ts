import { createPrivateKey, sign as rsaSign } from 'node:crypto';
import { App } from '@octokit/app';
import { Octokit } from '@octokit/core';
import { composePaginateRest } from '@octokit/plugin-paginate-rest';
import { retry } from '@octokit/plugin-retry';
import { throttling } from '@octokit/plugin-throttling';
import { verify } from '@octokit/webhooks-methods';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  checkRunPayload,
  deploymentStatusPayload,
  type FakeGitHub,
  fakeSha,
  generateAppKey,
  installationPayload,
  pullRequestPayload,
  signedDelivery,
  startFakeGitHub,
  workflowRunPayload,
} from '../src/index.ts';

// The SDK the app uses: the throttling and retry plugins over @octokit/core, as packages/integrations wires it.
const APP_ID = 424242;
const REPO = 'acme/payments-api';
const keys = generateAppKey();
const limits: Array<{ kind: string; retryAfter: number; retryCount: number }> = [];

function makeApp(fake: FakeGitHub, privateKey = keys.privateKey): App {
  const SdkOctokit = Octokit.plugin(throttling, retry).defaults({
    baseUrl: fake.url,
    throttle: {
      // Retry once per limit, and wait 10 ms per second GitHub asks for: the test checks that the
      // plugin retries, not how long it sleeps.
      retryAfterBaseValue: 10,
      onRateLimit: (retryAfter: number, _options: unknown, _octokit: unknown, retryCount: number) => {
        limits.push({ kind: 'primary', retryAfter, retryCount });
        return retryCount < 1;
      },
      onSecondaryRateLimit: (
        retryAfter: number,
        _options: unknown,
        _octokit: unknown,
        retryCount: number,
      ) => {
        limits.push({ kind: 'secondary', retryAfter, retryCount });
        return retryCount < 1;
      },
    },
    retry: { retryAfterBaseValue: 10 },
  });
  return new App({ appId: APP_ID, privateKey, Octokit: SdkOctokit });
}

/** A JWT signed by hand, to send what the SDK never would. */
function jwt(claims: Record<string, unknown>, privateKey = keys.privateKey): string {
  const part = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
  const input = `${part({ alg: 'RS256', typ: 'JWT' })}.${part(claims)}`;
  return `${input}.${rsaSign('RSA-SHA256', Buffer.from(input), createPrivateKey(privateKey)).toString('base64url')}`;
}

async function get(fake: FakeGitHub, path: string, authorization?: string) {
  const res = await fetch(`${fake.url}${path}`, { headers: authorization ? { authorization } : {} });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

function statusOf(error: unknown): number | undefined {
  return (error as { status?: number }).status;
}

describe('fake GitHub API driven by Octokit', () => {
  let fake: FakeGitHub;
  let app: App;

  beforeAll(async () => {
    fake = await startFakeGitHub({
      appId: APP_ID,
      publicKey: keys.publicKey,
      installations: [
        { id: 11, account: { login: 'acme' }, repositories: [REPO] },
        { id: 12, account: { login: 'other' }, repositories: ['other/site'] },
      ],
    });
    app = makeApp(fake);
  });
  afterAll(async () => {
    await fake.close();
  });
  beforeEach(() => {
    limits.length = 0;
  });

  describe('App authentication', () => {
    it('accepts the JWT the SDK signs with the App key', async () => {
      const { data } = await app.octokit.request('GET /app');
      expect(data?.id).toBe(APP_ID);
      const { data: installation } = await app.octokit.request('GET /repos/{owner}/{repo}/installation', {
        owner: 'acme',
        repo: 'payments-api',
      });
      expect(installation.id).toBe(11);
      expect(installation.account && 'login' in installation.account ? installation.account.login : '').toBe(
        'acme',
      );
    });

    it('refuses a JWT signed with another key, for another App, or outside its window', async () => {
      const forger = generateAppKey();
      const now = Math.floor(Date.now() / 1000);
      const cases = [
        [
          jwt({ iss: APP_ID, iat: now - 30, exp: now + 500 }, forger.privateKey),
          'A JSON web token could not be decoded',
        ],
        [jwt({ iss: APP_ID + 1, iat: now - 30, exp: now + 500 }), 'A JSON web token could not be decoded'],
        ['not-a-jwt', 'A JSON web token could not be decoded'],
        [jwt({ iss: APP_ID, iat: now - 900, exp: now - 300 }), "'Expiration time' claim ('exp') must be"],
        [jwt({ iss: APP_ID, iat: now + 300, exp: now + 600 }), "'Issued at' claim ('iat') must be"],
        [jwt({ iss: APP_ID, iat: now - 30, exp: now + 1200 }), "'Expiration time' claim ('exp') is too far"],
      ] as const;
      for (const [token, message] of cases) {
        const res = await get(fake, '/app', `Bearer ${token}`);
        expect(res.status, message).toBe(401);
        expect(String(res.body.message)).toContain(message);
      }
      expect((await get(fake, '/app')).status).toBe(401);
      // The App id may be a string in `iss`, and a little clock skew is tolerated.
      expect(
        (await get(fake, '/app', `Bearer ${jwt({ iss: String(APP_ID), iat: now + 30, exp: now + 600 })}`))
          .status,
      ).toBe(200);
    });

    it('makes the SDK fail when it holds the wrong private key', async () => {
      const impostor = makeApp(fake, generateAppKey().privateKey);
      await expect(impostor.octokit.request('GET /app')).rejects.toMatchObject({ status: 401 });
    });
  });

  describe('installation tokens', () => {
    it('issues a token once and the SDK reuses it for later calls', async () => {
      const before = fake.tokensIssued(11);
      const octokit = await app.getInstallationOctokit(11);
      for (let i = 0; i < 3; i++)
        await octokit.request('GET /repos/{owner}/{repo}', { owner: 'acme', repo: 'payments-api' });
      const again = await app.getInstallationOctokit(11);
      await again.request('GET /installation/repositories');
      expect(fake.tokensIssued(11) - before).toBe(1);
      const token = fake.tokens().find((t) => t.installationId === 11);
      expect(token?.token).toMatch(/^ghs_/);
      expect(Date.parse(token?.expiresAt ?? '') - Date.now()).toBeGreaterThan(3500_000);
      const repoCalls = fake.callsTo('GET /repos/{owner}/{repo}');
      expect(repoCalls.length).toBeGreaterThanOrEqual(3);
      expect(
        repoCalls.every((c) => c.installationId === 11 && c.headers.authorization?.startsWith('token ')),
      ).toBe(true);
    });

    it('refuses a repository outside the installation and a made-up token', async () => {
      const octokit = await app.getInstallationOctokit(11);
      await expect(
        octokit.request('GET /repos/{owner}/{repo}', { owner: 'other', repo: 'site' }),
      ).rejects.toMatchObject({
        status: 404,
      });
      expect((await get(fake, `/repos/${REPO}`, 'token ghs_madeup')).status).toBe(401);
      expect((await get(fake, `/repos/${REPO}`)).status).toBe(401);
      const token = fake.tokens().at(-1)?.token ?? '';
      expect((await get(fake, `/repos/${REPO}`, `Bearer ${token}`)).status).toBe(200);
    });

    it('refuses a token once it has expired', async () => {
      // Its own server: expiring tokens would also expire the ones the other tests' SDK has cached.
      const own = await startFakeGitHub({
        appId: APP_ID,
        publicKey: keys.publicKey,
        installations: [{ id: 11, account: { login: 'acme' }, repositories: [REPO] }],
      });
      try {
        await (await makeApp(own).getInstallationOctokit(11)).request('GET /installation/repositories');
        const token = own.tokens()[0]?.token ?? '';
        expect((await get(own, `/repos/${REPO}`, `token ${token}`)).status).toBe(200);
        own.expireTokens();
        const res = await get(own, `/repos/${REPO}`, `token ${token}`);
        expect(res).toMatchObject({ status: 401, body: { message: 'Bad credentials' } });
      } finally {
        await own.close();
      }
    });
  });

  describe('check runs', () => {
    const sha = fakeSha('check-runs');
    const annotation = (line: number) => ({
      path: '.clos/evidence/build.json',
      start_line: line,
      end_line: line,
      annotation_level: 'failure' as const,
      message: `problem on line ${line}`,
    });

    it('creates, updates with annotations appended, and reads a run back', async () => {
      const octokit = await app.getInstallationOctokit(11);
      const { data: created, status } = await octokit.request('POST /repos/{owner}/{repo}/check-runs', {
        owner: 'acme',
        repo: 'payments-api',
        name: 'clos/gate',
        head_sha: sha,
        status: 'in_progress',
        external_id: 'project:payments',
        output: { title: 'Checking', summary: 'Validating evidence', annotations: [annotation(3)] },
      });
      expect(status).toBe(201);
      expect(created).toMatchObject({
        name: 'clos/gate',
        head_sha: sha,
        status: 'in_progress',
        conclusion: null,
      });
      await octokit.request('PATCH /repos/{owner}/{repo}/check-runs/{check_run_id}', {
        owner: 'acme',
        repo: 'payments-api',
        check_run_id: created.id,
        conclusion: 'failure',
        output: {
          title: '2 problems',
          summary: 'The evidence file has 2 problems',
          annotations: [annotation(7), annotation(9)],
        },
      });
      const { data: list } = await octokit.request('GET /repos/{owner}/{repo}/commits/{ref}/check-runs', {
        owner: 'acme',
        repo: 'payments-api',
        ref: sha,
        check_name: 'clos/gate',
      });
      expect(list.total_count).toBe(1);
      expect(list.check_runs[0]).toMatchObject({
        id: created.id,
        status: 'completed',
        conclusion: 'failure',
        output: { title: '2 problems', annotations_count: 3 },
      });
      const { data: annotations } = await octokit.request(
        'GET /repos/{owner}/{repo}/check-runs/{check_run_id}/annotations',
        { owner: 'acme', repo: 'payments-api', check_run_id: created.id },
      );
      expect(annotations.map((a) => a.start_line)).toEqual([3, 7, 9]);

      const latest = fake.latestCheck(REPO, sha, 'clos/gate');
      expect(latest?.conclusion).toBe('failure');
      expect(latest?.externalId).toBe('project:payments');
      expect(latest?.annotations.map((a) => a.start_line)).toEqual([3, 7, 9]);
      expect(latest?.versions.map((v) => [v.action, v.status, v.annotationsAdded])).toEqual([
        ['created', 'in_progress', 1],
        ['updated', 'completed', 2],
      ]);
    });

    it('refuses more than 50 annotations in one request, a non-SHA head and a missing title, changing nothing', async () => {
      const octokit = await app.getInstallationOctokit(11);
      const base = { owner: 'acme', repo: 'payments-api', name: 'clos/wip', head_sha: sha };
      const many = Array.from({ length: 51 }, (_, i) => annotation(i + 1));
      await expect(
        octokit.request('POST /repos/{owner}/{repo}/check-runs', {
          ...base,
          output: { title: 't', summary: 's', annotations: many },
        }),
      ).rejects.toMatchObject({
        status: 422,
        message: expect.stringContaining('No more than 50 items are allowed; 51 were supplied'),
      });
      await expect(
        octokit.request('POST /repos/{owner}/{repo}/check-runs', { ...base, head_sha: 'main' }),
      ).rejects.toMatchObject({
        status: 422,
      });
      await expect(
        octokit.request('POST /repos/{owner}/{repo}/check-runs', {
          ...base,
          output: { summary: 's' } as never,
        }),
      ).rejects.toMatchObject({ status: 422 });
      await expect(
        octokit.request('POST /repos/{owner}/{repo}/check-runs', { ...base, status: 'completed' }),
      ).rejects.toMatchObject({ status: 422 });
      expect(fake.latestCheck(REPO, sha, 'clos/wip')).toBeUndefined();
    });

    it('lists only the newest run of a name unless filter=all', async () => {
      const octokit = await app.getInstallationOctokit(11);
      const head = fakeSha('rerun');
      for (const conclusion of ['failure', 'success'] as const) {
        await octokit.request('POST /repos/{owner}/{repo}/check-runs', {
          owner: 'acme',
          repo: 'payments-api',
          name: 'clos/wip',
          head_sha: head,
          conclusion,
          output: { title: conclusion, summary: conclusion },
        });
      }
      const params = { owner: 'acme', repo: 'payments-api', ref: head };
      const latest = await octokit.request('GET /repos/{owner}/{repo}/commits/{ref}/check-runs', params);
      expect(latest.data.check_runs.map((r) => r.conclusion)).toEqual(['success']);
      const all = await octokit.request('GET /repos/{owner}/{repo}/commits/{ref}/check-runs', {
        ...params,
        filter: 'all',
      });
      expect(all.data.total_count).toBe(2);
      expect(fake.latestCheck(REPO, head, 'clos/wip')?.conclusion).toBe('success');
      expect(fake.checkRuns({ repository: REPO, headSha: head }).length).toBe(2);
    });
  });

  describe('contents', () => {
    it('serves a file at the ref asked for, base64 as GitHub does, and records the ref', async () => {
      const head = fakeSha('evidence-head');
      const text = '{\n  "designDoc": "https://docs.example/payments",\n  "reviewers": ["ana", "bo"]\n}\n';
      fake.setContent(REPO, head, '.clos/evidence/build.json', text);
      fake.setContent(REPO, 'main', '.clos/evidence/build.json', '{}');
      const octokit = await app.getInstallationOctokit(11);
      const { data } = await octokit.request('GET /repos/{owner}/{repo}/contents/{path}', {
        owner: 'acme',
        repo: 'payments-api',
        path: '.clos/evidence/build.json',
        ref: head,
      });
      expect(Array.isArray(data)).toBe(false);
      const file = data as {
        type: string;
        encoding: string;
        content: string;
        path: string;
        name: string;
        size: number;
      };
      expect(file).toMatchObject({
        type: 'file',
        encoding: 'base64',
        path: '.clos/evidence/build.json',
        name: 'build.json',
      });
      expect(file.size).toBe(Buffer.byteLength(text));
      expect(Buffer.from(file.content, 'base64').toString('utf8')).toBe(text);
      const call = fake.callsTo('GET /repos/{owner}/{repo}/contents/{path}').at(-1);
      expect(call?.query.ref).toBe(head);
      expect(call?.params.path).toBe('.clos/evidence/build.json');

      const { data: dir } = await octokit.request('GET /repos/{owner}/{repo}/contents/{path}', {
        owner: 'acme',
        repo: 'payments-api',
        path: '.clos/evidence',
        ref: head,
      });
      expect((dir as Array<{ name: string }>).map((e) => e.name)).toEqual(['build.json']);
      await expect(
        octokit.request('GET /repos/{owner}/{repo}/contents/{path}', {
          owner: 'acme',
          repo: 'payments-api',
          path: '.clos/evidence/ship.yaml',
          ref: head,
        }),
      ).rejects.toMatchObject({ status: 404 });
    });
  });

  describe('pull requests', () => {
    it('lists open pulls newest first across pages with Link headers, one pull and its files', async () => {
      fake.setPulls(
        REPO,
        Array.from({ length: 7 }, (_, i) => ({
          number: i + 1,
          title: `PR ${i + 1}`,
          author: 'ana',
          headSha: fakeSha(`pr-${i + 1}`),
          createdAt: new Date(Date.UTC(2026, 2, 2, 9, i)).toISOString(),
          state: i === 6 ? ('closed' as const) : ('open' as const),
        })),
      );
      const octokit = await app.getInstallationOctokit(11);
      const first = await octokit.request('GET /repos/{owner}/{repo}/pulls', {
        owner: 'acme',
        repo: 'payments-api',
        state: 'open',
        per_page: 4,
      });
      expect(first.data.map((p) => p.number)).toEqual([6, 5, 4, 3]);
      expect(first.headers.link).toContain('rel="next"');
      expect(first.headers.link).toContain(`${fake.url}/repos/${REPO}/pulls?`);
      const paginate = composePaginateRest;
      const all = await paginate(octokit as never, 'GET /repos/{owner}/{repo}/pulls', {
        owner: 'acme',
        repo: 'payments-api',
        state: 'open',
        per_page: 4,
      });
      expect((all as Array<{ number: number }>).map((p) => p.number)).toEqual([6, 5, 4, 3, 2, 1]);

      const { data: pull } = await octokit.request('GET /repos/{owner}/{repo}/pulls/{pull_number}', {
        owner: 'acme',
        repo: 'payments-api',
        pull_number: 2,
      });
      expect(pull).toMatchObject({
        number: 2,
        title: 'PR 2',
        state: 'open',
        draft: false,
        merged: false,
        user: { login: 'ana' },
        head: { sha: fakeSha('pr-2'), ref: 'feature/2' },
        base: { ref: 'main', repo: { full_name: REPO } },
        html_url: `https://github.com/${REPO}/pull/2`,
      });

      fake.setPullFiles(REPO, 2, [
        { filename: '.clos/evidence/build.json', status: 'added' },
        { filename: 'src/app.ts' },
      ]);
      const { data: files } = await octokit.request('GET /repos/{owner}/{repo}/pulls/{pull_number}/files', {
        owner: 'acme',
        repo: 'payments-api',
        pull_number: 2,
      });
      expect(files.map((f) => [f.filename, f.status])).toEqual([
        ['.clos/evidence/build.json', 'added'],
        ['src/app.ts', 'modified'],
      ]);
      expect(files[0]?.sha).toMatch(/^[0-9a-f]{40}$/);
      await expect(
        octokit.request('GET /repos/{owner}/{repo}/pulls/{pull_number}', {
          owner: 'acme',
          repo: 'payments-api',
          pull_number: 99,
        }),
      ).rejects.toMatchObject({ status: 404 });
    });
  });

  describe('rate limits', () => {
    it('a secondary rate limit is retried by the throttling plugin', async () => {
      const octokit = await app.getInstallationOctokit(11);
      fake.rateLimitNext(1, { kind: 'secondary', match: 'GET /repos/{owner}/{repo}/pulls' });
      const { status } = await octokit.request('GET /repos/{owner}/{repo}/pulls', {
        owner: 'acme',
        repo: 'payments-api',
      });
      expect(status).toBe(200);
      expect(limits).toEqual([{ kind: 'secondary', retryAfter: 1, retryCount: 0 }]);
      expect(
        fake
          .callsTo('GET /repos/{owner}/{repo}/pulls')
          .slice(-2)
          .map((c) => c.status),
      ).toEqual([403, 200]);
    });

    it('a primary rate limit (429, remaining 0) is retried after the reset', async () => {
      const octokit = await app.getInstallationOctokit(11);
      fake.rateLimitNext(1, { kind: 'primary', status: 429, match: 'GET /repos/{owner}/{repo}' });
      const { status } = await octokit.request('GET /repos/{owner}/{repo}', {
        owner: 'acme',
        repo: 'payments-api',
      });
      expect(status).toBe(200);
      expect(limits.map((l) => l.kind)).toEqual(['primary']);
      const limited = fake.callsTo('GET /repos/{owner}/{repo}').at(-2);
      expect(limited?.status).toBe(429);
      expect(String((limited?.response as { message?: string } | undefined)?.message)).toContain(
        'API rate limit exceeded for installation ID 11',
      );
    });

    it('gives up when the limit outlasts what the handler allows', async () => {
      const octokit = await app.getInstallationOctokit(11);
      fake.rateLimitNext(3, { kind: 'secondary', match: 'GET /repos/{owner}/{repo}' });
      const error = await octokit
        .request('GET /repos/{owner}/{repo}', { owner: 'acme', repo: 'payments-api' })
        .catch((e) => e);
      expect(statusOf(error)).toBe(403);
      expect(String((error as Error).message)).toContain('secondary rate limit');
      fake.rateLimitNext(0);
    });

    it('a 502 is retried by the retry plugin', async () => {
      const octokit = await app.getInstallationOctokit(11);
      fake.failNext(1, 502, 'GET /repos/{owner}/{repo}/pulls/{pull_number}');
      const { data } = await octokit.request('GET /repos/{owner}/{repo}/pulls/{pull_number}', {
        owner: 'acme',
        repo: 'payments-api',
        pull_number: 1,
      });
      expect(data.number).toBe(1);
    });
  });

  describe('unknown routes', () => {
    it('answers 404 JSON and records the call as unmatched', async () => {
      const before = fake.unmatched().length;
      const octokit = await app.getInstallationOctokit(11);
      await expect(
        octokit.request('POST /repos/{owner}/{repo}/issues', {
          owner: 'acme',
          repo: 'payments-api',
          title: 'x',
        }),
      ).rejects.toMatchObject({ status: 404 });
      const unmatched = fake.unmatched();
      expect(unmatched.length - before).toBe(1);
      expect(unmatched.at(-1)).toMatchObject({ method: 'POST', path: `/repos/${REPO}/issues`, status: 404 });
    });
  });
});

describe('webhook deliveries', () => {
  it('signs the exact body and sends GitHub’s headers', async () => {
    const pull = {
      number: 123,
      title: 'Add refunds',
      author: 'ana',
      headSha: fakeSha('123'),
      headRef: 'refunds',
    };
    const payload = pullRequestPayload('opened', { repository: REPO, installationId: 11, pull });
    const delivery = await signedDelivery(
      's3cret',
      'pull_request',
      payload,
      '72d3162e-cc78-11e3-81ab-4c9367dc0958',
    );
    expect(delivery.headers).toMatchObject({
      'content-type': 'application/json',
      'x-github-event': 'pull_request',
      'x-github-delivery': '72d3162e-cc78-11e3-81ab-4c9367dc0958',
    });
    expect(delivery.headers['user-agent']).toMatch(/^GitHub-Hookshot\//);
    expect(await verify('s3cret', delivery.body, delivery.headers['x-hub-signature-256'] ?? '')).toBe(true);
    expect(await verify('wrong', delivery.body, delivery.headers['x-hub-signature-256'] ?? '')).toBe(false);
    const random = await signedDelivery('s3cret', 'ping', {});
    expect(random.headers['x-github-delivery']).toMatch(/^[0-9a-f-]{36}$/);

    expect(JSON.parse(delivery.body)).toMatchObject({
      action: 'opened',
      number: 123,
      pull_request: {
        number: 123,
        title: 'Add refunds',
        user: { login: 'ana' },
        html_url: `https://github.com/${REPO}/pull/123`,
        draft: false,
        state: 'open',
        merged: false,
        merged_at: null,
        head: { sha: fakeSha('123'), ref: 'refunds' },
        base: { ref: 'main' },
      },
      repository: { full_name: REPO, name: 'payments-api', owner: { login: 'acme' } },
      installation: { id: 11 },
    });
  });

  it('builds the other actions and events with GitHub’s field names', () => {
    const pull = { number: 5, title: 'x', headSha: fakeSha('5'), merged: true };
    const ctx = { repository: REPO, installationId: 11, at: '2026-03-02T10:00:00Z' };
    expect(pullRequestPayload('closed', { ...ctx, pull }).pull_request).toMatchObject({
      state: 'closed',
      merged: true,
      merged_at: '2026-03-02T10:00:00Z',
    });
    expect(pullRequestPayload('converted_to_draft', { ...ctx, pull }).pull_request).toMatchObject({
      draft: true,
      state: 'open',
    });
    expect(pullRequestPayload('synchronize', { ...ctx, pull, before: fakeSha('old') })).toMatchObject({
      before: fakeSha('old'),
      after: fakeSha('5'),
    });
    expect(
      installationPayload('created', {
        appId: APP_ID,
        installation: { id: 11, account: { login: 'acme' }, repositories: [REPO] },
      }),
    ).toMatchObject({
      installation: { id: 11, account: { login: 'acme' }, app_id: APP_ID },
      repositories: [{ full_name: REPO }],
    });
    expect(
      checkRunPayload('rerequested', {
        ...ctx,
        appId: APP_ID,
        checkRun: { id: 9, name: 'clos/wip', headSha: fakeSha('5'), pulls: [pull] },
      }),
    ).toMatchObject({
      check_run: {
        id: 9,
        name: 'clos/wip',
        head_sha: fakeSha('5'),
        pull_requests: [{ number: 5 }],
        app: { id: APP_ID },
      },
      installation: { id: 11 },
    });
    expect(
      deploymentStatusPayload({
        ...ctx,
        deployment: { state: 'failure', environment: 'production', sha: fakeSha('5') },
      }),
    ).toMatchObject({
      deployment_status: { state: 'failure', environment: 'production' },
      deployment: { sha: fakeSha('5'), environment: 'production' },
      repository: { full_name: REPO },
    });
    expect(
      workflowRunPayload('completed', {
        ...ctx,
        run: { id: 77, name: 'Deploy', headSha: fakeSha('5'), conclusion: 'failure' },
      }),
    ).toMatchObject({
      action: 'completed',
      workflow_run: {
        id: 77,
        name: 'Deploy',
        status: 'completed',
        conclusion: 'failure',
        head_sha: fakeSha('5'),
      },
      workflow: { name: 'Deploy' },
    });
  });
});
