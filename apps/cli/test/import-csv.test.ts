import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// The server's own test harness: the real app over a fresh embedded database, listening on a port.
import { ADMIN_TOKEN, type Harness, startHarness } from '../../server/test/harness.ts';
import { type CliResult, type CliSandbox, createSandbox, explain } from './run-clos.ts';

// Jira's export: a BOM, CRLF, quoted fields with commas, doubled quotes and a line break, columns
// CLOS does not read (Priority), its date format, and one bad row (no summary, an unmapped status).
const JIRA = [
  '\uFEFFIssue key,Summary,Status,Priority,Created,Description',
  'PAY-1,"Refunds, partial",In Progress,High,02/Mar/26 9:05 AM,',
  'PAY-2,"Payouts ""weekly""",To Do,Low,,"Two lines:',
  'the second one"',
  'PAY-3,,Doing,Low,,',
  'PAY-4,Bank sync,Done,Medium,2026-01-05T10:00:00Z,',
].join('\r\n');

describe('clos import csv', { timeout: 180_000 }, () => {
  let h: Harness;
  let cli: CliSandbox;
  let file: string;

  const clos = (args: string[]): Promise<CliResult> => cli.run(args);
  const projectsImport = (...extra: string[]) => [
    'import',
    'csv',
    file,
    '--kind',
    'projects',
    '--pod',
    'ratio',
    '--stage-map',
    'In Progress=build,To Do=inception,Done=validate',
    ...extra,
  ];
  const projectCount = async () => (await h.call('GET', '/api/v1/projects')).json().items.length as number;

  beforeAll(async () => {
    h = await startHarness('pglite');
    const url = await h.app.listen({ port: 0, host: '127.0.0.1' });
    cli = await createSandbox({ inProcess: true });
    cli.env = { CLOS_URL: url, CLOS_TOKEN: ADMIN_TOKEN };
    await h.call('POST', '/api/v1/pods', { slug: 'ratio', name: 'Ratio', timezone: 'Europe/London' });
    await h.call('PUT', '/api/v1/pods/ratio/wip-limits/project', { limit: 10 });
    file = join(cli.home, 'pay-export.csv');
    await writeFile(file, JIRA);
  });
  afterAll(async () => {
    await h?.close();
    await cli?.cleanup();
  });

  it('a dry run prints what would change and writes nothing; the real run imports the good rows', async () => {
    const audit = (await h.call('GET', '/api/v1/audit/verify')).json().count;
    const dry = await clos(projectsImport('--dry-run'));
    // A row that would fail makes the dry run fail too, as a check.
    expect(dry.code, explain(dry)).toBe(1);
    expect(dry.stdout).toMatch(/^LINE\s+EXTERNAL ID\s+OUTCOME\s+DETAILS\n/);
    expect(dry.stdout).toMatch(/\n2\s+PAY-1\s+would create\s+stage build, pod ratio\n/);
    // The quoted line break puts PAY-3 on line 5 of the file.
    expect(dry.stdout).toMatch(/\n3\s+PAY-2\s+would create\s+stage inception, pod ratio\n/);
    expect(dry.stdout).toMatch(
      /\n5\s+PAY-3\s+failed\s+column "Summary": is required; column "Status": unknown stage "Doing" \(stages: /,
    );
    expect(dry.stdout).toContain(
      'dry run of pay-export: 3 project(s) would be created, 0 skipped, 1 failed; nothing was written',
    );
    expect(await projectCount()).toBe(0);
    expect((await h.call('GET', '/api/v1/audit/verify')).json().count).toBe(audit);

    const real = await clos(projectsImport());
    expect(real.code, explain(real)).toBe(1);
    expect(real.stdout).toMatch(
      /\n2\s+PAY-1\s+created\s+project refunds-partial \(stage build, pod ratio\)\n/,
    );
    expect(real.stdout).toMatch(/\n5\s+PAY-3\s+failed\s+column "Summary": is required/);
    expect(real.stdout).toContain('import of pay-export: 3 project(s) created, 0 skipped, 1 failed');
    const projects = (await h.call('GET', '/api/v1/projects')).json().items as Record<string, unknown>[];
    expect(projects.map((p) => [p.name, p.currentStage]).sort()).toEqual([
      ['Bank sync', 'validate'],
      ['Payouts "weekly"', 'inception'],
      ['Refunds, partial', 'build'],
    ]);
    // Jira's date was read as UTC and kept in the audit entry.
    const imported = (await h.call('GET', '/api/v1/audit?action=project.imported')).json().items;
    expect(imported.map((e: { after: { createdAt?: string } }) => e.after.createdAt).sort()).toEqual([
      '2026-01-05T10:00:00Z',
      '2026-03-02T09:05:00.000Z',
      undefined,
    ]);
  });

  it('a fixed file re-run skips what was imported and exits 0; --json prints the result', async () => {
    // The bad row fixed, and the Summary column read as the name through --map.
    await writeFile(file, JIRA.replace('PAY-3,,Doing', 'PAY-3,Ledger export,To Do'));
    const again = await clos(['--json', ...projectsImport('--map', 'Summary=name')]);
    expect(again.code, explain(again)).toBe(0);
    expect(again.json()).toMatchObject({
      dryRun: false,
      source: 'pay-export',
      created: 1,
      skipped: 3,
      failed: 0,
    });
    expect(again.json().rows.map((r: { outcome: string }) => r.outcome)).toEqual([
      'skipped',
      'skipped',
      'created',
      'skipped',
    ]);
    expect(await projectCount()).toBe(4);
  });

  it('imports ideas with a Plane export and names usage errors (exit 2)', async () => {
    const plane = join(cli.home, 'plane.csv');
    await writeFile(plane, 'ID,Name,Description,State\nIDEA-1,Dark mode,"Asked for, twice",Backlog\n');
    const ideas = await clos(['import', 'csv', plane, '--kind', 'ideas', '--source', 'plane-ideas']);
    expect(ideas.code, explain(ideas)).toBe(0);
    expect(ideas.stdout).toMatch(/\n2\s+IDEA-1\s+created\s+idea [0-9a-f-]{36}\n/);
    const listed = (await h.call('GET', '/api/v1/ideas')).json().items;
    expect(listed).toEqual([
      expect.objectContaining({ title: 'Dark mode', description: 'Asked for, twice' }),
    ]);

    const bad = await clos(['import', 'csv', plane, '--kind', 'ideas', '--map', 'State=stage']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--map "State=stage": "stage" is not a field of ideas');
  });
});
