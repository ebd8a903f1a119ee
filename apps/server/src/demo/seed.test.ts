import { CHANGE_EVENT_TYPES, eventDefinitions } from '@clos/contract';
import { type Ctx, type DomainEventType, type Policy, SYSTEM_ACTOR, weekStart } from '@clos/core';
import { composeServices, type Database } from '@clos/db';
import { defaultPolicy, openTestDatabase } from '@clos/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEPLOYMENTS } from './data/activity.ts';
import { CLOSED_PROJECTS } from './data/history.ts';
import { PROJECTS } from './data/projects.ts';
import { sampleFromSchema, seedDemo } from './seed.ts';

const ctx: Ctx = { actor: SYSTEM_ACTOR, requestId: null };
const page = { limit: 500 };

async function projectsPerStage(database: Database, policy: Policy): Promise<Record<string, number>> {
  const services = composeServices({ database, policy });
  const counts: Record<string, number> = {};
  for (const stage of policy.stages)
    counts[stage.name] = (await services.stages.list(ctx, { stage: stage.name }, page)).items.length;
  return counts;
}

const tableCounts = (database: Database) =>
  database.query<{ projects: number; ideas: number; audit: number; head: number }>(
    `select (select count(*)::int from projects) as projects, (select count(*)::int from ideas) as ideas,
            (select count(*)::int from audit_events) as audit, (select sequence from audit_head) as head`,
  );

