/**
 * Runs the committed bundle the way the runner does — `node dist/index.js` in a child process, inputs
 * as `INPUT_*` variables, outputs and the summary in the files `GITHUB_OUTPUT` and
 * `GITHUB_STEP_SUMMARY` name — against the real server on an embedded database, listening on a port.
 */
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type ClosClient, createClosClient } from '@clos/contract';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// The server's own test harness: the real app over a fresh embedded database.
import { ADMIN_TOKEN, type Harness, startHarness } from '../../server/test/harness.ts';

const BUNDLE = fileURLToPath(new URL('../dist/index.js', import.meta.url));

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
  outputs: Record<string, string>;
  summary: string;
  /** The `::error::` annotations, unescaped. */
  errors: string[];
  // biome-ignore lint/suspicious/noExplicitAny: tests read the JSON output loosely
  details: any;
}

/** Parses `$GITHUB_OUTPUT` the way the runner does: `name=value` lines and `name<<DELIMITER` heredocs. */
function parseOutputs(content: string): Record<string, string> {
  const outputs: Record<string, string> = {};
  const lines = content.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? '';
    if (line === '') continue;
    const heredoc = /^([^=]+?)<<(.+)$/.exec(line);
    if (heredoc?.[1] && heredoc[2]) {
      const end = lines.indexOf(heredoc[2], i + 1);
      if (end < 0) throw new Error(`unterminated heredoc for ${heredoc[1]}`);
      outputs[heredoc[1]] = lines.slice(i + 1, end).join('\n');
      i = end;
    } else {
      const eq = line.indexOf('=');
      if (eq < 0) throw new Error(`not an output line: ${line}`);
      outputs[line.slice(0, eq)] = line.slice(eq + 1);
    }
  }
  return outputs;
}

/** Undoes the escaping of a workflow command's message, in one pass as the runner does. */
const unescapeData = (data: string) =>
  data.replace(/%(25|0D|0A)/g, (_, hex: string) => String.fromCharCode(Number.parseInt(hex, 16)));

function explain(run: Run): string {
  return `exit ${run.code}\nstdout:\n${run.stdout}\nstderr:\n${run.stderr}\nsummary:\n${run.summary}`;
}

/** A URL nothing listens on: a port the OS just handed out and took back. */
async function closedPortUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return `http://127.0.0.1:${port}`;
}

