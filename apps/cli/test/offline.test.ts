import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CliSandbox, closedPortUrl, createSandbox, explain } from './run-clos.ts';

// Everything here works without a CLOS server: help, flags, the policy file, offline validation and
// the failures that come from not reaching one. Each `clos` run is a process start (about a second of
// CPU), so independent runs within a test go in parallel, and the timeout allows for a busy machine.

const FILES: Record<string, string> = {
  'good.json': JSON.stringify({
    designDocUrl: 'https://docs.example.com/d/1',
    successMetrics: ['p95 < 200ms'],
  }),
  'missing-field.json': JSON.stringify({ successMetrics: [] }),
  'broken.json': '{"designDocUrl": ',
  'ticket.json': '{"ticket":"OPS-1"}',
  'strict.yaml': `
stages:
  - name: idea
  - name: build
    gate:
      evidence: { type: object, required: [ticket], properties: { ticket: { type: string } } }
      approvals: { count: 0 }
`,
  'bad.yaml': `
stages:
  - name: inception
  - name: Build
    gate:
      evidence: { type: object }
      approvals: { count: -1, roles: [pod-lead] }
pods:
  - { slug: payments, name: Payments, timezone: Europe/Londn }
colour: blue
`,
  'syntax.yaml': 'stages: [\n',
};