describe('seedDemo with the default policy', () => {
  const policy = defaultPolicy();
  let database: Database;
  let services: ReturnType<typeof composeServices>;
  let seeded: Record<string, number> | null;
  const startedAt = Date.now();

  beforeAll(async () => {
    database = await openTestDatabase('pglite');
    services = composeServices({ database, policy });
    seeded = await seedDemo(database, policy);
  });
  afterAll(() => database.close());

  it('returns what it created', () => {
    expect(seeded).toMatchObject({
      pods: 4,
      users: 13,
      projects: PROJECTS.length + CLOSED_PROJECTS.length,
      closed: CLOSED_PROJECTS.length,
      healthSnapshots: 24,
      deployments: DEPLOYMENTS.length,
      // Yesterday's recap and today's unblock and commit digest, per pod.
      digests: 12,
      demos: 4,
    });
    // Three of the ideas are this week's, left out only in the first quarter hour of a week.
    expect(seeded!.ideas).toBeGreaterThanOrEqual(8);
    expect(seeded!.locks).toBeGreaterThanOrEqual(PROJECTS.length);
  });

  it('does nothing the second time', async () => {
    const before = await tableCounts(database);
    expect(await seedDemo(database, policy)).toBeNull();
    expect(await tableCounts(database)).toEqual(before);
  });

  it('gives every project the key its seed names, promoted ones included', async () => {
    const all = (await services.stages.list(ctx, {}, page)).items;
    expect(all.map((p) => [p.name, p.key]).sort()).toEqual(
      [...PROJECTS, ...CLOSED_PROJECTS].map((p) => [p.name, p.key]).sort(),
    );
    expect((await services.stages.get(ctx, 'refunds')).ideaId).not.toBeNull();
  });

  it('has a project at every stage, and a blocked one', async () => {
    const perStage = await projectsPerStage(database, policy);
    for (const stage of policy.stages) expect(perStage[stage.name], stage.name).toBeGreaterThanOrEqual(1);
    const blocked = await services.stages.list(ctx, { blocked: true }, page);
    expect(blocked.items.length).toBeGreaterThanOrEqual(1);
    expect(blocked.items[0]!.blockedReason).toBeTruthy();
  });

  it('has pod ratio, exactly at its project WIP limit, with pull-request locks', async () => {
    expect((await services.pods.get(ctx, 'ratio')).name).toBe('Ratio');
    const status = await services.wip.getStatus(ctx, 'ratio');
    const project = status.types.find((t) => t.itemType === 'project')!;
    expect(project.used).toBe(project.limit);
    const prs = status.types.find((t) => t.itemType === 'pull-request')!;
    expect(prs.holders.map((h) => h.itemId)).toContain('ratio/web#412');
  });

  it('has ideas pending, promoted and archived', async () => {
    for (const status of ['pending', 'promoted', 'archived'] as const)
      expect((await services.ideas.list(ctx, { status }, page)).items.length, status).toBeGreaterThanOrEqual(
        1,
      );
  });

  it('has six weeks of health per pod, one pod below 70 at the end', async () => {
    const pods = (await services.pods.list(ctx, page)).items;
    const latest: number[] = [];
    for (const pod of pods) {
      const history = await services.pods.healthHistory(ctx, pod.slug, 100);
      expect(history.length, pod.slug).toBeGreaterThanOrEqual(6);
      latest.push(history[0]!.score);
    }
    expect(Math.min(...latest)).toBeLessThan(70);
  });

  it('tells a story on first sight: shipped and cancelled projects, a failed deployment, digests, a demo', async () => {
    const closed = await services.stages.list(ctx, { closed: true }, page);
    const outcomes = closed.items.map((p) => p.outcome);
    expect(outcomes).toContain('shipped');
    expect(outcomes).toContain('cancelled');
    const [deploys] = await database.query<{ failed: number; recent: number }>(
      `select count(*) filter (where status = 'failed')::int as failed,
              count(*) filter (where status = 'failed' and started_at > now() - interval '3 days')::int as recent
         from deployments`,
    );
    expect(deploys!.failed).toBeGreaterThanOrEqual(2);
    expect(deploys!.recent).toBeGreaterThanOrEqual(1);
    const today = await services.rhythms.today(ctx, 'ratio');
    // The seed ends a quarter hour before now: in the pod's first quarter hour of a day, that was yesterday.
    if (today.commitments.length > 0) {
      expect(today.digests.unblock).not.toBeNull();
      expect(today.digests.commit).not.toBeNull();
    }
    const [digests] = await database.query<{ n: number }>('select count(*)::int as n from rhythm_digests');
    expect(digests!.n).toBe(12);
    const demo = await services.demos.current(ctx, 'ratio');
    // Collecting until its cutoff (Friday 13:00 in the pod's zone), presented after it.
    expect(demo?.status).toBe(Date.now() < demo!.cutoffAt.getTime() ? 'collecting' : 'feedback');
    expect(demo?.submissions.map((s) => s.title)).toEqual(['New checkout address form']);
  });

  it('shows a filled scorecard for the default period (the last seven full days)', async () => {
    const card = await services.scorecard.get(ctx);
    const byKey = Object.fromEntries(card.figures.map((f) => [f.key, f]));
    // Last week's demo closes on Friday: from Saturday to Monday's midnight the default week holds
    // none, and the demo figures are read from the week before.
    const weekend = [0, 6].includes(new Date().getUTCDay());
    const demoFigures = ['demo_attendance', 'demo_feedback_score', 'team_satisfaction'];
    for (const f of card.figures) {
      const shown = weekend && demoFigures.includes(f.key) ? f.previous : f.value;
      expect(shown, `${f.key}: ${f.reason}`).not.toBeNull();
    }
    // The seeded outage of this week is 4 minutes; the week before, 15.
    expect(byKey.availability!.value).toBeGreaterThan(99.9);
    expect(byKey.availability!.previous).toBeLessThan(99.9);
    expect(byKey.api_p95_ms!.value).toBe(50);
    expect(byKey.mttr_minutes!.met).toBe(true);
    expect(byKey.pod_health_mean!.value).toBeGreaterThan(0);
    expect(byKey.workflow_completion_rate!.value).toBeGreaterThan(90);
  });

  it('has ideas of this week, and weeks of history for the trends', async () => {
    const overview = await services.dashboard.overview(ctx);
    if (Date.now() - weekStart(new Date()).getTime() > 20 * 60_000)
      expect(overview.ideas.submittedThisWeek).toBeGreaterThanOrEqual(3);
    const t = await services.trends.trends(ctx, { weeks: 12 });
    const open = t.weeks.map((_, i) => t.cumulativeFlow.reduce((n, s) => n + s.counts[i]!, 0));
    // Nine weeks of history: the last nine weeks of twelve have open projects, the first ones none.
    expect(open.filter((n) => n > 0).length).toBeGreaterThanOrEqual(8);
    expect(t.closed.shipped.at(-1)).toBe(CLOSED_PROJECTS.filter((p) => p.end.outcome === 'shipped').length);
    expect(t.throughput.shipped.filter((n) => n > 0).length).toBeGreaterThanOrEqual(4);
    expect(t.cycleTime.some((s) => s.medianDays.filter((d) => d !== null).length >= 4)).toBe(true);
    expect(t.ideas.submitted.filter((n) => n > 0).length).toBeGreaterThanOrEqual(5);
    expect(t.wip.pods.some((p) => p.cells.some((c) => c.used.filter((n) => n > 0).length >= 8))).toBe(true);
  });

  it('records a member rotation', async () => {
    const atlas = await services.pods.members(ctx, 'atlas', true);
    expect(atlas.some((m) => m.leftAt !== null)).toBe(true);
  });

  it('spreads the history over the nine weeks before now, with an intact audit chain', async () => {
    const [span] = await database.query<{ first: Date; last: Date }>(
      'select min(occurred_at) as first, max(occurred_at) as last from audit_events',
    );
    const first = new Date(span!.first).getTime();
    const last = new Date(span!.last).getTime();
    expect(last).toBeLessThanOrEqual(Date.now());
    expect(first).toBeLessThan(startedAt - 61 * 86_400_000);
    expect(first).toBeGreaterThan(startedAt - 64 * 86_400_000);
    expect(await services.audit.verify(ctx)).toMatchObject({ ok: true });
  });

  it('published, for each audited change that is an event, one event whose payload its schema accepts', async () => {
    const events = await database.query<{ type: DomainEventType; data: unknown; subject_id: string }>(
      'select type, data, subject_id from domain_events order by position',
    );
    const [audited] = await database.query<{ n: number }>(
      `select count(*)::int as n from audit_events where action = any($1)`,
      [CHANGE_EVENT_TYPES],
    );
    // Signals (a digest produced, a demo opened) are events without an audited change behind them.
    expect(events.filter((e) => (CHANGE_EVENT_TYPES as string[]).includes(e.type)).length).toBe(audited!.n);
    expect(new Set(events.map((e) => e.type)).size).toBeGreaterThanOrEqual(15);
    for (const e of events) {
      const parsed = eventDefinitions[e.type].data.safeParse(e.data);
      expect(parsed.error?.issues, `${e.type} ${e.subject_id}`).toBeUndefined();
    }
  });
});

