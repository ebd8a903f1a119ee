import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REQUEST_DURATION_BUCKETS_MS } from '@clos/core';
import { createRepositories } from '@clos/db';
import { testEngines } from '@clos/testing';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { buildApp } from '../src/app.ts';
import { ADMIN_TOKEN, type Harness, startHarness } from './harness.ts';

// No evidence and no approvals: these tests are about when things happened, not about gates.
const OPEN_GATE = { evidence: { type: 'object' }, approvals: { count: 0 } };
const POLICY = {
  stages: [{ name: 'inception' }, { name: 'build', gate: OPEN_GATE }, { name: 'ship', gate: OPEN_GATE }],
  wip: {
    types: [
      { name: 'project', defaultLimit: 5 },
      { name: 'pull-request', defaultLimit: 1 },
    ],
  },
};
const TOP_SCORES = { impact: 5, confidence: 5, ease: 5, 'strategic-fit': 5 };
// The period asked about is the week of Monday 2 March 2026; the previous one is the week before.
const FROM = '2026-03-02T00:00:00.000Z';
const TO = '2026-03-09T00:00:00.000Z';
const PREVIOUS_FROM = '2026-02-23T00:00:00.000Z';
const NOW = '2026-03-09T12:00:00.000Z';
const BROWSER = 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8';

type Figure = {
  key: string;
  value: number | null;
  previous: number | null;
  change: number | null;
  met: boolean | null;
  reason: string | null;
  detail?: { label: string; value: number | null; previous: number | null }[];
};