describe('the CLOS GitHub Action, run as the runner runs it', () => {
  let h: Harness;
  let url: string;
  let client: ClosClient;
  let workspace: string;
  let runs = 0;

  /** One step: the bundle in a child process with only the runner's variables (never this shell's). */
  async function step(
    inputs: Record<string, string>,
    extraEnv: Record<string, string> = {},
    cwd = workspace,
  ): Promise<Run> {
    h.clock.advance(1000);
    runs += 1;
    const outputFile = join(workspace, `output-${runs}`);
    const summaryFile = join(workspace, `summary-${runs}`);
    await writeFile(outputFile, '');
    await writeFile(summaryFile, '');
    const env: Record<string, string> = {
      PATH: process.env.PATH ?? '',
      HOME: workspace,
      GITHUB_ACTIONS: 'true',
      GITHUB_OUTPUT: outputFile,
      GITHUB_STEP_SUMMARY: summaryFile,
      ...extraEnv,
    };
    for (const [name, value] of Object.entries(inputs)) env[`INPUT_${name.toUpperCase()}`] = value;
    const { code, stdout, stderr } = await new Promise<{
      code: number | null;
      stdout: string;
      stderr: string;
    }>((resolve, reject) => {
      const child = spawn(process.execPath, [BUNDLE], {
        cwd,
        env,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      let err = '';
      child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
        out += chunk;
      });
      child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
        err += chunk;
      });
      child.on('error', reject);
      child.on('close', (exit) => resolve({ code: exit, stdout: out, stderr: err }));
    });
    const outputs = parseOutputs(await readFile(outputFile, 'utf8'));
    const errors = [...stdout.matchAll(/^::error(?: [^:]*)?::(.*)$/gm)].map((m) => unescapeData(m[1] ?? ''));
    return {
      code,
      stdout,
      stderr,
      outputs,
      summary: await readFile(summaryFile, 'utf8'),
      errors,
      details: outputs.details === undefined ? undefined : JSON.parse(outputs.details),
    };
  }

  const server = () => ({ 'server-url': url, token: ADMIN_TOKEN });

  async function createProject(name: string, pod = 'ratio'): Promise<string> {
    return (await client.createProject({ body: { name, pod } })).id;
  }

  beforeAll(async () => {
    h = await startHarness('pglite');
    url = await h.app.listen({ port: 0, host: '127.0.0.1' });
    client = createClosClient({ url, token: ADMIN_TOKEN });
    workspace = await mkdtemp(join(tmpdir(), 'clos-action-'));
    await writeFile(
      join(workspace, 'discovery.json'),
      JSON.stringify({
        problemStatement: 'Release notes take a day a week to write by hand',
        owner: 'ada@example.com',
      }),
    );
    await writeFile(join(workspace, 'thin.json'), JSON.stringify({ owner: 'not an email' }));
    await writeFile(
      join(workspace, 'strict.yaml'),
      'stages:\n  - name: idea\n  - name: build\n    gate:\n      evidence: { type: object, required: [ticket] }\n      approvals: { count: 0 }\n',
    );
    await writeFile(join(workspace, 'ticket.json'), JSON.stringify({ ticket: 'OPS-1' }));
    // A checkout with its own clos.config.yaml, which validate reads when `config` is not given.
    await mkdir(join(workspace, 'repo'));
    await writeFile(
      join(workspace, 'repo', 'clos.config.yaml'),
      await readFile(join(workspace, 'strict.yaml')),
    );
    await writeFile(join(workspace, 'repo', 'ticket.json'), JSON.stringify({ ticket: 'OPS-2' }));
    await writeFile(
      join(workspace, 'bad.yaml'),
      'stages:\n  - name: idea\n  - name: Build\n    gate:\n      approvals: { count: -1 }\n',
    );
    for (const slug of ['ratio', 'atlas'])
      await client.registerPod({ body: { slug, name: slug, timezone: 'Europe/London' } });
    // Each test makes its own project; the default limit of 3 would run out.
    await client.setWipLimit({ params: { slug: 'ratio', itemType: 'project' }, body: { limit: 50 } });
  });
  afterAll(async () => {
    await h?.close();
    if (workspace) await rm(workspace, { recursive: true, force: true });
  });

  describe('validate', () => {
    it('passes valid evidence for the next gate, changes nothing, and masks the token', async () => {
      const project = await createProject('Release notes');
      const run = await step({
        command: 'validate',
        'project-id': project,
        evidence: 'discovery.json',
        ...server(),
      });

      expect(run.code, explain(run)).toBe(0);
      expect(run.stdout.split('\n')[0]).toBe(`::add-mask::${ADMIN_TOKEN}`);
      expect(run.stdout.split(ADMIN_TOKEN)).toHaveLength(2);
      expect(run.errors).toEqual([]);
      expect(run.outputs.status).toBe('passed');
      expect(run.details).toMatchObject({
        stage: 'discovery',
        // No config input and no ./clos.config.yaml: the server's built-in default, bundled.
        config: 'the built-in default policy (clos.config.example.yaml)',
        valid: true,
        problems: [],
        projectId: project,
        gate: { currentStage: 'inception', nextStage: 'discovery', ready: false },
      });
      expect(run.stdout).toContain('✓ evidence for stage "discovery" is valid');
      expect(run.summary).toContain('### ✅ CLOS validate: evidence for `discovery` is valid');
      // The rest of the gate is shown for information: the approval is still to come.
      expect(run.summary).toContain('❌ needs 1 more approval from pod-lead or admin (0 of 1)');
      expect(run.summary).not.toContain('Failing criteria');
      // Read-only: nothing was submitted.
      expect((await client.getProject({ params: { id: project } })).evidence).toEqual([]);
    });

    it('fails invalid evidence with exit 1, listing every failing criterion in the summary', async () => {
      const project = await createProject('Thin evidence');
      const run = await step({
        command: 'validate',
        'project-id': project,
        evidence: 'thin.json',
        ...server(),
      });

      expect(run.code, explain(run)).toBe(1);
      expect(run.outputs.status).toBe('failed');
      expect(run.details.valid).toBe(false);
      expect(run.details.problems.map((p: { path: string }) => p.path).sort()).toEqual([
        'owner',
        'problemStatement',
      ]);
      expect(run.summary).toContain('### ❌ CLOS validate: evidence for `discovery` is invalid');
      expect(run.summary).toContain('**Failing criteria (2)**');
      expect(run.summary).toContain('| `problemStatement` | evidence field "problemStatement" is required |');
      expect(run.summary).toMatch(/\| `owner` \| evidence field "owner" must match format "email" \|/);
      expect(run.errors).toHaveLength(1);
      expect(run.errors[0]).toContain('evidence for stage "discovery" is invalid');
      expect((await client.getProject({ params: { id: project } })).evidence).toEqual([]);
    });

    it('checks a named stage against the repository policy file without a server', async () => {
      const [good, bad, noGate] = await Promise.all([
        step({ command: 'validate', stage: 'build', evidence: 'ticket.json', config: 'strict.yaml' }),
        step({ command: 'validate', stage: 'build', evidence: 'thin.json', config: 'strict.yaml' }),
        step({ command: 'validate', stage: 'idea', evidence: 'ticket.json', config: 'strict.yaml' }),
      ]);
      expect(good.code, explain(good)).toBe(0);
      expect(good.details).toMatchObject({ stage: 'build', config: 'strict.yaml', valid: true, gate: null });
      expect(bad.code, explain(bad)).toBe(1);
      expect(bad.summary).toContain('| `ticket` | evidence field "ticket" is required |');
      expect(noGate.code, explain(noGate)).toBe(2);
      expect(noGate.errors[0]).toContain('no gate for stage "idea" in strict.yaml');
    });

    it("reads the checkout's ./clos.config.yaml by default, and refuses an invalid policy file (exit 2)", async () => {
      const [local, invalid] = await Promise.all([
        step({ command: 'validate', stage: 'build', evidence: 'ticket.json' }, {}, join(workspace, 'repo')),
        step({ command: 'validate', stage: 'build', evidence: 'ticket.json', config: 'bad.yaml' }),
      ]);
      expect(local.code, explain(local)).toBe(0);
      expect(local.details).toMatchObject({ stage: 'build', config: 'clos.config.yaml', valid: true });
      expect(local.summary).toContain('`ticket.json` checked against the `build` gate in `clos.config.yaml`');
      expect(invalid.code, explain(invalid)).toBe(2);
      expect(invalid.errors[0]).toMatch(/^bad\.yaml is invalid:\n/);
      // The server's loader locates every problem in the file.
      expect(invalid.errors[0]).toMatch(/bad\.yaml:\d+:\d+: stages\[1\]/);
    });

    it('treats an unreadable evidence file or an unknown project as input errors (exit 2)', async () => {
      const [missingFile, unknownProject] = await Promise.all([
        step({ command: 'validate', stage: 'discovery', evidence: 'nope.json' }),
        step({
          command: 'validate',
          'project-id': '00000000-0000-4000-8000-000000000000',
          evidence: 'discovery.json',
          ...server(),
        }),
      ]);
      expect(missingFile.code, explain(missingFile)).toBe(2);
      expect(missingFile.errors[0]).toContain('cannot read evidence file nope.json: ENOENT');
      expect(missingFile.outputs.status).toBe('error');
      expect(unknownProject.code, explain(unknownProject)).toBe(2);
      expect(unknownProject.errors[0]).toMatch(/project .* does not exist/);
      expect(unknownProject.details.error.code).toBe('not_found');
    });
  });

  describe('project keys', () => {
    it('takes a project key in project-id, for validate and dashboard-update alike', async () => {
      const project = await client.createProject({
        body: { name: 'Keyed', pod: 'ratio', key: 'keyed-action' },
      });
      const [validated, reported] = await Promise.all([
        step({ command: 'validate', 'project-id': 'keyed-action', evidence: 'discovery.json', ...server() }),
        step({ command: 'dashboard-update', 'project-id': 'keyed-action', status: 'passed', ...server() }),
      ]);
      expect(validated.code, explain(validated)).toBe(0);
      expect(validated.details).toMatchObject({
        stage: 'discovery',
        valid: true,
        projectId: project.id,
        gate: { projectId: project.id, nextStage: 'discovery' },
      });
      expect(reported.code, explain(reported)).toBe(0);
      expect(reported.details).toMatchObject({ projectId: project.id, status: 'passed' });
      expect((await client.listCiStatuses({ params: { id: 'keyed-action' } })).items).toHaveLength(1);
    });
  });

  describe('wip-check', () => {
    it('passes while the pod has a free slot, listing the holders', async () => {
      await client.acquireWipLock({
        params: { slug: 'atlas', itemType: 'pull-request' },
        body: { itemId: 'atlas-web#7' },
      });
      const run = await step({ command: 'wip-check', pod: 'atlas', type: 'pull-request', ...server() });

      expect(run.code, explain(run)).toBe(0);
      expect(run.outputs.status).toBe('passed');
      expect(run.details).toMatchObject({ pod: 'atlas', itemType: 'pull-request', used: 1, allowed: true });
      expect(run.summary).toContain('### ✅ CLOS WIP check: `atlas` `pull-request` has a free slot');
      expect(run.summary).toContain('| atlas-web#7 |');
      expect(run.errors).toEqual([]);
    });

    it('fails with exit 1 at the limit, naming the holders in the summary', async () => {
      await client.setWipLimit({ params: { slug: 'ratio', itemType: 'pull-request' }, body: { limit: 2 } });
      for (const itemId of ['ratio-api#481', 'ratio-api#482'])
        await client.acquireWipLock({
          params: { slug: 'ratio', itemType: 'pull-request' },
          body: { itemId },
        });
      // `type` defaults to pull-request, as in action.yml.
      const run = await step({ command: 'wip-check', pod: 'ratio', ...server() });

      expect(run.code, explain(run)).toBe(1);
      expect(run.outputs.status).toBe('failed');
      expect(run.details).toMatchObject({ limit: 2, used: 2, available: 0, allowed: false });
      expect(run.details.holders.map((x: { itemId: string }) => x.itemId)).toEqual([
        'ratio-api#481',
        'ratio-api#482',
      ]);
      expect(run.summary).toContain('### ❌ CLOS WIP check: `ratio` `pull-request` is at its limit');
      expect(run.summary).toContain('**Current holders (2)**');
      expect(run.summary).toContain('| ratio-api#481 |');
      expect(run.summary).toContain('| ratio-api#482 |');
      expect(run.errors[0]).toContain('holders: ratio-api#481, ratio-api#482');
    });
  });

  describe('dashboard-update', () => {
    it("records the run's status, URL and workflow on the project", async () => {
      const project = await createProject('Dashboard');
      const run = await step(
        { command: 'dashboard-update', 'project-id': project, status: 'failed', ...server() },
        {
          GITHUB_SERVER_URL: 'https://github.com',
          GITHUB_REPOSITORY: 'candlefish/web',
          GITHUB_RUN_ID: '9182736450',
          GITHUB_RUN_ATTEMPT: '2',
          GITHUB_WORKFLOW: 'CLOS Stage Gates',
        },
      );

      expect(run.code, explain(run)).toBe(0);
      expect(run.outputs.status).toBe('failed');
      const expected = {
        projectId: project,
        status: 'failed',
        url: 'https://github.com/candlefish/web/actions/runs/9182736450',
        context: 'CLOS Stage Gates',
      };
      expect(run.details).toMatchObject(expected);
      expect((await client.listCiStatuses({ params: { id: project } })).items).toEqual([
        expect.objectContaining(expected),
      ]);
      expect((await client.getProject({ params: { id: project } })).ciStatus).toEqual([
        expect.objectContaining(expected),
      ]);
      expect(run.summary).toContain('### CLOS dashboard: `CLOS Stage Gates` reported `failed`');
      // The run id follows the request into the server's audit log.
      const audit = await client.listAudit({ query: { subjectId: project, action: 'project.ci_status' } });
      expect(audit.items[0]?.requestId).toBe('github-run-9182736450.2');
    });

    it('fails with exit 1 when the server refuses the report in the current state (a closed project)', async () => {
      const project = await createProject('Cancelled');
      await client.closeProject({
        params: { id: project },
        body: { outcome: 'cancelled', reason: 'dropped' },
      });
      const run = await step({
        command: 'dashboard-update',
        'project-id': project,
        status: 'passed',
        ...server(),
      });
      expect(run.code, explain(run)).toBe(1);
      expect(run.outputs.status).toBe('failed');
      expect(run.details.error).toMatchObject({ code: 'conflict', details: { outcome: 'cancelled' } });
      expect(run.summary).toContain('### ❌ CLOS dashboard-update: failed');
      expect(run.errors).toHaveLength(1);
    });

    it('refuses a status outside passed, failed, running (exit 2)', async () => {
      const project = await createProject('Bad status');
      const run = await step({
        command: 'dashboard-update',
        'project-id': project,
        status: 'success',
        ...server(),
      });
      expect(run.code, explain(run)).toBe(2);
      expect(run.errors[0]).toContain('input "status" must be one of passed, failed, running; got "success"');
      expect((await client.listCiStatuses({ params: { id: project } })).items).toEqual([]);
    });
  });

  describe('failures before the check', () => {
    it('fails with exit 3 and an annotation when the server cannot be reached or refuses the token', async () => {
      const [closed, badToken] = await Promise.all([
        step({ command: 'wip-check', pod: 'ratio', 'server-url': await closedPortUrl(), token: ADMIN_TOKEN }),
        step({
          command: 'wip-check',
          pod: 'ratio',
          'server-url': url,
          token: 'clos_not_a_real_token_000000',
        }),
      ]);
      expect(closed.code, explain(closed)).toBe(3);
      expect(closed.outputs.status).toBe('error');
      expect(closed.errors).toHaveLength(1);
      expect(closed.errors[0]).toContain('ECONNREFUSED');
      expect(closed.errors[0]).toContain('the "server-url" input points at it');
      expect(closed.summary).toContain('### ❌ CLOS wip-check: error');
      expect(badToken.code, explain(badToken)).toBe(3);
      expect(badToken.errors[0]).toContain('the "token" input is missing, unknown, revoked or expired');
      expect(badToken.details.error.code).toBe('unauthorized');
    });

    it('fails with exit 2 on a server URL that is not an http(s) URL', async () => {
      const run = await step({
        command: 'wip-check',
        pod: 'ratio',
        'server-url': 'clos.example.com',
        token: 'x',
      });
      expect(run.code, explain(run)).toBe(2);
      expect(run.errors[0]).toContain('input "server-url" must be an http(s) URL');
    });

    it('fails with exit 2 naming every missing required input', async () => {
      const [noPod, noServer, noEvidence, noCommand, badCommand] = await Promise.all([
        step({ command: 'wip-check', ...server() }),
        step({ command: 'dashboard-update', 'project-id': 'p', status: 'passed' }),
        step({ command: 'validate', stage: '  ', token: ADMIN_TOKEN }),
        step({ pod: 'ratio', ...server() }),
        step({ command: 'wip check', ...server() }),
      ]);
      expect(noPod.code, explain(noPod)).toBe(2);
      expect(noPod.errors).toEqual([
        'wip-check: missing required input "pod"\nset it under "with:" in the workflow step',
      ]);
      expect(noPod.outputs.status).toBe('error');
      expect(noServer.code, explain(noServer)).toBe(2);
      expect(noServer.errors[0]).toContain('dashboard-update: missing required inputs "server-url", "token"');
      // An empty input counts as missing, and a blank `stage` means the default, current.
      expect(noEvidence.code, explain(noEvidence)).toBe(2);
      expect(noEvidence.errors[0]).toContain(
        'validate: missing required inputs "evidence", "project-id", "server-url"',
      );
      expect(noCommand.code, explain(noCommand)).toBe(2);
      expect(noCommand.errors[0]).toContain('missing required input "command"');
      expect(badCommand.code, explain(badCommand)).toBe(2);
      expect(badCommand.errors[0]).toContain(
        'input "command" must be one of validate, wip-check, dashboard-update; got "wip check"',
      );
    });
  });
});
