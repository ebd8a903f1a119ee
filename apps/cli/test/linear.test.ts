import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { configureIntegrations, configureLinear, type Integration } from '@clos/integrations';
import { defaultPolicy, type FakeLinear, startFakeLinear } from '@clos/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// The server's own test harness: the real app over a fresh database, listening on a port.
import { ADMIN_TOKEN, type Harness, startHarness } from '../../server/test/harness.ts';
import { explain, runInProcess } from './run-clos.ts';

const KEY = 'lin_api_cli_test';
const silent = { info() {}, warn() {}, error() {} };

/** `clos` in this process (run-clos.ts), with the failure text tests print. */
async function clos(env: Record<string, string>, args: string[]) {
  const r = await runInProcess(args, env, env.HOME!);
  return { ...r, explain: explain(r) };
}

// The CLI is an HTTP client: one engine is enough here; the server's suite covers both.
describe.each(['pglite'] as const)('clos and Linear against a server on %s', (engine) => {
  let linear: FakeLinear;
  let on: Harness;
  let off: Harness;
  let home: string;
  const urls = new Map<Harness, string>();
  const env = (h: Harness) => ({
    HOME: home,
    NO_COLOR: '1',
    CLOS_URL: urls.get(h)!,
    CLOS_TOKEN: ADMIN_TOKEN,
  });

  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), 'clos-cli-linear-'));
    linear = await startFakeLinear({ apiKeys: [KEY] });
    const policy = defaultPolicy({
      linear: {
        teams: { ratio: 'RAT', ghost: 'GHO' },
        stages: { inception: { issues: [{ title: 'Kick off {project}' }] } },
      },
    });
    const integration: Integration = {
      name: 'linear',
      configSections: ['linear'],
      configure: ({ logger }) =>
        configureLinear(
          { apiKey: KEY, webhookSecret: 's', apiUrl: linear.url, publicUrl: null },
          policy,
          logger,
        ),
    };
    const integrations = await configureIntegrations([integration], { policy, env: {}, logger: silent });
    on = await startHarness(engine, {}, policy, {
      runtime: true,
      extraModules: integrations.modules,
      inbound: integrations.routes,
      integrationStatus: integrations.status,
      importers: integrations.importers,
    });
    off = await startHarness(engine);
    for (const h of [on, off]) urls.set(h, await h.app.listen({ port: 0, host: '127.0.0.1' }));
    await on.call('POST', '/api/v1/pods', { slug: 'ratio', name: 'Ratio', timezone: 'UTC' });
    await on.call('POST', '/api/v1/projects', { name: 'Web', pod: 'ratio', key: 'web' });
    await on.drain();
  });
  afterAll(async () => {
    await on?.close();
    await off?.close();
    await linear?.close();
    if (home) await rm(home, { recursive: true, force: true });
  });

  it('shows the project’s Linear project and issues', async () => {
    const r = await clos(env(on), ['project', 'show', 'web']);
    expect(r.code, r.explain).toBe(0);
    const project = linear.projects()[0]!;
    expect(r.stdout).toMatch(/^linear +Web https:\/\/linear\.app\//m);
    expect(r.stdout).toContain(`Web ${project.url}`);
    expect(r.stdout).toMatch(/RAT-1 +inception +Backlog +Kick off Web/);
  });

  it('reports teams, links and problems in `clos linear status`; exit 1 on a problem', async () => {
    const r = await clos(env(on), ['linear', 'status']);
    expect(r.code, r.explain).toBe(1);
    expect(r.stdout).toMatch(/linked projects +1/);
    expect(r.stdout).toMatch(/tracked issues +1/);
    expect(r.stdout).toMatch(/ratio +RAT +yes +yes/);
    expect(r.stdout).toMatch(/ghost +GHO +no +no/);
    expect(r.stdout).toContain('linear.teams maps pod "ghost", which does not exist in CLOS');
    const json = JSON.parse((await clos(env(on), ['linear', 'status', '--json'])).stdout);
    expect(json).toMatchObject({ configured: true, linkedProjects: 1, trackedIssues: 1 });
  });

  it('says when the integration is not configured', async () => {
    const r = await clos(env(off), ['linear', 'status']);
    expect(r.code, r.explain).toBe(1);
    expect(r.stdout).toContain('The Linear integration is not configured on this server.');
  });

  it('imports a team’s projects: a dry run prints what would happen, the run creates them, a re-run skips', async () => {
    linear.addTeam('IMP', 'Imports');
    linear.addProject({ name: 'Payments', state: 'started', teamKey: 'IMP' });
    linear.addProject({ name: 'Archive', state: 'completed', teamKey: 'IMP' });
    const args = ['import', 'linear', '--team', 'IMP', '--pod', 'ratio', '--stage-map', 'completed=skip'];
    const dry = await clos(env(on), [...args, '--dry-run']);
    expect(dry.code, dry.explain).toBe(0);
    expect(dry.stdout).toMatch(/would create +build/);
    expect(dry.stdout).toContain('not imported (completed): Archive');
    expect(dry.stdout).toContain('dry run of IMP: 1 project(s) would be created, 0 skipped, 0 failed');
    const real = await clos(env(on), args);
    expect(real.code, real.explain).toBe(0);
    expect(real.stdout).toContain('import of IMP: 1 project(s) created and linked, 0 skipped, 0 failed');
    const again = await clos(env(on), ['--json', ...args]);
    expect(JSON.parse(again.stdout)).toMatchObject({ created: 0, skipped: 1 });
    const off_ = await clos(env(off), args);
    expect(off_.code).not.toBe(0);
    expect(off_.stderr).toContain('the Linear integration is not configured');
  });
});
