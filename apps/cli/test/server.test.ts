import { randomUUID } from 'node:crypto';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// The server's own test harness: the real app over a fresh embedded database, listening on a port.
import { ADMIN_TOKEN, type Harness, startHarness } from '../../server/test/harness.ts';
import { type CliResult, type CliSandbox, closedPortUrl, createSandbox, explain } from './run-clos.ts';

const DISCOVERY = {
  problemStatement: 'Teams lose a day a week to manual release notes',
  owner: 'ada@example.com',
};

// Each `clos` run is a process start (about a second of CPU): the timeout allows for a busy machine.
describe('clos against a running server', { timeout: 180_000 }, () => {
  let h: Harness;
  let url: string;
  let cli: CliSandbox;
  const profileFile = () => join(cli.home, '.config', 'clos', 'config.json');

  /**
   * One `clos` command. The harness's clock only moves when told, and the server orders evidence and
   * events by time, so each command moves it on a second as real time would.
   */
  function clos(args: string[], env?: Record<string, string | undefined>): Promise<CliResult> {
    h.clock.advance(1000);
    return cli.run(args, env ? { env } : {});
  }

  beforeAll(async () => {
    h = await startHarness('pglite');
    url = await h.app.listen({ port: 0, host: '127.0.0.1' });
    cli = await createSandbox();
    cli.env = { CLOS_URL: url, CLOS_TOKEN: ADMIN_TOKEN };
    await writeFile(join(cli.home, 'discovery.json'), JSON.stringify(DISCOVERY));
    await writeFile(join(cli.home, 'thin.json'), JSON.stringify({ owner: 'not an email' }));
    // Set up through the API directly: these tests are about the commands below, not pod creation.
    for (const slug of ['ratio', 'checkout'])
      await h.call('POST', '/api/v1/pods', { slug, name: slug, timezone: 'Europe/London' });
  });
  afterAll(async () => {
    await h?.close();
    await cli?.cleanup();
  });

  async function createProject(name: string): Promise<string> {
    const created = await clos(['--json', 'project', 'create', '--name', name, '--pod', 'ratio']);
    expect(created.code, explain(created)).toBe(0);
    return created.json().id;
  }

  describe('profiles', () => {
    const noEnv = { CLOS_URL: undefined, CLOS_TOKEN: undefined };

    it('login checks the token and saves a 0600 profile; CLOS_URL and CLOS_TOKEN override it', async () => {
      const login = await clos(['login', '--url', url, '--token', ADMIN_TOKEN], noEnv);
      expect(login.code, explain(login)).toBe(0);
      expect((await stat(profileFile())).mode & 0o777).toBe(0o600);
      expect(JSON.parse(await readFile(profileFile(), 'utf8'))).toEqual({
        current: 'default',
        profiles: { default: { url, token: ADMIN_TOKEN } },
      });

      const [viaProfile, badToken, elsewhere] = await Promise.all([
        clos(['pod', 'list'], noEnv),
        clos(['pod', 'list'], { CLOS_URL: undefined, CLOS_TOKEN: 'clos_wrong_token' }),
        clos(['pod', 'list'], { CLOS_URL: await closedPortUrl(), CLOS_TOKEN: undefined }),
      ]);
      expect(viaProfile.code, explain(viaProfile)).toBe(0);
      expect(viaProfile.stdout).toMatch(/^SLUG\s+NAME\s+TIMEZONE\n/);
      expect(badToken.code, explain(badToken)).toBe(3);
      expect(badToken.stderr).toContain('the token is missing, unknown, revoked or expired: run clos login');
      expect(elsewhere.code, explain(elsewhere)).toBe(3);
    });

    it('login refuses a token the server rejects; logout forgets the profile', async () => {
      const before = await readFile(profileFile(), 'utf8');
      const [refused, otherProfile] = await Promise.all([
        clos(['login', '--url', url, '--token', 'clos_not_a_real_token_000000'], noEnv),
        clos(['--profile', 'staging', 'pod', 'list'], noEnv),
      ]);
      expect(refused.code, explain(refused)).toBe(3);
      expect(await readFile(profileFile(), 'utf8')).toBe(before);
      expect(otherProfile.code, explain(otherProfile)).toBe(3);
      expect(otherProfile.stderr).toContain('clos login --profile staging');

      expect((await clos(['logout'], noEnv)).code).toBe(0);
      const after = await clos(['pod', 'list'], noEnv);
      expect(after.code, explain(after)).toBe(3);
      expect(after.stderr).toContain('no CLOS server configured');
    });
  });

  it('takes a project through a gate: advance refused naming what is missing, then allowed', async () => {
    const lead = await h.userWithToken('pod-lead', { pods: ['ratio'] });
    const id = await createProject('Release notes bot');

    const [evaluate, refused, local] = await Promise.all([
      clos(['stage', 'evaluate', '--project', id]),
      clos(['stage', 'advance', '--project', id]),
      // Checked against the gate of the project's next stage in the policy file; nothing is sent.
      clos(['validate', '--project', id, '--evidence', 'discovery.json']),
    ]);
    expect(evaluate.code, explain(evaluate)).toBe(1);
    expect(evaluate.stdout).toContain('gate inception → discovery: not ready');
    expect(evaluate.stdout).toContain('✗ evidence field "problemStatement" is required');

    expect(refused.code, explain(refused)).toBe(1);
    expect(refused.stderr).toContain('cannot advance: the gate to discovery is not met');
    expect(refused.stderr).toContain('✗ evidence field "problemStatement" is required');
    expect(refused.stderr).toContain('✗ evidence field "owner" is required');
    expect(refused.stderr).toContain('✗ needs 1 more approval from pod-lead or admin');
    expect(refused.stderr).toContain(`clos validate --project ${id} --evidence ./evidence.json --submit`);

    expect(local.code, explain(local)).toBe(0);
    expect(local.stdout).toContain('evidence for stage "discovery" is valid');
    expect((await h.call('GET', `/api/v1/projects/${id}`)).json().evidence).toEqual([]);

    const [thin, wrongStage] = await Promise.all([
      clos(['validate', '--project', id, '--evidence', 'thin.json', '--submit']),
      clos(['validate', '--project', id, '--evidence', 'discovery.json', '--submit', '--stage', 'build']),
    ]);
    expect(thin.code, explain(thin)).toBe(1);
    expect(thin.stdout).toContain('✗ evidence field "owner" must match format "email"');
    expect(wrongStage.code, explain(wrongStage)).toBe(2);
    expect(wrongStage.stderr).toContain('next stage is "discovery", not "build"');

    const submitted = await clos(['validate', '--project', id, '--evidence', 'discovery.json', '--submit']);
    expect(submitted.code, explain(submitted)).toBe(0);
    expect(submitted.stdout).toContain('✓ evidence is valid');
    expect(submitted.stdout).toContain('✗ needs 1 more approval');

    const approve = await clos(['stage', 'approve', '--project', id], { CLOS_TOKEN: lead.token });
    expect(approve.code, explain(approve)).toBe(0);
    expect(approve.stdout).toContain('gate inception → discovery: ready');

    const advanced = await clos(['stage', 'advance', '--project', id]);
    expect(advanced.code, explain(advanced)).toBe(0);
    expect(advanced.stdout).toContain('advanced Release notes bot to discovery');

    const status = await clos(['--json', 'stage', 'status', '--project', id]);
    expect(status.code, explain(status)).toBe(0);
    expect(status.json().project).toMatchObject({ id, currentStage: 'discovery' });
    expect(status.json().gate).toMatchObject({ currentStage: 'discovery', nextStage: 'build', ready: false });
  });

  it('blocks and unblocks; a blocked project fails evaluate', async () => {
    const id = await createProject('Blocked one');
    const blocked = await clos(['stage', 'block', '--project', id, '--reason', 'waiting on legal']);
    expect(blocked.code, explain(blocked)).toBe(0);
    const evaluate = await clos(['stage', 'evaluate', '--project', id]);
    expect(evaluate.code).toBe(1);
    expect(evaluate.stdout).toContain('✗ project is blocked: waiting on legal');
    expect(evaluate.stderr).toContain(`unblock it: clos stage unblock --project ${id}`);
    expect((await clos(['stage', 'unblock', '--project', id])).code).toBe(0);
  });

  it('acquires WIP slots until the limit, then exits 1 listing the holders', async () => {
    await h.call('PUT', '/api/v1/pods/checkout/wip-limits/pull-request', { limit: 2 });
    const wip = ['wip', 'acquire', '--pod', 'checkout', '--type', 'pull-request', '--item'];

    const first = await clos(['--json', ...wip, 'PR-1']);
    expect(first.code, explain(first)).toBe(0);
    const lockId = first.json().id;
    expect((await clos([...wip, 'PR-2'])).code).toBe(0);

    const [full, fullJson, check] = await Promise.all([
      clos([...wip, 'PR-3']),
      clos(['--json', ...wip, 'PR-3']),
      clos(['wip', 'check', '--pod', 'checkout', '--type', 'pull-request']),
    ]);
    expect(full.code, explain(full)).toBe(1);
    expect(full.stderr).toContain('pod "checkout" is at its pull-request WIP limit (2 of 2 in use)');
    expect(full.stderr).toContain(`PR-1  lock ${lockId}`);
    expect(full.stderr).toContain('PR-2  lock ');
    expect(full.stderr).toContain('release one with: clos wip release --lock <id>');
    expect(fullJson.code).toBe(1);
    expect(fullJson.json().error).toMatchObject({
      code: 'wip_limit_exceeded',
      details: { used: 2, limit: 2 },
    });
    expect(check.code, explain(check)).toBe(1);
    expect(check.stdout).toContain('checkout pull-request: 2 of 2 in use, 0 available');
    expect(check.stderr).toContain('PR-2  lock ');

    const release = ['wip', 'release', '--pod', 'checkout', '--type', 'pull-request', '--item'];
    const [notHeld, released] = await Promise.all([clos([...release, 'PR-9']), clos([...release, 'PR-1'])]);
    expect(notHeld.code, explain(notHeld)).toBe(2);
    expect(notHeld.stderr).toContain('PR-9 holds no pull-request slot in pod "checkout"');
    expect(released.code, explain(released)).toBe(0);
    expect(released.stdout).toContain(`released lock ${lockId}`);

    const status = await clos(['wip', 'status', '--pod', 'checkout', '--type', 'pull-request']);
    expect(status.code, explain(status)).toBe(0);
    expect(status.stdout).toMatch(/^TYPE\s+USED\s+LIMIT\s+AVAILABLE\npull-request\s+1\s+2\s+1\n/);
    expect(status.stdout).toMatch(/\s+pull-request\s+PR-2\s+/);
    expect(status.stdout).not.toContain('PR-1');
  });

  it('--json prints the API JSON exactly as the server sends it', async () => {
    const cases = [
      [['pod', 'list'], '/api/v1/pods'],
      [['wip', 'status', '--pod', 'checkout'], '/api/v1/pods/checkout/wip'],
      [['audit', 'list', '--limit', '5'], '/api/v1/audit?limit=5'],
    ] as const;
    const results = await Promise.all(cases.map(([args]) => cli.run(['--json', ...args])));
    for (const [i, [, path]] of cases.entries()) {
      const result = results[i] as CliResult;
      expect(result.code, explain(result)).toBe(0);
      expect(result.json()).toEqual((await h.call('GET', path)).json());
    }
  });

  it('maps server errors to exit codes, with the details', async () => {
    const viewer = await h.userWithToken('viewer');
    const [invalid, missing, duplicate, forbidden] = await Promise.all([
      clos(['pod', 'register', 'Bad_Slug', '--name', 'x', '--timezone', 'UTC']),
      clos(['stage', 'status', '--project', randomUUID()]),
      clos(['pod', 'register', 'ratio', '--name', 'Again', '--timezone', 'UTC']),
      clos(['user', 'list'], { CLOS_TOKEN: viewer.token }),
    ]);
    expect(invalid.code, explain(invalid)).toBe(2);
    expect(invalid.stderr).toContain(
      'clos: the server rejected the request:\n  body.slug: must be 2–40 lowercase letters, digits or hyphens',
    );
    expect(missing.code, explain(missing)).toBe(2);
    expect(missing.stderr).toContain('does not exist');
    expect(duplicate.code, explain(duplicate)).toBe(1);
    expect(forbidden.code, explain(forbidden)).toBe(3);
    expect(forbidden.stderr).toContain('this needs the "users:manage" permission; the token acts as viewer');
  });

  it('creates a project with --key and takes the key wherever --project or a project id goes', async () => {
    const created = await clos([
      'project',
      'create',
      '--name',
      'Payments API',
      '--pod',
      'checkout',
      '--key',
      'payments',
    ]);
    expect(created.code, explain(created)).toBe(0);
    expect(created.stdout).toMatch(
      /^created project payments \(Payments API, [0-9a-f-]{36}\) in checkout at inception\n/,
    );
    const [list, status, show, update, taken] = await Promise.all([
      clos(['project', 'list', '--pod', 'checkout']),
      clos(['--json', 'stage', 'status', '--project', 'payments']),
      clos(['project', 'show', 'payments']),
      clos(['dashboard', 'update', '--project', 'payments', '--status', 'passed']),
      clos(['project', 'create', '--name', 'Again', '--pod', 'checkout', '--key', 'payments']),
    ]);
    expect(list.stdout).toMatch(/^KEY\s+ID\s+STAGE/);
    expect(list.stdout).toMatch(/\npayments\s+[0-9a-f-]{36}\s+inception\s/);
    expect(status.code, explain(status)).toBe(0);
    expect(status.json().project).toMatchObject({ key: 'payments', name: 'Payments API' });
    expect(show.stdout).toMatch(/project\s+Payments API \(payments, [0-9a-f-]{36}\)/);
    expect(update.code, explain(update)).toBe(0);
    expect(taken.code, explain(taken)).toBe(1);
    expect(taken.stderr).toContain('project key "payments" is already taken');
    expect(
      (await clos(['project', 'create', '--name', 'x', '--pod', 'checkout', '--key', 'Bad'])).stderr,
    ).toContain('body.key:');
  });

  it('dashboard update records a CI status that the project shows', async () => {
    const id = await createProject('CI reported');
    const run = 'https://ci.example.com/runs/7';
    const update = await clos([
      'dashboard',
      'update',
      '--project',
      id,
      '--status',
      'failed',
      '--url',
      run,
      '--context',
      'unit',
    ]);
    expect(update.code, explain(update)).toBe(0);
    expect(update.stdout).toContain(`recorded unit: failed on project ${id}`);
    const project = (await h.call('GET', `/api/v1/projects/${id}`)).json();
    expect(project.ciStatus).toMatchObject([{ context: 'unit', status: 'failed', url: run }]);
    const list = await clos(['dashboard', 'list', '--project', id]);
    expect(list.code, explain(list)).toBe(0);
    expect(list.stdout).toMatch(/unit\s+failed\s+https:\/\/ci\.example\.com\/runs\/7\n/);
  });

  it('runs the idea ledger: promotion refused until the idea is scored, then allowed', async () => {
    const submitted = await clos(['--json', 'idea', 'submit', '--title', 'Self-serve refunds']);
    expect(submitted.code, explain(submitted)).toBe(0);
    const id = submitted.json().id;

    const early = await clos(['idea', 'promote', id, '--pod', 'checkout']);
    expect(early.code, explain(early)).toBe(1);
    expect(early.stderr).toContain('✗ needs 2 evaluations, has 0');

    const lead = await h.userWithToken('pod-lead', { pods: ['checkout'] });
    const scores = [
      '--score',
      'impact=5',
      '--score',
      'confidence=4',
      '--score',
      'ease=4',
      '--score',
      'strategic-fit=5',
    ];
    const [mine, malformed] = await Promise.all([
      clos(['idea', 'evaluate', id, ...scores]),
      clos(['idea', 'evaluate', id, '--score', 'impact']),
    ]);
    expect(mine.code, explain(mine)).toBe(0);
    expect(mine.stdout).toMatch(/^your score: [\d.]+; the idea now scores [\d.]+ from 1 evaluation\(s\)\n/);
    expect(malformed.code, explain(malformed)).toBe(2);
    expect(malformed.stderr).toContain('--score "impact": expected criterion=number');
    const theirs = await h.call(
      'POST',
      `/api/v1/ideas/${id}/evaluations`,
      { scores: { impact: 4, confidence: 4, ease: 4, 'strategic-fit': 4 } },
      lead.token,
    );
    expect(theirs.statusCode, theirs.body).toBe(201);

    const promoted = await clos(['idea', 'promote', id, '--pod', 'checkout']);
    expect(promoted.code, explain(promoted)).toBe(0);
    expect(promoted.stdout).toMatch(
      /^promoted to project self-serve-refunds \(Self-serve refunds, [0-9a-f-]{36}\) in checkout\n/,
    );
  });

  it('manages users and tokens, and verifies the audit chain', async () => {
    const user = await clos([
      'user',
      'add',
      '--email',
      'grace@example.com',
      '--name',
      'Grace Hopper',
      '--role',
      'developer',
    ]);
    expect(user.code, explain(user)).toBe(0);
    const token = await clos([
      'token',
      'create',
      '--name',
      'grace ci',
      '--role',
      'developer',
      '--user',
      'grace@example.com',
    ]);
    expect(token.code, explain(token)).toBe(0);
    const value = token.stdout.trim();
    expect(value).toMatch(/^clos_\S+$/);
    expect(token.stderr).toContain('shown once');

    const [asGrace, verify] = await Promise.all([
      clos(['pod', 'list'], { CLOS_TOKEN: value }),
      clos(['audit', 'verify']),
    ]);
    expect(asGrace.code, explain(asGrace)).toBe(0);
    expect(verify.code, explain(verify)).toBe(0);
    expect(verify.stdout).toMatch(/^audit chain intact: \d+ events\n$/);
    const tokens = (await h.call('GET', '/api/v1/tokens')).json().items;
    const tokenId = tokens.find((t: { name: string }) => t.name === 'grace ci').id;
    expect((await clos(['token', 'revoke', tokenId])).code).toBe(0);
    expect((await clos(['pod', 'list'], { CLOS_TOKEN: value })).code).toBe(3);
  });
});
