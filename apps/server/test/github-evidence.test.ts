import {
  deploymentStatusPayload,
  type FakeGitHub,
  type FakePull,
  fakeSha,
  pullRequestPayload,
  testEngines,
  workflowRunPayload,
} from '@clos/testing';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  type GitHubHarness,
  GITHUB_INSTALLATION as INSTALLATION,
  startGitHubHarness,
} from './github-harness.ts';
import type { Harness } from './harness.ts';

const REPO = 'acme/web';
const EVIDENCE = '.clos/evidence/discovery.yaml';

const POLICY = {
  wip: {
    types: [
      { name: 'project', defaultLimit: 5 },
      { name: 'pull-request', defaultLimit: 5 },
    ],
  },
  alerts: { deploymentMinCount: 2, deploymentFailureRate: 0.4 },
  github: {
    repositories: [{ repository: REPO, pod: 'ratio', project: 'payments' }],
    deployments: { workflowRuns: ['Deploy production'] },
  },
};

describe.each(testEngines())('the GitHub App: evidence as code, merges and deployments on %s', (engine) => {
  let github: GitHubHarness;
  let gh: FakeGitHub;
  let h: Harness;

  beforeAll(async () => {
    github = await startGitHubHarness(engine, POLICY, [REPO]);
    ({ gh, h } = github);
  });
  afterAll(async () => {
    await github?.close();
  });
  beforeEach(() => github.reset({ project: 'payments' }));

  /** A pull request that adds the evidence file with `text` at its head. */
  const withEvidence = (number: number, text: string, sha = fakeSha(`${REPO}#${number}:${text}`)) => {
    const p: FakePull = { number, title: `Evidence ${number}`, author: 'ana', headSha: sha };
    gh.putPull(REPO, p);
    gh.setPullFiles(REPO, number, [{ filename: EVIDENCE, status: 'added' }, { filename: 'src/app.ts' }]);
    gh.setContent(REPO, sha, EVIDENCE, text);
    return p;
  };
  const pullRequest = async (action: 'opened' | 'synchronize' | 'closed', p: FakePull) => {
    const res = await github.deliver(
      'pull_request',
      pullRequestPayload(action, { repository: REPO, installationId: INSTALLATION, pull: p }),
    );
    expect(res.statusCode).toBe(202);
    await h.drain();
  };
  const gateCheck = (p: FakePull) => gh.latestCheck(REPO, p.headSha, 'clos/gate');

  it('marks each schema problem of an evidence file on its line, and submits the fixed file when the pull request merges', async () => {
    const broken = withEvidence(
      7,
      ['# Evidence for the discovery gate', 'problemStatement: short', 'owner: not-an-email', ''].join('\n'),
    );
    await pullRequest('opened', broken);
    const failed = gateCheck(broken);
    expect(failed).toMatchObject({ conclusion: 'failure', output: { title: 'Evidence has 2 problems' } });
    expect(failed?.annotations.map((a) => [a.path, a.start_line, a.annotation_level])).toEqual([
      [EVIDENCE, 2, 'failure'],
      [EVIDENCE, 3, 'failure'],
    ]);
    expect(failed?.annotations[0]?.message).toContain('problemStatement');
    expect(failed?.annotations[1]?.message).toContain('owner');
    // The file was read at the pull request's head, through the contents API.
    expect(gh.callsTo('GET /repos/{owner}/{repo}/contents/{path}').map((c) => c.query.ref)).toEqual([
      broken.headSha,
    ]);

    // A push fixes it: the check on the new head is green and says what merging will do.
    const fixed = withEvidence(
      7,
      ['problemStatement: Checkout drops 4% of card payments on retries', 'owner: ana@example.com', ''].join(
        '\n',
      ),
    );
    await pullRequest('synchronize', fixed);
    expect(gateCheck(fixed)).toMatchObject({ conclusion: 'success', annotations: [] });
    expect(gateCheck(fixed)?.output.summary).toContain(
      "merging submits it as the project's evidence for discovery",
    );
    expect((await h.call('GET', '/api/v1/projects/payments')).json().evidence).toEqual([]);

    // Another check on the merged head failed: the merge is recorded with that in the CI history.
    const token = gh.tokens().at(-1)!.token;
    const ci = await fetch(`${gh.url}/repos/${REPO}/check-runs`, {
      method: 'POST',
      headers: { authorization: `token ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        name: 'ci/test',
        head_sha: fixed.headSha,
        status: 'completed',
        conclusion: 'failure',
      }),
    });
    expect(ci.status).toBe(201);
    await pullRequest('closed', { ...fixed, merged: true });

    const project = (await h.call('GET', '/api/v1/projects/payments')).json();
    expect(project.evidence).toEqual([
      expect.objectContaining({
        stage: 'discovery',
        data: { problemStatement: 'Checkout drops 4% of card payments on retries', owner: 'ana@example.com' },
        source: `https://github.com/${REPO}/pull/7`,
      }),
    ]);
    const gate = (await h.call('GET', '/api/v1/projects/payments/gate')).json();
    expect(gate.criteria.find((c: { kind: string }) => c.kind === 'evidence')).toMatchObject({ met: true });
    const history = (await h.call('GET', '/api/v1/projects/payments/ci-statuses')).json();
    expect(history.items).toEqual([
      expect.objectContaining({
        context: 'github/merges',
        status: 'failed',
        url: `https://github.com/${REPO}/pull/7`,
      }),
    ]);
    const audit = (await h.call('GET', '/api/v1/audit?action=project.pull_request_merged')).json();
    expect(audit.items).toEqual([
      expect.objectContaining({
        action: 'project.pull_request_merged',
        after: expect.objectContaining({ repository: REPO, number: 7, ci: 'failed' }),
      }),
    ]);
  });

  it('does not submit a merged evidence file that is still invalid', async () => {
    const broken = withEvidence(8, 'problemStatement: short\n');
    await pullRequest('closed', { ...broken, merged: true });
    expect((await h.call('GET', '/api/v1/projects/payments')).json().evidence).toEqual([]);
    // Merged without any other check on its head: the merge is an event, the CI history stays empty.
    expect((await h.call('GET', '/api/v1/projects/payments/ci-statuses')).json().items).toEqual([]);
  });

  it('names an evidence file for a stage without a gate, and a JSON file that is not JSON, on their lines', async () => {
    const sha = fakeSha('bad-files');
    const p: FakePull = { number: 9, title: 'Bad files', author: 'ana', headSha: sha };
    gh.putPull(REPO, p);
    gh.setPullFiles(REPO, 9, [
      { filename: '.clos/evidence/launch.json', status: 'added' },
      { filename: '.clos/evidence/build.json', status: 'added' },
      { filename: '.clos/evidence/discovery.yaml', status: 'removed' },
    ]);
    gh.setContent(
      REPO,
      sha,
      '.clos/evidence/build.json',
      '{\n  "designDocUrl": "https://x.example/d",\n  oops\n}\n',
    );
    await pullRequest('opened', p);
    const check = gateCheck(p);
    expect(check?.conclusion).toBe('failure');
    expect(check?.annotations.map((a) => [a.path, a.start_line])).toEqual([
      ['.clos/evidence/launch.json', 1],
      ['.clos/evidence/build.json', 3],
    ]);
    expect(check?.annotations[0]?.message).toMatch(/no stage "launch" has a gate/);
    expect(check?.annotations[1]?.message).toMatch(/^not valid JSON/);
  });

  it('records deployment statuses as deployments, once each, and a failure counts toward the failure-rate alert', async () => {
    const status = (state: 'in_progress' | 'success' | 'failure', deploymentId: number) =>
      github.deliver(
        'deployment_status',
        deploymentStatusPayload({
          repository: REPO,
          installationId: INSTALLATION,
          deployment: {
            state,
            environment: 'production',
            sha: fakeSha(`deploy-${deploymentId}`),
            deploymentId,
            targetUrl: `https://ci.example/deploys/${deploymentId}`,
          },
        }),
      );
    expect((await status('in_progress', 1)).statusCode).toBe(202);
    expect((await status('success', 1)).statusCode).toBe(202);
    expect((await status('failure', 2)).statusCode).toBe(202);
    await h.drain();
    // A success arriving again (a redelivery of another id) changes nothing.
    expect((await status('success', 1)).statusCode).toBe(202);
    await h.drain();

    const deployments = (await h.call('GET', '/api/v1/deployments?pod=ratio')).json().items;
    expect(
      deployments.map((d: { externalId: string; status: string }) => [d.externalId, d.status]).sort(),
    ).toEqual([
      [`github:${REPO}/deployments/1`, 'succeeded'],
      [`github:${REPO}/deployments/2`, 'failed'],
    ]);
    const failed = deployments.find((d: { status: string }) => d.status === 'failed');
    const detail = (await h.call('GET', `/api/v1/deployments/${failed.id}`)).json();
    expect(detail.steps).toEqual([
      expect.objectContaining({ name: 'prod', status: 'failed', url: 'https://ci.example/deploys/2' }),
    ]);
    expect(detail.projectId).toBe((await h.call('GET', '/api/v1/projects/payments')).json().id);

    // 1 of 2 failed: 50%, above the 40% threshold, with the minimum of 2 reached.
    const alerts = (await h.call('GET', '/api/v1/alerts?status=open')).json().items;
    expect(alerts).toEqual([
      expect.objectContaining({
        kind: 'deployment.failure_rate',
        details: expect.objectContaining({ failed: 1 }),
      }),
    ]);
  });

  it('records completed runs of the workflows named as deployments, and ignores the others', async () => {
    const run = (name: string, id: number, conclusion: 'success' | 'failure' | 'cancelled') =>
      github.deliver(
        'workflow_run',
        workflowRunPayload('completed', {
          repository: REPO,
          installationId: INSTALLATION,
          run: { id, name, headSha: fakeSha(`run-${id}`), conclusion },
        }),
      );
    expect((await run('Deploy production', 31, 'failure')).statusCode).toBe(202);
    expect((await run('Deploy production', 32, 'cancelled')).json()).toEqual({
      ignored: 'workflow_run.completed',
    });
    expect((await run('Tests', 33, 'success')).json()).toEqual({ ignored: 'workflow_run.completed' });
    await h.drain();
    const deployments = (await h.call('GET', '/api/v1/deployments?pod=ratio')).json().items;
    expect(deployments).toEqual([
      expect.objectContaining({
        externalId: `github:${REPO}/actions/runs/31/attempts/1`,
        status: 'failed',
        version: `main@${fakeSha('run-31').slice(0, 7)}`,
      }),
    ]);
  });
});
