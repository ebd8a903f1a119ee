import {
  type FakeGitHub,
  type FakePull,
  fakeSha,
  pullRequestPayload,
  signedDelivery,
  testEngines,
} from '@clos/testing';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  type GitHubHarness,
  GITHUB_INSTALLATION as INSTALLATION,
  GITHUB_SECRET as SECRET,
  startGitHubHarness,
  GITHUB_WEBHOOK as URL_PATH,
} from './github-harness.ts';
import { type Harness, startHarness } from './harness.ts';

const REPO = 'acme/payments-api';

const POLICY = {
  wip: {
    types: [
      { name: 'project', defaultLimit: 5 },
      { name: 'pull-request', defaultLimit: 3 },
    ],
  },
  github: {
    repositories: [
      { repository: REPO, pod: 'ratio' },
      { repository: 'acme/web', pod: 'ratio', project: 'payments', requireStage: 'build' },
      { repository: 'acme/docs', pod: 'ratio', project: 'payments' },
      { repository: 'acme/ghost', pod: 'ratio', project: 'nope' },
    ],
  },
};

const pull = (number: number, extra: Partial<FakePull> = {}): FakePull => ({
  number,
  title: `Change ${number}`,
  author: `dev${number}`,
  headSha: fakeSha(`${REPO}#${number}`),
  ...extra,
});

