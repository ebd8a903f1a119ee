import { type FakeGitHub, type FakePull, fakeSha, pullRequestPayload, testEngines } from '@clos/testing';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  GITHUB_APP_ID as APP_ID,
  type GitHubHarness,
  GITHUB_INSTALLATION as INSTALLATION,
  startGitHubHarness,
} from './github-harness.ts';
import { type Harness, startHarness } from './harness.ts';

const INSTALLED = 'acme/payments-api';
const NOT_INSTALLED = 'acme/web';
const NO_POD = 'acme/ghost';
const STATUS = '/api/v1/integrations/github/status';
/** Short, so the test of a GitHub that does not answer in time takes seconds, not the default 15. */
const DEADLINE_MS = 2000;

const POLICY = {
  wip: {
    types: [
      { name: 'project', defaultLimit: 5 },
      { name: 'pull-request', defaultLimit: 1 },
    ],
  },
  github: {
    repositories: [
      { repository: INSTALLED, pod: 'ratio', project: 'payments', requireStage: 'build' },
      { repository: NOT_INSTALLED, pod: 'ratio' },
      { repository: NO_POD, pod: 'nowhere', project: 'nope' },
    ],
  },
};

const pull = (number: number): FakePull => ({
  number,
  title: `Change ${number}`,
  author: `dev${number}`,
  headSha: fakeSha(`${INSTALLED}#${number}`),
});

interface Report {
  configured: boolean;
  app: { id: number; slug: string | null; name: string; owner: string | null } | null;
  installations: {
    id: number;
    account: string;
    repositorySelection: string;
    repositories: string[] | null;
  }[];
  repositories: {
    repository: string;
    installationId: number | null;
    problem: string | null;
    holders: { itemId: string; label: string | null; url: string | null }[];
    queue: { itemId: string; position: number; label: string | null; url: string | null }[];
  }[];
  problems: string[];
}

