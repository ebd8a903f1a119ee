import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  configureGitHub,
  configureIntegrations,
  type GitHubSettings,
  type Integration,
} from '@clos/integrations';
import {
  defaultPolicy,
  type FakeGitHub,
  fakeSha,
  generateAppKey,
  pullRequestPayload,
  signedDelivery,
  startFakeGitHub,
} from '@clos/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// The server's own test harness: the real app over a fresh database, listening on a port.
import { ADMIN_TOKEN, type Harness, startHarness } from '../../server/test/harness.ts';
import { explain, runInProcess } from './run-clos.ts';

const SECRET = 'github-webhook-secret-cli-0123456789';
const silent = { info() {}, warn() {}, error() {} };
const keys = generateAppKey();

/** `clos` in this process (run-clos.ts), with the failure text tests print. */
async function clos(env: Record<string, string>, args: string[]) {
  const r = await runInProcess(args, env, env.HOME!);
  return { ...r, explain: explain(r) };
}

// The CLI is an HTTP client: what it sends and prints does not depend on the server's database engine,
// which the server's own suite covers on both. One engine keeps this file's process starts from doubling.
describe.each(['pglite'] as const)('clos github status against a server on %s', (engine) => {
  let gh: FakeGitHub;
  let on: Harness;
  let off: Harness;
  let home: string;
  const urls = new Map<Harness, string>();
  const env = (h: Harness, token = ADMIN_TOKEN) => ({
    HOME: home,
    NO_COLOR: '1',
    CLOS_URL: urls.get(h)!,
    CLOS_TOKEN: token,
  });

  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), 'clos-cli-github-'));
    gh = await startFakeGitHub({
      appId: 5151,
      publicKey: keys.publicKey,
      appSlug: 'clos',
      appOwner: 'acme',
      installations: [{ id: 91, account: { login: 'acme' }, repositories: ['acme/api'] }],
    });
    const settings: GitHubSettings = {
      appId: '5151',
      privateKey: keys.privateKey,
      webhookSecret: SECRET,
      apiUrl: gh.url,
    };
    const policy = defaultPolicy({
      wip: {
        types: [
          { name: 'project', defaultLimit: 5 },
          { name: 'pull-request', defaultLimit: 1 },
        ],
      },
      github: {
        repositories: [
          { repository: 'acme/api', pod: 'ratio' },
          { repository: 'acme/site', pod: 'ratio', project: 'web', requireStage: 'build' },
        ],
      },
    });
    const github: Integration = {
      name: 'github',
      configSections: ['github'],
      configure: ({ logger }) => configureGitHub(settings, policy, logger, { spaceWrites: false }),
    };
    const integrations = await configureIntegrations([github], { policy, env: {}, logger: silent });
    on = await startHarness(engine, {}, policy, {
      runtime: true,
      extraModules: integrations.modules,
      inbound: integrations.routes,
      integrationStatus: integrations.status,
    });
    off = await startHarness(engine);
    for (const h of [on, off]) urls.set(h, await h.app.listen({ port: 0, host: '127.0.0.1' }));
    await on.call('POST', '/api/v1/pods', { slug: 'ratio', name: 'Ratio', timezone: 'UTC' });
    await on.call('POST', '/api/v1/projects', { name: 'Web', pod: 'ratio', key: 'web' });
    for (const number of [7, 8]) {
      const d = await signedDelivery(
        SECRET,
        'pull_request',
        pullRequestPayload('opened', {
          repository: 'acme/api',
          installationId: 91,
          pull: { number, title: `Change ${number}`, author: 'ada', headSha: fakeSha(`api#${number}`) },
        }),
      );
      const res = await on.app.inject({
        method: 'POST',
        url: '/api/v1/integrations/github/webhook',
        payload: d.body,
        headers: d.headers,
      });
      expect(res.statusCode).toBe(202);
    }
    await on.drain();
  });
  afterAll(async () => {
    await on?.close();
    await off?.close();
    await gh?.close();
    if (home) await rm(home, { recursive: true, force: true });
  });

  it('prints installations, repositories with their problems, and held and queued pull requests; exit 1', async () => {
    const r = await clos(env(on), ['github', 'status']);
    expect(r.code, r.explain).toBe(1);
    expect(r.stdout).toContain('App  clos (id 5151, owned by acme)');
    expect(r.stdout).toMatch(/\nID\s+ACCOUNT\s+REPOSITORIES\n91\s+acme\s+acme\/api\n/);
    expect(r.stdout).toMatch(/\nREPOSITORY\s+POD\s+PROJECT\s+INSTALLATION\s+HELD\s+WAITING\s+PROBLEM\n/);
    expect(r.stdout).toMatch(/\nacme\/api\s+ratio\s+-\s+91\s+1\s+1\s+-\n/);
    expect(r.stdout).toMatch(
      /\nacme\/site\s+ratio\s+web \(from build\)\s+-\s+0\s+0\s+no installation of the App covers it/,
    );
    expect(r.stdout).toContain('\nacme/api in ratio\n');
    expect(r.stdout).toMatch(
      /\nholds a slot\s+github:acme\/api#7\s+Change 7 \(@ada\)\s+https:\/\/github\.com\/acme\/api\/pull\/7\n/,
    );
    expect(r.stdout).toMatch(/\n#1 in line\s+github:acme\/api#8\s+Change 8 \(@ada\)\s+\S+\/pull\/8\n/);
    expect(r.stdout).toContain('Problems (1):\n  - acme/site: no installation of the App covers it');
  });

  it('--json prints the answer as received, with the same exit code', async () => {
    const r = await clos(env(on), ['github', 'status', '--json']);
    expect(r.code, r.explain).toBe(1);
    const body = JSON.parse(r.stdout);
    expect(body).toMatchObject({
      configured: true,
      app: { id: 5151, slug: 'clos', owner: 'acme' },
      installations: [
        { id: 91, account: 'acme', repositorySelection: 'selected', repositories: ['acme/api'] },
      ],
    });
    expect(body.repositories[0]).toMatchObject({
      repository: 'acme/api',
      installationId: 91,
      problem: null,
      holders: [{ itemId: 'github:acme/api#7' }],
      queue: [{ itemId: 'github:acme/api#8', position: 1 }],
    });
    expect(body.problems).toHaveLength(1);
  });

  it('exits 0 when nothing is wrong', async () => {
    gh.addInstallation({ id: 92, account: { login: 'acme-web' }, repositories: ['acme/site'] });
    try {
      const r = await clos(env(on), ['github', 'status']);
      expect(r.code, r.explain).toBe(0);
      expect(r.stdout).toMatch(/\nacme\/site\s+ratio\s+web \(from build\)\s+92\s+0\s+0\s+-\n/);
      expect(r.stdout).toContain('\nNo problems.\n');
    } finally {
      gh.removeInstallation(92);
    }
  });

  it('says what to set when the App is not configured (exit 1), and 3 for a token without the permission', async () => {
    const r = await clos(env(off), ['github', 'status']);
    expect(r.code, r.explain).toBe(1);
    expect(r.stdout).toContain('The GitHub App is not configured on this server.');
    expect(r.stdout).toMatch(
      /Problems \(1\):\n {2}- the GitHub App is not configured: set CLOS_GITHUB_APP_ID/,
    );
    const dev = await on.userWithToken('developer');
    const refused = await clos(env(on, dev.token), ['github', 'status']);
    expect(refused.code, refused.explain).toBe(3);
    expect(refused.stderr).toContain('pods:manage');
  });
});