describe.each(testEngines())('the GitHub App on %s', (engine) => {
  let gh: FakeGitHub;
  let h: Harness;
  let github: GitHubHarness;

  beforeAll(async () => {
    github = await startGitHubHarness(engine, POLICY, [REPO, 'acme/web', 'acme/docs', 'acme/ghost']);
    ({ h, gh } = github);
  });
  afterAll(async () => {
    await github?.close();
  });
  beforeEach(() => github.reset());

  const deliver = async (
    action: Parameters<typeof pullRequestPayload>[0],
    p: FakePull,
    options: { deliveryId?: string; secret?: string } = {},
  ) =>
    github.deliver(
      'pull_request',
      pullRequestPayload(action, { repository: REPO, installationId: INSTALLATION, pull: p }),
      options,
    );
  const wipCheck = (p: FakePull) => gh.latestCheck(REPO, p.headSha, 'clos/wip');
  const deliveries = async () =>
    (await h.database.query<{ n: number }>('select count(*)::int as n from inbound_deliveries'))[0]!.n;
  const status = async () => (await h.call('GET', '/api/v1/pods/ratio/wip')).json();

  it('takes a slot for an opened pull request and posts a green clos/wip on its head', async () => {
    const p = pull(1);
    const res = await deliver('opened', p);
    expect(res.statusCode).toBe(202);
    await h.drain();
    const prs = (await status()).types.find((t: { itemType: string }) => t.itemType === 'pull-request');
    expect(prs.holders).toEqual([
      expect.objectContaining({ itemId: `github:${REPO}#1`, label: 'Change 1 (@dev1)' }),
    ]);
    expect(wipCheck(p)).toMatchObject({
      conclusion: 'success',
      output: { title: 'WIP slot 1 of 3 in ratio' },
    });
    // A push moves the head: the check is posted again on the new commit, the slot stays.
    const pushed = { ...p, headSha: fakeSha('pushed') };
    expect((await deliver('synchronize', pushed)).statusCode).toBe(202);
    await h.drain();
    expect(wipCheck(pushed)).toMatchObject({ conclusion: 'success' });
    // Re-running the checks of that commit posts it once more.
    gh.setPulls(REPO, [pushed]);
    const rerun = await signedDelivery(SECRET, 'check_suite', {
      action: 'rerequested',
      check_suite: { head_sha: pushed.headSha },
      repository: { full_name: REPO },
      installation: { id: INSTALLATION },
    });
    expect(
      (await h.app.inject({ method: 'POST', url: URL_PATH, payload: rerun.body, headers: rerun.headers }))
        .statusCode,
    ).toBe(202);
    await h.drain();
    expect(gh.checkRuns({ name: 'clos/wip', headSha: pushed.headSha })).toHaveLength(2);
    expect(gh.unmatched()).toEqual([]);
  });

  it('applies a redelivery once: 200, no second slot, no second check', async () => {
    const p = pull(2);
    expect((await deliver('opened', p, { deliveryId: 'd-1' })).statusCode).toBe(202);
    expect((await deliver('opened', p, { deliveryId: 'd-1' })).statusCode).toBe(200);
    await h.drain();
    expect(await deliveries()).toBe(1);
    expect(gh.checkRuns({ name: 'clos/wip', headSha: p.headSha })).toHaveLength(1);
  });

  it('refuses forged, unsigned and wrong-secret deliveries with 401 and writes nothing', async () => {
    const p = pull(3);
    expect((await deliver('opened', p, { secret: 'not-the-secret' })).statusCode).toBe(401);
    const d = await signedDelivery(
      SECRET,
      'pull_request',
      pullRequestPayload('opened', { repository: REPO, installationId: INSTALLATION, pull: p }),
    );
    const unsigned = { ...d.headers };
    delete unsigned['x-hub-signature-256'];
    expect(
      (await h.app.inject({ method: 'POST', url: URL_PATH, payload: d.body, headers: unsigned })).statusCode,
    ).toBe(401);
    const tampered = d.body.replace('Change 3', 'Change 4');
    expect(
      (await h.app.inject({ method: 'POST', url: URL_PATH, payload: tampered, headers: d.headers }))
        .statusCode,
    ).toBe(401);
    await h.drain();
    expect(await deliveries()).toBe(0);
    expect(gh.calls).toEqual([]);
  });

  it('queues pull requests past the limit in opening order, and admits the next when one closes', async () => {
    const prs = Array.from({ length: 10 }, (_, i) => pull(100 + i));
    for (const p of prs) expect((await deliver('opened', p)).statusCode).toBe(202);
    await h.drain();
    const conclusions = prs.map((p) => wipCheck(p)?.conclusion);
    expect(conclusions).toEqual([...Array(3).fill('success'), ...Array(7).fill('failure')]);
    expect(wipCheck(prs[3]!)?.output.title).toBe('Waiting for a WIP slot in ratio: #1 in line');
    expect(wipCheck(prs[9]!)?.output.title).toBe('Waiting for a WIP slot in ratio: #7 in line');
    const line = (await h.call('GET', '/api/v1/pods/ratio/wip/queue')).json();
    expect(JSON.stringify(line)).toContain(`github:${REPO}#103`);

    gh.setPulls(REPO, prs.slice(1));
    expect((await deliver('closed', { ...prs[0]!, merged: true })).statusCode).toBe(202);
    await h.drain();
    expect(wipCheck(prs[3]!)?.conclusion).toBe('success');
    expect(wipCheck(prs[4]!)?.conclusion).toBe('failure');
    const held = (await status()).types.find(
      (t: { itemType: string }) => t.itemType === 'pull-request',
    ).holders;
    expect(held.map((x: { itemId: string }) => x.itemId).sort()).toEqual(
      [101, 102, 103].map((n) => `github:${REPO}#${n}`),
    );
  });

  it('takes no slot for a closed that arrives before its opened', async () => {
    const p = pull(5);
    expect((await deliver('closed', p)).statusCode).toBe(202);
    await h.drain();
    const prs = (await status()).types.find((t: { itemType: string }) => t.itemType === 'pull-request');
    expect(prs.holders).toEqual([]);
    expect(gh.checkRuns({ name: 'clos/wip', headSha: p.headSha })).toEqual([]);
  });

  it('reconciles: a missed closed frees its slot, a missed opened takes one, each with its check', async () => {
    const [kept, gone, missed] = [pull(201), pull(202), pull(203)];
    for (const p of [kept, gone]) await deliver('opened', p);
    await h.drain();
    // GitHub now lists `gone` as closed (its delivery was lost) and `missed` as open (never delivered).
    gh.setPulls(REPO, [kept, missed]);
    await h.runtime!.tick();
    await h.drain();
    const held = (await status()).types.find(
      (t: { itemType: string }) => t.itemType === 'pull-request',
    ).holders;
    expect(held.map((x: { itemId: string }) => x.itemId).sort()).toEqual([
      `github:${REPO}#201`,
      `github:${REPO}#203`,
    ]);
    expect(wipCheck(missed)).toMatchObject({ conclusion: 'success' });
    // Nothing changed since: the next interval repairs nothing and posts nothing.
    gh.clearCalls();
    await h.runtime!.tick(new Date(Date.now() + 10 * 60_000));
    await h.drain();
    expect(gh.calls.filter((c) => c.method === 'POST' && c.path.endsWith('/check-runs'))).toEqual([]);
  });

  it('posts clos/gate for a repository that names a project: behind its stage, blocked, open, unknown', async () => {
    const created = await h.call('POST', '/api/v1/projects', {
      name: 'Payments',
      pod: 'ratio',
      key: 'payments',
    });
    expect(created.statusCode).toBe(201);
    const open = async (repository: string, p: FakePull) => {
      gh.putPull(repository, p); // clos/gate lists the pull request's files for evidence
      const d = await signedDelivery(
        SECRET,
        'pull_request',
        pullRequestPayload('opened', { repository, installationId: INSTALLATION, pull: p }),
      );
      expect(
        (await h.app.inject({ method: 'POST', url: URL_PATH, payload: d.body, headers: d.headers }))
          .statusCode,
      ).toBe(202);
      await h.drain();
      return gh.latestCheck(repository, p.headSha, 'clos/gate');
    };
    const behind = await open('acme/web', pull(301));
    expect(behind).toMatchObject({
      conclusion: 'failure',
      output: { title: 'payments is in inception; code merges from build' },
    });
    expect(behind?.output.summary).toContain('Stages still to pass: discovery → build.');
    expect(behind?.output.summary).toMatch(/The gate into discovery still needs:\n- /);
    expect(await open('acme/docs', pull(302))).toMatchObject({
      conclusion: 'success',
      output: { title: 'payments is in inception' },
    });
    expect(await open('acme/ghost', pull(303))).toMatchObject({
      conclusion: 'neutral',
      output: { title: 'Project nope does not exist' },
    });
    expect(
      (await h.call('POST', '/api/v1/projects/payments/block', { reason: 'vendor outage' })).statusCode,
    ).toBe(200);
    expect(await open('acme/docs', pull(304))).toMatchObject({
      conclusion: 'failure',
      output: { title: 'payments is blocked' },
    });
    // A repository without a project gets no clos/gate.
    expect(gh.checkRuns({ name: 'clos/gate', repository: REPO })).toEqual([]);
  });

  it('acknowledges events it does not use with 202 and records nothing', async () => {
    const d = await signedDelivery(SECRET, 'star', { action: 'created', repository: { full_name: REPO } });
    const res = await h.app.inject({ method: 'POST', url: URL_PATH, payload: d.body, headers: d.headers });
    expect(res.statusCode).toBe(202);
    expect(await deliveries()).toBe(0);
  });
});

describe('the GitHub App when it is not configured', () => {
  it('mounts no route: the webhook answers 404', async () => {
    const h = await startHarness('pglite', {}, undefined, { runtime: true });
    try {
      expect((await h.app.inject({ method: 'POST', url: URL_PATH, payload: '{}' })).statusCode).toBe(404);
    } finally {
      await h.close();
    }
  });
});
