import { testEngines } from '@clos/testing';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type Harness, startHarness } from './harness.ts';

// A Jira CSV export as `clos import csv` sends it: one row per issue, its CSV line kept.
const BATCH = [
  {
    line: 2,
    externalId: 'PAY-1',
    name: 'Refunds, partial',
    pod: 'ratio',
    stage: 'build',
    key: 'refunds',
    createdAt: '2025-11-03T10:00:00Z',
  },
  { line: 3, externalId: 'PAY-2', name: 'Say "hi"\nthen leave', pod: 'ratio' },
  // Missing name, unknown pod, unknown stage: reported, nothing of it written.
  { line: 5, externalId: 'PAY-3', pod: 'nowhere', stage: 'doing' },
  {
    line: 6,
    externalId: 'PAY-4',
    name: 'Bank sync',
    pod: 'ledger',
    stage: 'validate',
    blockedReason: 'waiting on the bank',
  },
];

describe.each(testEngines())('imports on %s', (engine) => {
  let h: Harness;

  const importProjects = (body: Record<string, unknown>, token?: string) =>
    h.call('POST', '/api/v1/imports/projects', { source: 'jira-pay', ...body }, token);
  const count = async (table: string, where = 'true', params: unknown[] = []) =>
    Number(
      (
        await h.database.query<{ n: number }>(
          `select count(*)::int as n from ${table} where ${where}`,
          params,
        )
      )[0]!.n,
    );
  const auditHead = async () => (await h.call('GET', '/api/v1/audit/verify')).json().count as number;
  const audit = async (action: string) =>
    (await h.call('GET', `/api/v1/audit?action=${action}&limit=200`)).json().items as {
      subjectId: string;
      after: Record<string, unknown>;
    }[];
  const projects = async () =>
    (await h.call('GET', '/api/v1/projects?limit=200')).json().items as {
      id: string;
      key: string;
      name: string;
      currentStage: string;
      blockedReason: string | null;
      wipLockId: string | null;
    }[];

  beforeAll(async () => {
    h = await startHarness(engine);
  });
  afterAll(() => h.close());
  beforeEach(async () => {
    await h.reset();
    for (const slug of ['ratio', 'ledger'])
      await h.call('POST', '/api/v1/pods', { slug, name: slug, timezone: 'Europe/London' });
  });

  it('creates the good rows at their stages with their audit, reports the bad row, and a re-run skips', async () => {
    const res = await importProjects({ rows: BATCH });
    expect(res.statusCode, res.body).toBe(200);
    const result = res.json();
    expect(result).toMatchObject({
      dryRun: false,
      source: 'jira-pay',
      kind: 'projects',
      created: 3,
      skipped: 0,
      failed: 1,
    });
    expect(result.rows.map((r: { line: number; outcome: string }) => [r.line, r.outcome])).toEqual([
      [2, 'created'],
      [3, 'created'],
      [5, 'failed'],
      [6, 'created'],
    ]);
    expect(result.rows[0]).toMatchObject({
      externalId: 'PAY-1',
      pod: 'ratio',
      stage: 'build',
      key: 'refunds',
    });
    const bad = result.rows[2];
    expect(bad.id).toBeUndefined();
    expect(bad.problems.map((p: { field: string; code: string }) => [p.field, p.code])).toEqual([
      ['name', 'required'],
      ['pod', 'unknown_pod'],
      ['stage', 'unknown_stage'],
    ]);
    expect(bad.problems[2].message).toContain('unknown stage "doing" (stages: inception, discovery, build');

    const all = await projects();
    expect(all).toHaveLength(3);
    const byName = new Map(all.map((p) => [p.name, p]));
    expect(byName.get('Refunds, partial')).toMatchObject({
      key: 'refunds',
      currentStage: 'build',
      blockedReason: null,
    });
    expect(byName.get('Say "hi"\nthen leave')).toMatchObject({ currentStage: 'inception' });
    expect(byName.get('Bank sync')).toMatchObject({
      currentStage: 'validate',
      blockedReason: 'waiting on the bank',
    });
    // Each holds its pod's project WIP slot, as a created project does.
    expect(all.every((p) => p.wipLockId !== null)).toBe(true);
    expect(result.rows[0].id).toBe(byName.get('Refunds, partial')!.id);

    // The move to the tracker's stage is one imported transition: no approvals, its origin as evidence.
    const timeline = (await h.call('GET', `/api/v1/projects/${result.rows[0].id}`)).json();
    expect(
      timeline.transitions.map((t: { fromStage: string | null; toStage: string }) => [
        t.fromStage,
        t.toStage,
      ]),
    ).toEqual([
      [null, 'inception'],
      ['inception', 'build'],
    ]);
    expect(timeline.transitions[1]).toMatchObject({
      evidence: { imported: { source: 'jira-pay', externalId: 'PAY-1' } },
      approvedBy: [],
    });

    const imported = await audit('project.imported');
    expect(imported).toHaveLength(3);
    expect(imported.find((e) => e.subjectId === result.rows[0].id)!.after).toEqual({
      stage: 'build',
      pod: 'ratio',
      source: 'jira-pay',
      externalId: 'PAY-1',
      createdAt: '2025-11-03T10:00:00Z',
    });
    expect(await audit('project.created')).toHaveLength(3);
    expect(await count('domain_events', "type = 'project.imported'")).toBe(3);
    expect((await audit('import.completed')).map((e) => e.after)).toEqual([
      { source: 'jira-pay', kind: 'projects', created: 3, skipped: 0, failed: 1, dryRun: false },
    ]);
    // Audit-only: the summary is not a domain event.
    expect(await count('domain_events', "type = 'import.completed'")).toBe(0);
    expect(await count('import_records')).toBe(3);
    expect(await count('import_records', "external_id = 'PAY-3'")).toBe(0);

    const again = (await importProjects({ rows: BATCH })).json();
    expect(again).toMatchObject({ created: 0, skipped: 3, failed: 1 });
    expect(again.rows.map((r: { outcome: string }) => r.outcome)).toEqual([
      'skipped',
      'skipped',
      'failed',
      'skipped',
    ]);
    expect(again.rows[0].id).toBe(result.rows[0].id);
    expect(await projects()).toHaveLength(3);
    // Another source is another import: the same external ids are new there.
    const other = (
      await importProjects({ source: 'plane', rows: [{ externalId: 'PAY-1', name: 'Other', pod: 'ledger' }] })
    ).json();
    expect(other).toMatchObject({ created: 1, skipped: 0 });
  });

  it('a dry run reports what would happen and writes nothing at all', async () => {
    await importProjects({ rows: [BATCH[1]] });
    await h.sealAudit();
    const tables = [
      'projects',
      'stage_transitions',
      'wip_locks',
      'import_records',
      'domain_events',
      'audit_events',
      'audit_pending',
    ];
    const before = await Promise.all(tables.map((t) => count(t)));
    const head = await auditHead();

    const rows = [
      ...BATCH,
      // The ratio pod holds 1 of 3 project slots: two more fit, the third would not.
      { line: 7, externalId: 'PAY-5', name: 'Five', pod: 'ratio' },
      { line: 8, externalId: 'PAY-6', name: 'Six', pod: 'ledger', key: 'refunds' },
      { line: 9, externalId: 'PAY-7', name: 'Seven', pod: 'ratio' },
    ];
    const res = await importProjects({ rows, dryRun: true });
    expect(res.statusCode, res.body).toBe(200);
    const result = res.json();
    expect(result).toMatchObject({ dryRun: true, created: 3, skipped: 1, failed: 3 });
    expect(result.rows.map((r: { outcome: string }) => r.outcome)).toEqual([
      'would_create',
      'skipped',
      'failed',
      'would_create',
      'would_create',
      'failed',
      'failed',
    ]);
    expect(result.rows[0]).toMatchObject({ pod: 'ratio', stage: 'build', key: 'refunds' });
    expect(result.rows[3]).toMatchObject({ pod: 'ledger', stage: 'validate' });
    expect(result.rows[4]).toMatchObject({ pod: 'ratio', stage: 'inception' });
    expect(result.rows[5].problems).toEqual([
      { field: 'key', code: 'duplicate', message: 'key "refunds" is also on line 2' },
    ]);
    // The ratio pod would be full by line 9.
    expect(result.rows[6].problems).toEqual([
      expect.objectContaining({ field: 'pod', code: 'wip_limit_exceeded' }),
    ]);

    expect(await Promise.all(tables.map((t) => count(t)))).toEqual(before);
    expect(await auditHead()).toBe(head);
  });

  it('a full pod fails its own row only, leaving nothing of it', async () => {
    await h.call('PUT', '/api/v1/pods/ratio/wip-limits/project', { limit: 1 });
    const res = await importProjects({
      rows: [
        { externalId: 'A-1', name: 'First', pod: 'ratio', stage: 'discovery' },
        { externalId: 'A-2', name: 'Second', pod: 'ratio', stage: 'build' },
        { externalId: 'A-3', name: 'Third', pod: 'ledger' },
      ],
    });
    const result = res.json();
    expect(res.statusCode).toBe(200);
    expect(result.rows.map((r: { outcome: string }) => r.outcome)).toEqual(['created', 'failed', 'created']);
    // Without a client line number a row is reported under its position.
    expect(result.rows[1]).toMatchObject({ line: 2, externalId: 'A-2' });
    expect(result.rows[1].problems).toEqual([
      expect.objectContaining({ field: 'pod', code: 'wip_limit_exceeded' }),
    ]);
    expect((await projects()).map((p) => p.name).sort()).toEqual(['First', 'Third']);
    expect(await count('import_records', "external_id = 'A-2'")).toBe(0);
    expect(await count('stage_transitions', "to_stage = 'build'")).toBe(0);
    await h.sealAudit();
    expect(await count('audit_events', "action = 'project.created'")).toBe(2);
  });

  it('a pod lead imports into their own pods only; a developer may not import projects', async () => {
    const lead = await h.userWithToken('pod-lead', { pods: ['ratio'] });
    const rows = [
      { externalId: 'L-1', name: 'Mine', pod: 'ratio' },
      { externalId: 'L-2', name: 'Theirs', pod: 'ledger' },
    ];
    const result = (await importProjects({ rows }, lead.token)).json();
    expect(result).toMatchObject({ created: 1, failed: 1 });
    expect(result.rows[1].problems).toEqual([
      { field: 'pod', code: 'forbidden', message: 'you may not import into pod "ledger"' },
    ]);
    expect((await projects()).map((p) => p.name)).toEqual(['Mine']);

    const dev = await h.userWithToken('developer');
    const refused = await importProjects({ rows }, dev.token);
    expect(refused.statusCode).toBe(403);
    expect(await projects()).toHaveLength(1);
  });

  it('imports ideas into the ledger, crediting their submitter, with per-row problems', async () => {
    const dev = await h.userWithToken('developer', { email: 'dev@example.com' });
    const res = await h.call(
      'POST',
      '/api/v1/imports/ideas',
      {
        source: 'plane-ideas',
        rows: [
          {
            externalId: 'IDEA-1',
            title: 'Dark mode',
            description: 'Asked, twice',
            pod: 'ratio',
            submittedBy: 'DEV@example.com',
          },
          { externalId: 'IDEA-2', title: 'Faster exports' },
          { externalId: 'IDEA-3', title: '   ', submittedBy: 'nobody@example.com', priority: 'high' },
        ],
      },
      dev.token,
    );
    expect(res.statusCode, res.body).toBe(200);
    const result = res.json();
    expect(result).toMatchObject({ kind: 'ideas', created: 2, failed: 1 });
    expect(result.rows[0]).toMatchObject({ outcome: 'created', pod: 'ratio' });
    expect(result.rows[2].problems.map((p: { field: string; code: string }) => [p.field, p.code])).toEqual([
      ['priority', 'unknown_field'],
      ['title', 'required'],
      ['submittedBy', 'unknown_user'],
    ]);
    const ideas = (await h.call('GET', '/api/v1/ideas')).json().items as Record<string, unknown>[];
    expect(ideas).toHaveLength(2);
    const byTitle = new Map(ideas.map((i) => [i.title, i]));
    expect(byTitle.get('Dark mode')).toMatchObject({
      description: 'Asked, twice',
      submittedBy: dev.userId,
      status: 'pending',
    });
    expect(byTitle.get('Faster exports')).toMatchObject({ submittedBy: dev.userId, podId: null });
    // Submitted for a pod, the idea holds one of its idea slots, as a submission does.
    expect(await count('wip_locks', "item_type = 'idea' and item_id = $1", [result.rows[0].id])).toBe(1);
    const submitted = await audit('idea.submitted');
    expect(submitted).toHaveLength(2);
    expect((await h.call('GET', '/api/v1/audit?action=idea.submitted')).json().items[0].reason).toMatch(
      /^imported from plane-ideas \(IDEA-/,
    );
    const again = (
      await h.call('POST', '/api/v1/imports/ideas', {
        source: 'plane-ideas',
        rows: [{ externalId: 'IDEA-1', title: 'Dark mode' }],
      })
    ).json();
    expect(again.rows[0]).toMatchObject({ outcome: 'skipped', id: result.rows[0].id });
  });

  it('two imports of the same rows at once create each row once', async () => {
    const rows = Array.from({ length: 3 }, (_, i) => ({
      externalId: `C-${i}`,
      name: `Concurrent ${i}`,
      pod: 'ledger',
    }));
    const results = (await Promise.all([importProjects({ rows }), importProjects({ rows })])).map((r) =>
      r.json(),
    );
    expect(results.map((r) => r.created + r.skipped)).toEqual([3, 3]);
    expect(results[0].created + results[1].created).toBe(3);
    expect(results.flatMap((r) => r.rows).every((r: { id?: string }) => r.id)).toBe(true);
    expect(await projects()).toHaveLength(3);
    expect(await count('import_records')).toBe(3);
  });

  it('documents both routes in the OpenAPI document', async () => {
    const spec = (await h.call('GET', '/api/v1/openapi.json')).json();
    expect(Object.keys(spec.paths)).toEqual(
      expect.arrayContaining(['/api/v1/imports/projects', '/api/v1/imports/ideas']),
    );
    expect(spec.paths['/api/v1/imports/projects'].post.operationId).toBe('importProjects');
  });

  it('refuses a malformed request with 400 naming the field, and writes nothing', async () => {
    const head = await auditHead();
    const notArray = await importProjects({ rows: { externalId: 'X' } });
    expect(notArray.statusCode).toBe(400);
    expect(notArray.json().error.message).toContain('rows');
    const tooMany = await importProjects({
      rows: Array.from({ length: 5001 }, (_, i) => ({ externalId: `X-${i}` })),
    });
    expect(tooMany.statusCode).toBe(400);
    expect(tooMany.json().error.message).toContain('at most 5000 rows');
    const noSource = await h.call('POST', '/api/v1/imports/projects', { source: ' ', rows: [] });
    expect(noSource.statusCode).toBe(400);
    expect(noSource.json().error.message).toContain('source');
    const notRow = await importProjects({ rows: ['PAY-1'] });
    expect(notRow.statusCode).toBe(400);
    expect(notRow.json().error.message).toContain('rows');
    expect(await auditHead()).toBe(head);
  });
});