describe.each(testEngines())('GET /api/v1/integrations/github/status on %s', (engine) => {
  let gh: FakeGitHub;
  let h: Harness;
  let github: GitHubHarness;
  /** A server with no GitHub App configured, as every server starts. */
  let off: Harness;

  beforeAll(async () => {
    github = await startGitHubHarness(engine, POLICY, [INSTALLED, NO_POD], {
      moreInstallations: [
        { id: 82, account: { login: 'octo', type: 'User' }, repositories: [], repositorySelection: 'all' },
      ],
      appSlug: 'clos-status',
      appOwner: 'acme',
      statusDeadlineMs: DEADLINE_MS,
    });
    ({ gh, h } = github);
    off = await startHarness(engine, {}, github.policy);
  });
  afterAll(async () => {
    await github?.close();
    await off?.close();
  });
  beforeEach(() => github.reset({ project: 'payments' }));

  const report = async (token?: string) => {
    const res = await h.call('GET', STATUS, undefined, token);
    expect(res.statusCode, res.body).toBe(200);
    return res.json<Report>();
  };
  const repo = (r: Report, name: string) => r.repositories.find((x) => x.repository === name)!;
  const open = async (p: FakePull) => {
    const res = await github.deliver(
      'pull_request',
      pullRequestPayload('opened', { repository: INSTALLED, installationId: INSTALLATION, pull: p }),
    );
    expect(res.statusCode).toBe(202);
  };

  it('reports the App, its installations, and each mapping with its problems', async () => {
    const r = await report();
    expect(r.configured).toBe(true);
    expect(r.app).toEqual({ id: APP_ID, slug: 'clos-status', name: 'clos-status', owner: 'acme' });
    expect(r.installations).toEqual([
      {
        id: INSTALLATION,
        account: 'acme',
        repositorySelection: 'selected',
        repositories: [INSTALLED, NO_POD],
      },
      { id: 82, account: 'octo', repositorySelection: 'all', repositories: null },
    ]);
    expect(r.repositories.map((x) => [x.repository, x.installationId, x.problem])).toEqual([
      [INSTALLED, INSTALLATION, null],
      [
        NOT_INSTALLED,
        null,
        'no installation of the App covers it: install the App on it (GitHub answered 404)',
      ],
      [
        NO_POD,
        INSTALLATION,
        'pod "nowhere" does not exist in CLOS: no WIP limit applies to its pull requests; project "nope" does not exist in CLOS: clos/gate is neutral',
      ],
    ]);
    expect(r.repositories[0]).toMatchObject({ pod: 'ratio', project: 'payments', requireStage: 'build' });
    expect(r.problems).toEqual([
      `${NOT_INSTALLED}: ${repo(r, NOT_INSTALLED).problem}`,
      `${NO_POD}: ${repo(r, NO_POD).problem}`,
    ]);
    // Every call the report made is one GitHub has; nothing was written there.
    expect(gh.unmatched()).toEqual([]);
    expect(gh.calls.filter((c) => c.method !== 'GET' && !c.path.endsWith('/access_tokens'))).toEqual([]);
  });

  it('lists the pull requests holding the pod’s slots and waiting in its line, with links', async () => {
    for (const n of [1, 2, 3]) await open(pull(n));
    await h.drain();
    const r = repo(await report(), INSTALLED);
    expect(r.holders).toEqual([
      {
        itemId: `github:${INSTALLED}#1`,
        label: 'Change 1 (@dev1)',
        url: expect.stringMatching(/\/acme\/payments-api\/pull\/1$/),
      },
    ]);
    expect(r.queue).toEqual([
      {
        itemId: `github:${INSTALLED}#2`,
        position: 1,
        label: 'Change 2 (@dev2)',
        url: expect.stringMatching(/\/pull\/2$/),
      },
      {
        itemId: `github:${INSTALLED}#3`,
        position: 2,
        label: 'Change 3 (@dev3)',
        url: expect.stringMatching(/\/pull\/3$/),
      },
    ]);
    // Another repository of the same pod shows none of them.
    expect(repo(await report(), NOT_INSTALLED)).toMatchObject({ holders: [], queue: [] });
  });

  it('still answers 200 when GitHub fails, with the failure among the problems', async () => {
    await open(pull(1));
    await h.drain();
    // A 5xx is reported, not retried (someone is waiting for the report).
    gh.failNext(1, 502, 'GET /app');
    const down = await report();
    expect(down.configured).toBe(true);
    expect(down.app).toBeNull();
    expect(down.problems[0]).toMatch(/^GitHub answered 502 to GET \/app \(Bad Gateway\)/);
    // What CLOS knows is still there; GitHub is not asked again per repository.
    expect(repo(down, INSTALLED).holders).toHaveLength(1);
    expect(repo(down, INSTALLED).installationId).toBeNull();
    expect(gh.callsTo('GET /repos/{owner}/{repo}/installation')).toEqual([]);

    // One repository's lookup failing is that repository's problem only.
    gh.failNext(1, 503, new RegExp(`^GET /repos/${INSTALLED}/installation$`));
    const partly = await report();
    expect(partly.app?.id).toBe(APP_ID);
    expect(repo(partly, INSTALLED).problem).toMatch(
      /^which installation covers it is unknown: GitHub answered 503 to GET \/repos\/\{owner\}\/\{repo\}\/installation/,
    );
    expect(repo(partly, NO_POD).installationId).toBe(INSTALLATION);

    // A rate limit that outlasts the SDK's retries.
    gh.rateLimitNext(3, { kind: 'secondary', retryAfterSeconds: 1, match: 'GET /app/installations' });
    const limited = await report();
    expect(limited.installations).toEqual([]);
    expect(limited.problems).toContainEqual(
      expect.stringMatching(
        /^the App's installations are unknown: GitHub's rate limit stopped GET \/app\/installations/,
      ),
    );

    // A rate limit the SDK would wait out for longer than anyone waits for a status page.
    gh.rateLimitNext(1, { kind: 'secondary', retryAfterSeconds: 600, match: 'GET /app' });
    const slow = await report();
    expect(slow.app).toBeNull();
    expect(slow.problems[0]).toMatch(/^GitHub did not answer GET \/app within 2 s/);

    // Once GitHub recovers, so does the report.
    const fine = await report();
    expect(fine.app?.id).toBe(APP_ID);
    expect(fine.problems).toHaveLength(2);
  });

  it('answers configured: false, naming the variables to set, when the App is not configured', async () => {
    const res = await off.call('GET', STATUS);
    expect(res.statusCode).toBe(200);
    const r = res.json<Report>();
    expect(r).toMatchObject({ configured: false, app: null, installations: [], repositories: [] });
    expect(r.problems).toHaveLength(1);
    for (const name of ['CLOS_GITHUB_APP_ID', 'CLOS_GITHUB_PRIVATE_KEY', 'CLOS_GITHUB_WEBHOOK_SECRET'])
      expect(r.problems[0]).toContain(name);
    // The webhook of an App that is not configured is still not there.
    expect((await off.call('POST', '/api/v1/integrations/github/webhook', {})).statusCode).toBe(404);
  });

  it('is for pod leads and admins: a developer gets 403, no token 401', async () => {
    const dev = await h.userWithToken('developer');
    const refused = await h.call('GET', STATUS, undefined, dev.token);
    expect(refused.statusCode).toBe(403);
    expect(refused.json().error).toMatchObject({ code: 'forbidden', details: { permission: 'pods:manage' } });
    expect((await h.call('GET', STATUS, undefined, null)).statusCode).toBe(401);
    const lead = await h.userWithToken('pod-lead', { pods: ['ratio'] });
    expect((await report(lead.token)).configured).toBe(true);
  });
});