describe.each(testEngines())('the success scorecard on %s', (engine) => {
  let h: Harness;
  let tmp: string;
  let pages: FastifyInstance;

  beforeAll(async () => {
    h = await startHarness(engine, POLICY);
    // The dashboard's page, served by a second app over the same services (and so the same clock).
    tmp = mkdtempSync(join(tmpdir(), 'clos-scorecard-'));
    mkdirSync(join(tmp, 'assets'));
    writeFileSync(join(tmp, 'index.html'), '<!doctype html><title>CLOS</title>');
    writeFileSync(join(tmp, 'assets', 'app-1.js'), 'console.log(1)');
    pages = await buildApp({ services: h.services, database: h.database, dashboardDir: tmp });
  });
  afterAll(async () => {
    await pages.close();
    await h.close();
    rmSync(tmp, { recursive: true, force: true });
  });
  beforeEach(async () => {
    await h.reset();
    // The bootstrap admin is created at the harness's reset time (2 March): back-date it, so the admin
    // is one of the accounts of both periods, as in a real organisation.
    await h.database.query(`update users set created_at = '2026-02-01T00:00:00Z'`);
  });

  const ok = async (method: string, url: string, body?: unknown, token?: string) => {
    const res = await h.call(method, url, body, token);
    expect(res.statusCode, `${method} ${url}: ${res.body}`).toBeLessThan(300);
    return res.json();
  };
  const at = (iso: string) => h.clock.set(iso);
  const sql = (text: string, params: unknown[] = []) => h.database.query(text, params);
  /** Fire-and-forget bookkeeping (active users, page views) lands shortly after the response. */
  async function settle(query: string, expected: number) {
    let last = -1;
    for (let i = 0; i < 500; i++) {
      const [row] = await sql(query);
      last = Number((row as { n: unknown }).n);
      if (last === expected) return;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    throw new Error(`${query}: ${last}, expected ${expected}`);
  }

  let versions = 0;
  /** A CI deployment of ratio at `iso`: every step up to prod succeeds, or the `failAt` step fails. */
  async function deploy(iso: string, failAt?: 'build' | 'prod') {
    at(iso);
    versions += 1;
    const d = await ok('POST', '/api/v1/deployments', { pod: 'ratio', version: `v${versions}` });
    for (const step of ['build', 'test', 'stage', 'prod'] as const) {
      await ok('POST', `/api/v1/deployments/${d.id}/steps`, {
        step,
        status: step === failAt ? 'failed' : 'succeeded',
      });
      if (step === failAt) return;
    }
  }

  /**
   * The organisation, day by day. "Previous" is 23 Feb – 1 Mar, "current" 2 – 8 Mar. Users who call
   * the API on a day are that day's active users: admin, and alice/bob/carol where noted.
   */
  async function history() {
    // 20 Feb (before both periods): people, pods, members.
    at('2026-02-20T09:00:00.000Z');
    const alice = await h.userWithToken('developer', { email: 'alice@example.com' });
    const bob = await h.userWithToken('developer', { email: 'bob@example.com' });
    const carol = await h.userWithToken('developer', { email: 'carol@example.com' });
    const dave = await h.userWithToken('developer', { email: 'dave@example.com' });
    const ratio = (await ok('POST', '/api/v1/pods', { slug: 'ratio', name: 'Ratio', timezone: 'UTC' })).id;
    const atlas = (await ok('POST', '/api/v1/pods', { slug: 'atlas', name: 'Atlas', timezone: 'UTC' })).id;
    for (const email of ['alice', 'bob', 'carol', 'dave'])
      await ok('POST', '/api/v1/pods/ratio/members', { email: `${email}@example.com` });

    // Idea I1, submitted 21 Feb, promoted 22 Feb into project P3 (inception).
    at('2026-02-21T10:00:00.000Z');
    const i1 = (await ok('POST', '/api/v1/ideas', { title: 'I1' })).id;
    await ok('POST', `/api/v1/ideas/${i1}/evaluations`, { scores: TOP_SCORES });
    await ok('POST', `/api/v1/ideas/${i1}/evaluations`, { scores: TOP_SCORES }, dave.token);
    at('2026-02-22T10:00:00.000Z');
    const p3 = (await ok('POST', `/api/v1/ideas/${i1}/promote`, { pod: 'ratio' })).project.id;

    // Previous period.
    at('2026-02-23T10:00:00.000Z');
    const p1 = (await ok('POST', '/api/v1/projects', { name: 'P1', pod: 'ratio' })).id;
    await deploy('2026-02-24T10:00:00.000Z'); // S1
    await ok('GET', '/api/v1/pods', undefined, alice.token);
    await ok('GET', '/api/v1/pods', undefined, bob.token);
    at('2026-02-25T10:00:00.000Z');
    await ok('POST', `/api/v1/projects/${p1}/advance`); // P1: 2 days in inception
    const i4 = (await ok('POST', '/api/v1/ideas', { title: 'I4' })).id;
    await ok('POST', `/api/v1/ideas/${i4}/evaluations`, { scores: TOP_SCORES });
    await deploy('2026-02-26T10:00:00.000Z', 'prod'); // F1
    await deploy('2026-02-26T10:50:00.000Z'); // S2: F1 recovered in 50 minutes
    at('2026-02-27T10:00:00.000Z');
    await ok('POST', `/api/v1/projects/${p3}/advance`); // P3: 5 days in inception

    // Current period.
    at('2026-03-02T10:00:00.000Z');
    const p2 = (await ok('POST', '/api/v1/projects', { name: 'P2', pod: 'ratio' })).id;
    await deploy('2026-03-03T09:00:00.000Z', 'prod'); // F2
    await deploy('2026-03-03T09:10:00.000Z', 'prod'); // F3: the same outage
    await deploy('2026-03-03T09:20:00.000Z'); // S3: F2 recovered in 20 minutes
    at('2026-03-03T10:00:00.000Z');
    await ok('POST', `/api/v1/projects/${p1}/advance`); // P1: 6 days in build
    const i2 = (await ok('POST', '/api/v1/ideas', { title: 'I2' })).id;
    await ok('POST', `/api/v1/ideas/${i2}/evaluations`, { scores: TOP_SCORES });
    at('2026-03-04T10:00:00.000Z');
    await ok('POST', `/api/v1/projects/${p1}/close`, { outcome: 'shipped' }); // P1: 1 day in ship
    const i3 = (await ok('POST', '/api/v1/ideas', { title: 'I3' })).id;
    await ok('POST', `/api/v1/ideas/${i3}/evaluations`, { scores: TOP_SCORES });
    await ok('POST', `/api/v1/ideas/${i3}/evaluations`, { scores: TOP_SCORES }, alice.token);
    await ok('POST', '/api/v1/pods/ratio/wip/pull-request/locks', { itemId: 'pr-1' }, alice.token);
    const refused = await h.call(
      'POST',
      '/api/v1/pods/ratio/wip/pull-request/locks',
      { itemId: 'pr-2' },
      bob.token,
    );
    expect(refused.statusCode).toBe(409);
    await deploy('2026-03-04T12:00:00.000Z'); // S4
    at('2026-03-05T10:00:00.000Z');
    await ok('POST', `/api/v1/projects/${p3}/advance`); // P3: 6 days in build; reaches ship 12 days after I1
    expect(
      (await h.call('POST', '/api/v1/pods/ratio/wip/pull-request/locks', { itemId: 'pr-3' }, bob.token))
        .statusCode,
    ).toBe(409);
    await deploy('2026-03-05T12:00:00.000Z'); // S5
    await deploy('2026-03-06T08:00:00.000Z', 'prod'); // F4
    await deploy('2026-03-06T08:40:00.000Z'); // S6: F4 recovered in 40 minutes
    at('2026-03-06T10:00:00.000Z');
    await ok('POST', `/api/v1/projects/${p2}/advance`); // P2: 4 days in inception
    await deploy('2026-03-07T10:00:00.000Z', 'build'); // never reached production: not counted

    // Weekly demos, written as the rhythm jobs leave them: W09 closed, W10 taking feedback.
    const [d0, d1] = [randomUUID(), randomUUID()];
    await sql(
      `insert into weekly_demos (id, pod_id, week, status, cutoff_at, created_at, closed_at) values
        ($1, $3, '2026-W09', 'closed', '2026-02-26T09:00:00Z', '2026-02-23T09:00:00Z', '2026-02-27T09:00:00Z'),
        ($2, $3, '2026-W10', 'feedback', '2026-03-05T09:00:00Z', '2026-03-02T09:00:00Z', null)`,
      [d0, d1, ratio],
    );
    const [s0, s1] = [randomUUID(), randomUUID()];
    await sql(
      `insert into demo_submissions (id, demo_id, user_id, title, created_at) values
        ($1, $3, $5, 'B demo', '2026-02-25T09:00:00Z'), ($2, $4, $6, 'A demo', '2026-03-04T09:00:00Z')`,
      [s0, s1, d0, d1, bob.userId, alice.userId],
    );
    await sql(
      `insert into demo_feedback (id, submission_id, user_id, score, created_at) values ($1, $2, $3, 2, '2026-02-26T10:00:00Z')`,
      [randomUUID(), s0, alice.userId],
    );
    await sql(
      `insert into demo_pulses (id, demo_id, user_id, score, created_at) values ($1, $2, $3, 6, '2026-02-26T10:00:00Z')`,
      [randomUUID(), d0, bob.userId],
    );
    at('2026-03-05T10:30:00.000Z');
    await ok('POST', `/api/v1/demo-submissions/${s1}/feedback`, { score: 4 }, bob.token);
    await ok('POST', `/api/v1/demo-submissions/${s1}/feedback`, { score: 5 }, carol.token);
    await ok('POST', `/api/v1/demo-submissions/${s1}/feedback`, { score: 3 }); // admin: not a member
    await ok('POST', `/api/v1/demos/${d1}/pulse`, { score: 7 }, alice.token);
    await ok('POST', `/api/v1/demos/${d1}/pulse`, { score: 9 }, bob.token);
    await ok('POST', `/api/v1/demos/${d1}/pulse`, { score: 10 }, bob.token); // replaces the 9

    // Pod health snapshots, WIP alerts and workflow runs, as their jobs write them.
    await sql(
      `insert into pod_health_snapshots (id, pod_id, metrics, components, score, recorded_at) values
        ($1, $5, '{}', '{}', 80, '2026-02-25T10:00:00Z'),
        ($2, $5, '{}', '{}', 70, '2026-03-03T10:00:00Z'),
        ($3, $5, '{}', '{}', 90, '2026-03-05T10:00:00Z'),
        ($4, $6, '{}', '{}', 60, '2026-03-04T10:00:00Z')`,
      [randomUUID(), randomUUID(), randomUUID(), randomUUID(), ratio, atlas],
    );
    await sql(
      `insert into alerts (id, key, kind, pod_id, subject_type, subject_id, severity, message, details, status, opened_at, last_seen_at, resolved_at) values
        ($1, 'wip:a', 'wip.limit_exceeded', $3::uuid, 'pod', $3::text, 'critical', 'above', '{"exceeded": true}', 'resolved', '2026-03-06T10:00:00Z', '2026-03-06T11:00:00Z', '2026-03-06T11:00:00Z'),
        ($2, 'wip:b', 'wip.limit_exceeded', $3::uuid, 'pod', $3::text, 'warning', 'at', '{"exceeded": false, "refused": true}', 'open', '2026-03-04T10:00:00Z', '2026-03-04T10:00:00Z', null)`,
      [randomUUID(), randomUUID(), ratio],
    );
    const run = (status: string, started: string) =>
      sql(
        `insert into workflow_runs (id, workflow, key, status, input, created_at, started_at, finished_at)
          values ($1, 'daily-rhythm', $2, $3::text, '{}', $4::timestamptz, $4::timestamptz,
            case when $3::text in ('succeeded', 'failed') then $4::timestamptz end)`,
        [randomUUID(), randomUUID(), status, started],
      );
    await run('succeeded', '2026-02-25T08:00:00Z');
    for (const day of ['03', '04', '05']) await run('succeeded', `2026-03-${day}T08:00:00Z`);
    await run('failed', '2026-03-06T08:00:00Z');
    await run('running', '2026-03-07T08:00:00Z');

    // Slack commands: 14 on 24 Feb, 3 on 3 Mar and 4 on 4 Mar (another metric does not count).
    const count = async (iso: string, times: number, metric = 'slack.command:/clos wip') => {
      at(iso);
      for (let i = 0; i < times; i++) await h.services.usage.count(metric);
    };
    await count('2026-02-24T12:00:00.000Z', 14);
    await count('2026-03-03T12:00:00.000Z', 3);
    await count('2026-03-04T12:00:00.000Z', 4, 'slack.command:/clos status');
    await count('2026-03-04T12:00:00.000Z', 9, 'github.webhook');

    // Dashboard page loads: 5 on 3 Mar, 2 on 6 Mar; its scripts and a missing file are not views.
    const load = (url: string, accept = BROWSER) => pages.inject({ method: 'GET', url, headers: { accept } });
    at('2026-03-03T12:00:00.000Z');
    for (const url of ['/', '/', '/index.html', '/projects/p1', '/scorecard'])
      expect((await load(url)).statusCode).toBe(200);
    expect((await load('/assets/app-1.js', '*/*')).statusCode).toBe(200);
    expect((await load('/assets/missing.js', '*/*')).statusCode).toBe(404);
    at('2026-03-06T12:00:00.000Z');
    for (const url of ['/', '/pods']) expect((await load(url)).statusCode).toBe(200);

    // Service minutes, as each process writes them: 3 March 10:00–10:09 is all CLOS ever recorded.
    const repos = createRepositories(h.database.db, randomUUID);
    const fast = [5, 3, 1, 1, 0, 0, 0, 0, 0, 0, 0];
    const slow = [0, 0, 0, 0, 0, 5, 5, 0, 0, 0, 0];
    expect(fast).toHaveLength(REQUEST_DURATION_BUCKETS_MS.length + 1);
    for (let m = 0; m < 10; m++) {
      if (m === 7) continue; // nobody recorded 10:07: down
      await repos.serviceMinutes.record({
        minute: new Date(`2026-03-03T10:0${m}:00Z`),
        instance: 'a',
        ready: m !== 3 && m !== 5,
        requests: 10,
        errors: m === 1 ? 1 : 0,
        durationBuckets: fast,
      });
    }
    // Process b, only at 10:03 (when a was not ready): 10:03 is up; written twice, the second replaces.
    const b = { minute: new Date('2026-03-03T10:03:00Z'), instance: 'b', ready: false, requests: 1 };
    await repos.serviceMinutes.record({
      ...b,
      errors: 0,
      durationBuckets: [1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
    });
    await repos.serviceMinutes.record({ ...b, ready: true, requests: 10, errors: 1, durationBuckets: slow });

    // Everything above was made by the admin on 20–27 Feb (8 days) and 2–7 Mar (6), alice on 24 Feb,
    // 4 and 5 Mar, bob on the same three days, carol on 5 Mar, dave on 21 Feb: 22 user-days.
    await settle('select count(*) as n from active_users', 22);
    await settle(`select coalesce(sum(count), 0) as n from usage_counts where metric = 'dashboard.view'`, 7);
    return { alice, bob, carol, d0, d1 };
  }

  const figures = async (query = `?from=${FROM}&to=${TO}`) => {
    at(NOW);
    const card = await ok('GET', `/api/v1/scorecard${query}`);
    return {
      card,
      byKey: Object.fromEntries(card.figures.map((f: Figure) => [f.key, f])) as Record<string, Figure>,
    };
  };

  it('computes every figure of both periods from what the organisation did', async () => {
    const { alice } = await history();
    // Every use by alice came with her API token.
    const vias = await sql('select distinct via from active_users where user_id = $1', [alice.userId]);
    expect(vias).toEqual([{ via: 'api' }]);
    const { card, byKey: f } = await figures();
    expect(card).toMatchObject({ from: FROM, to: TO, previousFrom: PREVIOUS_FROM });
    expect(card.figures.map((x: Figure & { group: string }) => `${x.group}:${x.key}`)).toEqual([
      'technical:availability',
      'technical:api_p95_ms',
      'technical:error_rate',
      'technical:deployment_frequency',
      'technical:mttr_minutes',
      'business:stage_cycle_time',
      'business:wip_violations_per_week',
      'business:ideas_evaluated_per_week',
      'business:pod_health_mean',
      'business:idea_to_production_days',
      'business:demo_attendance',
      'business:demo_feedback_score',
      'business:team_satisfaction',
      'adoption:daily_active_users',
      'adoption:slack_commands_per_day',
      'adoption:dashboard_views_per_day',
      'adoption:workflow_completion_rate',
    ]);

    // 10:00–10:09 expected (the first to the last minute recorded); 10:05 (a not ready, no b) and
    // 10:07 (no row) are down: 8 of 10. Nothing was recorded before the current period.
    expect(f.availability).toMatchObject({ value: 80, previous: null, met: false });
    expect(f.availability?.reason).toBeNull();
    // Buckets summed: 9 rows of a [5,3,1,1,…] + b's [0,0,0,0,0,5,5,…] = [45,27,9,9,0,5,5,…] of 100;
    // cumulative 45, 72, 81, 90, 90, 95 → 95 % reached in the ≤ 250 ms bucket.
    expect(f.api_p95_ms).toMatchObject({ value: 250, previous: null, met: false });
    // 2 errors (a at 10:01, b at 10:03) of 100 requests.
    expect(f.error_rate).toMatchObject({ value: 2, previous: null, met: false });
    // S3, S4, S5, S6 in 7 days = 0.571/day; previous S1, S2 = 0.286/day; change +100 %.
    expect(f.deployment_frequency).toMatchObject({ value: 0.571, previous: 0.286, change: 100, met: false });
    // Incidents F2 → S3 (20 min; F3 is the same outage) and F4 → S6 (40): mean 30, not under 30.
    // Previous: F1 → S2, 50 minutes.
    expect(f.mttr_minutes).toMatchObject({ value: 30, previous: 50, met: false });
    // Current stays: P2 inception 4 d, P1 build 6, P3 build 6, P1 ship 1 → (4+6+6+1)/4 = 4.25.
    // Previous: P1 inception 2, P3 inception 5 → 3.5. Change +21.4 %, the target is −50 %.
    expect(f.stage_cycle_time).toMatchObject({ value: 4.25, previous: 3.5, change: 21.4, met: false });
    expect(f.stage_cycle_time?.detail).toEqual([
      { label: 'inception', value: 4, previous: 3.5, unit: 'days' },
      { label: 'build', value: 6, previous: null, unit: 'days' },
      { label: 'ship', value: 1, previous: null, unit: 'days' },
    ]);
    // 2 refusals (pr-2, pr-3) + 1 alert opened above the limit (the one at the limit is a refusal's) in 1 week.
    expect(f.wip_violations_per_week).toMatchObject({ value: 3, previous: 0, change: null, met: true });
    // I2 and I3 (evaluated twice, one idea) this week; I4 the week before.
    expect(f.ideas_evaluated_per_week).toMatchObject({ value: 2, previous: 1, change: 100, met: false });
    // Latest per pod: ratio 90 (not 70), atlas 60 → 75; previous ratio 80.
    expect(f.pod_health_mean).toMatchObject({ value: 75, previous: 80, met: false });
    // I1 submitted 21 Feb 10:00, its project P3 entered ship 5 Mar 10:00: 12 days. No target.
    expect(f.idea_to_production_days).toMatchObject({ value: 12, previous: null, met: null });
    // W10: alice (submitted, pulse), bob (feedback, pulse), carol (feedback) of 4 members (dave did
    // nothing; admin is no member) = 75 %. W09: bob (submitted, pulse), alice (feedback) of 4 = 50 %.
    expect(f.demo_attendance).toMatchObject({ value: 75, previous: 50, met: null });
    // W10 feedback 4, 5, 3 → 4; W09: 2.
    expect(f.demo_feedback_score).toMatchObject({ value: 4, previous: 2, met: null });
    // W10 pulses: alice 7, bob 10 (his 9 replaced) → 8.5 > 8; W09: bob 6.
    expect(f.team_satisfaction).toMatchObject({ value: 8.5, previous: 6, met: true });
    // Current user-days: admin 2–7 Mar (6), alice 4–5 (2), bob 4–5 (2), carol 5 (1) = 11 over 7 days
    // = 1.571/day, of 5 accounts = 31.429 %. Previous: admin 23–27 Feb (5), alice and bob 24 Feb (2)
    // = 7 over 7 days = 1/day of 5 = 20 %.
    expect(f.daily_active_users).toMatchObject({ value: 31.429, previous: 20, met: false });
    // 7 commands in 7 days; 14 the week before.
    expect(f.slack_commands_per_day).toMatchObject({ value: 1, previous: 2, change: -50, met: false });
    // 7 page loads in 7 days; none before.
    expect(f.dashboard_views_per_day).toMatchObject({ value: 1, previous: 0, change: null, met: false });
    // Started this week: 3 succeeded, 1 failed, 1 still running → 3/4; the week before 1/1.
    expect(f.workflow_completion_rate).toMatchObject({ value: 75, previous: 100, met: false });

    // Without from/to: the last seven full days before today (9 March), the same period.
    const byDefault = await figures('');
    expect(byDefault.card).toMatchObject({ from: FROM, to: TO, previousFrom: PREVIOUS_FROM });
    expect(byDefault.card.figures).toEqual(card.figures);
  });

  it('answers every figure without data with a reason rather than a number', async () => {
    const { byKey: f } = await figures();
    for (const key of ['availability', 'api_p95_ms', 'error_rate', 'mttr_minutes', 'team_satisfaction'])
      expect(f[key], key).toMatchObject({
        value: null,
        previous: null,
        met: null,
        reason: expect.any(String),
      });
    // Counts over a period are zero, not missing.
    expect(f.deployment_frequency).toMatchObject({ value: 0, met: false, reason: null });
    // Only the admin exists, and calls no API in the period: 0 %.
    expect(f.daily_active_users).toMatchObject({ value: 0, previous: 0 });
  });

  it('refuses a bad period with a 400 naming the field', async () => {
    at(NOW);
    const fieldOf = async (query: string) => {
      const res = await h.call('GET', `/api/v1/scorecard?${query}`);
      expect(res.statusCode, query).toBe(400);
      return res.json().error.details.map((d: { path: string }) => d.path);
    };
    expect(await fieldOf('from=yesterday')).toEqual(['querystring.from']);
    expect(await fieldOf('to=2026-13-01T00:00:00Z')).toEqual(['querystring.to']);
    expect(await fieldOf(`from=${TO}&to=${FROM}`)).toEqual(['querystring.from']);
    expect(await fieldOf('to=2026-03-10T00:00:00Z')).toEqual(['querystring.to']);
    expect(await fieldOf(`from=2025-01-01T00:00:00Z&to=${TO}`)).toEqual(['querystring.from']);
    expect(await fieldOf('since=2026-03-01T00:00:00Z')).toEqual(['querystring.since']);
    // A viewer reads it; no token, no scorecard.
    const viewer = await h.userWithToken('viewer');
    expect((await h.call('GET', '/api/v1/scorecard', undefined, viewer.token)).statusCode).toBe(200);
    expect((await h.call('GET', '/api/v1/scorecard', undefined, null)).statusCode).toBe(401);
  });

  it('takes one pulse per member and demo, 1–10, until the demo closes', async () => {
    const { alice, bob, d0, d1 } = await history();
    at('2026-03-05T11:00:00.000Z');
    const pulse = (demo: string, score: unknown, token = alice.token) =>
      h.call('POST', `/api/v1/demos/${demo}/pulse`, { score }, token);
    const mine = await pulse(d1, 6);
    expect(mine.statusCode).toBe(201);
    expect(mine.json()).toMatchObject({ demoId: d1, userId: alice.userId, score: 6 });
    for (const score of [0, 11, 7.5, '8']) {
      const bad = await pulse(d1, score);
      expect(bad.statusCode, String(score)).toBe(400);
      expect(bad.json().error.details[0].path).toBe('body.score');
    }
    // The week that closed takes no more answers.
    const closed = await pulse(d0, 8);
    expect(closed.statusCode).toBe(409);
    expect(closed.json().error.message).toContain('closed');
    // Only members answer their pod's pulse; an unknown demo is a 404.
    expect((await pulse(d1, 8, ADMIN_TOKEN)).statusCode).toBe(403);
    expect((await pulse(randomUUID(), 8)).statusCode).toBe(404);
    // Audited, with the answer it replaced; not published as a domain event.
    const audit = (await ok('GET', '/api/v1/audit?action=demo.pulse_recorded')).items as {
      actorLabel: string;
      before: unknown;
      after: unknown;
    }[];
    expect(audit.map((e) => [e.actorLabel, e.before, e.after])).toEqual(
      expect.arrayContaining([
        ['bob@example.com', { score: 9 }, { pod: 'ratio', week: '2026-W10', score: 10 }],
        ['alice@example.com', { score: 7 }, { pod: 'ratio', week: '2026-W10', score: 6 }],
      ]),
    );
    expect(audit).toHaveLength(4);
    const [events] = await sql(`select count(*) as n from domain_events where type like 'demo.pulse%'`);
    expect(Number((events as { n: unknown }).n)).toBe(0);
    const [rows] = await sql('select count(*) as n from demo_pulses where demo_id = $1', [d1]);
    expect(Number((rows as { n: unknown }).n)).toBe(2);
    expect(bob.userId).toBeTruthy();
  });
});