describe('seedDemo with a custom policy', () => {
  const gate = {
    evidence: {
      type: 'object',
      required: ['summary', 'link', 'ok'],
      properties: {
        summary: { type: 'string', minLength: 20 },
        link: { type: 'string', format: 'uri' },
        ok: { const: true },
      },
      additionalProperties: false,
    },
    approvals: { count: 1, roles: ['admin'] },
  };
  const policy = defaultPolicy({
    stages: [{ name: 'todo' }, { name: 'doing', gate }, { name: 'done', gate }],
  });

  it('satisfies gates it was not written for, from their schemas', async () => {
    const database = await openTestDatabase('pglite');
    try {
      expect(await seedDemo(database, policy)).not.toBeNull();
      const perStage = await projectsPerStage(database, policy);
      expect(Object.keys(perStage)).toEqual(['todo', 'doing', 'done']);
      for (const count of Object.values(perStage)) expect(count).toBeGreaterThanOrEqual(1);
      expect(await composeServices({ database, policy }).audit.verify(ctx)).toMatchObject({ ok: true });
    } finally {
      await database.close();
    }
  });
});

describe('sampleFromSchema', () => {
  const sampleCtx = {
    subject: 'Checkout',
    email: 'owner@example.com',
    urlBase: 'https://docs.example.com/x',
    at: new Date('2026-03-02T09:00:00Z'),
  };

  it('fills required fields by type and format, and prefers fitting hints', () => {
    const schema = {
      type: 'object',
      required: ['title', 'owner', 'url', 'items', 'count', 'done', 'kind'],
      properties: {
        title: { type: 'string', minLength: 30 },
        owner: { type: 'string', format: 'email' },
        url: { type: 'string', format: 'uri' },
        items: { type: 'array', items: { type: 'string' } },
        count: { type: 'integer', minimum: 3 },
        done: { type: 'boolean' },
        kind: { enum: ['a', 'b'] },
        optional: { type: 'string' },
      },
    };
    const value = sampleFromSchema(schema, sampleCtx, { items: ['hinted'], count: 'not a number' }) as Record<
      string,
      unknown
    >;
    expect((value.title as string).length).toBeGreaterThanOrEqual(30);
    expect(value).toMatchObject({
      owner: 'owner@example.com',
      url: 'https://docs.example.com/x/url',
      items: ['hinted'],
      count: 3,
      done: true,
      kind: 'a',
    });
    expect(value).not.toHaveProperty('optional');
  });
});