describe('clos without a server', { timeout: 180_000 }, () => {
  let cli: CliSandbox;

  beforeAll(async () => {
    cli = await createSandbox();
    for (const [name, text] of Object.entries(FILES)) await writeFile(join(cli.home, name), text);
  });
  afterAll(() => cli.cleanup());

  it('documents the commands and exit codes in --help', async () => {
    const result = await cli.run(['--help']);
    expect(result.code, explain(result)).toBe(0);
    expect(result.stdout).toContain('Exit codes:');
    for (const command of ['login', 'stage', 'validate', 'wip', 'idea', 'pod', 'dashboard', 'audit', 'token'])
      expect(result.stdout).toContain(`  ${command}`);
  });

  it('prints its version, compiled and from the TypeScript sources alike', async () => {
    const { version } = JSON.parse(await readFile(join(import.meta.dirname, '../package.json'), 'utf8'));
    // The compiled CLI (apps/cli/dist, built before the run) is what `clos` runs when it exists;
    // CLOS_CLI_SOURCE=1 runs the sources through tsx, as a checkout without a build does.
    const [compiled, source, long] = await Promise.all([
      cli.run(['--version']),
      cli.run(['-V'], { env: { CLOS_CLI_SOURCE: '1' } }),
      cli.run(['--version', '--json']),
    ]);
    for (const result of [compiled, source]) {
      expect(result.code, explain(result)).toBe(0);
      expect(result.stdout).toBe(`${version}\n`);
    }
    // With other arguments, commander answers (the fast path is for the bare flag only).
    expect(long.stdout).toContain(version);
  });

  it('exits 2 on bad flags, naming the problem', async () => {
    const [unknown, missing, choice, noSubcommand] = await Promise.all([
      cli.run(['pod', 'list', '--colour', 'red']),
      cli.run(['wip', 'acquire', '--pod', 'payments']),
      cli.run(['dashboard', 'update', '--project', 'p', '--status', 'green']),
      cli.run(['stage']),
    ]);
    expect(unknown.code, explain(unknown)).toBe(2);
    expect(unknown.stderr).toContain("unknown option '--colour'");
    expect(missing.code, explain(missing)).toBe(2);
    expect(missing.stderr).toContain("required option '--type <itemType>' not specified");
    expect(choice.code, explain(choice)).toBe(2);
    expect(choice.stderr).toContain('Allowed choices are passed, failed, running');
    expect(noSubcommand.code, explain(noSubcommand)).toBe(2);
    expect(noSubcommand.stderr).toContain('Usage: clos stage');
  });

  it('config validate accepts the example file and lists every problem of a bad one', async () => {
    const example = join(import.meta.dirname, '../../../clos.config.example.yaml');
    const [good, bad, json, syntax, missing] = await Promise.all([
      cli.run(['config', 'validate', example]),
      cli.run(['config', 'validate', 'bad.yaml']),
      cli.run(['--json', 'config', 'validate', 'bad.yaml']),
      cli.run(['config', 'validate', 'syntax.yaml']),
      cli.run(['config', 'validate', 'nope.yaml']),
    ]);
    expect(good.code, explain(good)).toBe(0);
    expect(good.stdout).toContain('5 stages (inception → discovery → build → validate → shipping)');

    expect(bad.code, explain(bad)).toBe(1);
    expect(bad.stdout.split('\n')).toEqual([
      'bad.yaml is invalid:',
      '  bad.yaml:4:5: stages[1].name: must be lowercase letters, digits and hyphens, starting with a letter',
      '  bad.yaml:7:20: stages[1].gate.approvals.count: must be ≥ 0',
      '  bad.yaml:9:39: pods[0].timezone: unknown time zone "Europe/Londn"',
      '  bad.yaml:10:1: colour: unknown key',
      '',
    ]);
    expect(json.code).toBe(1);
    expect(json.json()).toMatchObject({ source: 'bad.yaml', valid: false });
    expect(json.json().problems).toHaveLength(4);

    expect(syntax.code, explain(syntax)).toBe(1);
    expect(syntax.stdout).toMatch(/syntax\.yaml:\d+:\d+: /);
    expect(missing.code, explain(missing)).toBe(2);
    expect(missing.stderr).toContain('nope.yaml: file not found');
  });

  it('validate --offline passes valid evidence and fails naming each missing or invalid field', async () => {
    const stage = ['validate', '--offline', '--stage', 'build', '--evidence'];
    const [ok, bad, json] = await Promise.all([
      cli.run([...stage, 'good.json']),
      cli.run([...stage, 'missing-field.json']),
      cli.run(['--json', ...stage, 'missing-field.json']),
    ]);
    expect(ok.code, explain(ok)).toBe(0);
    expect(ok.stdout).toContain('✓ evidence for stage "build" is valid against the built-in default policy');
    expect(bad.code, explain(bad)).toBe(1);
    expect(bad.stdout).toContain('evidence field "designDocUrl" is required');
    expect(bad.stdout).toContain('evidence field "successMetrics" must NOT have fewer than 1 items');
    expect(json.code).toBe(1);
    expect(json.json()).toMatchObject({ stage: 'build', valid: false });
    expect(json.json().problems.map((p: { path: string }) => p.path)).toEqual([
      'designDocUrl',
      'successMetrics',
    ]);
  });

  it('validate --offline uses the gate schemas of --config', async () => {
    const strict = ['validate', '--offline', '--config', 'strict.yaml', '--evidence'];
    const [ok, bad, unknownStage, badConfig] = await Promise.all([
      cli.run([...strict, 'ticket.json', '--stage', 'build']),
      cli.run([...strict, 'good.json', '--stage', 'build']),
      cli.run([...strict, 'ticket.json', '--stage', 'discovery']),
      cli.run([
        'validate',
        '--offline',
        '--config',
        'bad.yaml',
        '--stage',
        'build',
        '--evidence',
        'good.json',
      ]),
    ]);
    expect(ok.code, explain(ok)).toBe(0);
    expect(bad.code, explain(bad)).toBe(1);
    expect(bad.stdout).toContain('evidence field "ticket" is required');
    expect(unknownStage.code, explain(unknownStage)).toBe(2);
    expect(unknownStage.stderr).toContain('stages with a gate: build');
    expect(badConfig.code, explain(badConfig)).toBe(2);
    expect(badConfig.stderr).toContain('stages[1].gate.approvals.count: must be ≥ 0');
  });

  it('validate exits 2 for an unreadable or invalid evidence file, and for --stage current offline', async () => {
    const [broken, missing, current] = await Promise.all([
      cli.run(['validate', '--offline', '--stage', 'build', '--evidence', 'broken.json']),
      cli.run(['validate', '--offline', '--stage', 'build', '--evidence', 'absent.json']),
      cli.run(['validate', '--offline', '--evidence', 'good.json']),
    ]);
    expect(broken.code, explain(broken)).toBe(2);
    expect(broken.stderr).toContain('broken.json is not valid JSON');
    expect(missing.code, explain(missing)).toBe(2);
    expect(missing.stderr).toContain('cannot read evidence file absent.json: ENOENT');
    expect(current.code, explain(current)).toBe(2);
    expect(current.stderr).toContain('--stage current needs --project');
  });

  it('exits 3 when no server is configured or the server cannot be reached', async () => {
    const url = await closedPortUrl();
    const [none, unreachable] = await Promise.all([
      cli.run(['pod', 'list']),
      cli.run(['pod', 'list'], { env: { CLOS_URL: url, CLOS_TOKEN: 'clos_x' } }),
    ]);
    expect(none.code, explain(none)).toBe(3);
    expect(none.stderr).toContain('run: clos login --url');
    expect(unreachable.code, explain(unreachable)).toBe(3);
    expect(unreachable.stderr).toContain('ECONNREFUSED');
    expect(unreachable.stderr).toContain('check that the server is running');
  });

  it('login --no-verify saves a 0600 profile under XDG_CONFIG_HOME', async () => {
    const xdg = join(cli.home, 'xdg');
    const [saved, badUrl] = await Promise.all([
      cli.run(
        ['--profile', 'ci', 'login', '--url', 'http://127.0.0.1:4000/', '--token', 'clos_abc', '--no-verify'],
        {
          env: { XDG_CONFIG_HOME: xdg },
        },
      ),
      cli.run(['login', '--url', 'localhost:4000', '--token', 't', '--no-verify'], {
        env: { XDG_CONFIG_HOME: xdg },
      }),
    ]);
    expect(saved.code, explain(saved)).toBe(0);
    const file = join(xdg, 'clos', 'config.json');
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect((await stat(join(xdg, 'clos'))).mode & 0o777).toBe(0o700);
    expect(JSON.parse(await readFile(file, 'utf8'))).toEqual({
      current: 'ci',
      profiles: { ci: { url: 'http://127.0.0.1:4000', token: 'clos_abc' } },
    });
    expect(badUrl.code, explain(badUrl)).toBe(2);
    expect(badUrl.stderr).toContain('is not an http:// or https:// URL');
  });

  it('clos server runs the server entry with the flags as given, and passes on its exit code', async () => {
    const result = await cli.run(['server', '--no-such-flag']);
    expect(result.code, explain(result)).toBe(2);
    expect(result.stderr).toContain("clos-server: Unknown option '--no-such-flag'");
    expect(result.stderr).toContain('--data-dir DIR');
  });
});
