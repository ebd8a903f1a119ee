import { defaultPolicy, testEngines } from '@clos/testing';
import { executeRun, RUN_QUEUE, type WorkflowDefinition } from '@clos/workflows';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type Harness, startHarness } from './harness.ts';

// 1 April 2026, 10:00 in Paris (summer time, UTC+2) is 08:00 UTC.
const ROTATION_AT = '2026-04-01T08:00:00.000Z';

const POLICY = {
  rotation: {
    enabled: true,
    dayOfMonth: 1,
    time: '10:00',
    timezone: 'Europe/Paris',
    exchanges: [['ratio', 'atlas', 'nova']],
    minPodSize: 3,
    exempt: ['veteran@example.com'],
    movesPerPod: 1,
  },
  // Only the rotation's schedule matters here.
  rhythms: { daily: { enabled: false }, weeklyDemo: { enabled: false } },
};

describe.each(testEngines())('monthly rotation on %s', (engine) => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness(engine, POLICY, undefined, { runtime: true });
  });
  afterAll(() => h.close());

  /** Creates the user and adds them to `pod` as of `joined` (tenure is measured from it). */
  const join = async (pod: string, email: string, joined: string, podRole: 'lead' | 'member' = 'member') => {
    h.clock.set(joined);
    const user = await h.call('POST', '/api/v1/users', { email, name: email, role: 'developer' });
    expect(user.statusCode, user.body).toBe(201);
    const added = await h.call('POST', `/api/v1/pods/${pod}/members`, { email, podRole });
    expect(added.statusCode, added.body).toBeLessThan(300);
  };

  const members = async (pod: string) =>
    ((await h.call('GET', `/api/v1/pods/${pod}/status`)).json().members as { email: string }[])
      .map((m) => m.email)
      .sort();

  const rotationRuns = async () =>
    (await h.call('GET', '/api/v1/workflows/runs?workflow=monthly-rotation')).json().items as {
      id: string;
      status: string;
      key: string;
    }[];

  const tickAt = async (at: string) => {
    h.clock.set(at);
    const started = await h.runtime!.tick(new Date(at));
    await h.drain();
    return started;
  };

  beforeEach(async () => {
    await h.reset();
    for (const slug of ['ratio', 'atlas', 'nova'])
      await h.call('POST', '/api/v1/pods', { slug, name: slug, timezone: 'Europe/London' });
    // ratio: 4 (a lead, an exempt veteran, r1 and r2); atlas: 3 (amy and bob joined together);
    // nova: 2, already below the minimum of 3, so it only receives. Joined in this order (the clock
    // only moves forward): earlier is longer tenure.
    await join('ratio', 'veteran@example.com', '2026-03-03T00:00:00Z');
    await join('nova', 'nova-lead@example.com', '2026-03-03T00:00:00Z', 'lead');
    await join('ratio', 'ratio-lead@example.com', '2026-03-04T00:00:00Z', 'lead');
    await join('nova', 'n1@example.com', '2026-03-05T00:00:00Z');
    await join('ratio', 'r1@example.com', '2026-03-06T00:00:00Z');
    await join('atlas', 'bob@example.com', '2026-03-07T00:00:00Z');
    await join('atlas', 'amy@example.com', '2026-03-07T00:00:00Z');
    await join('ratio', 'r2@example.com', '2026-03-08T00:00:00Z');
    await join('atlas', 'a3@example.com', '2026-03-09T00:00:00Z');
    h.clock.set('2026-03-31T12:00:00Z');
  });

  it('previews the moves without making them; pod leads and admins may, developers may not', async () => {
    const preview = await h.call('POST', '/api/v1/rotation/preview');
    expect(preview.statusCode, preview.body).toBe(200);
    expect(preview.json()).toMatchObject({ enabled: true, nextRunAt: ROTATION_AT, missingPods: [] });
    expect(preview.json().moves.map((m: { email: string; from: string; to: string }) => m)).toEqual([
      expect.objectContaining({ email: 'r1@example.com', from: 'ratio', to: 'atlas' }),
      expect.objectContaining({ email: 'amy@example.com', from: 'atlas', to: 'nova' }),
    ]);
    const lead = await h.userWithToken('pod-lead', { pods: ['ratio'] });
    expect((await h.call('POST', '/api/v1/rotation/preview', undefined, lead.token)).statusCode).toBe(200);
    const dev = await h.userWithToken('developer');
    expect((await h.call('POST', '/api/v1/rotation/preview', undefined, dev.token)).statusCode).toBe(403);
    expect((await h.call('GET', '/api/v1/audit?action=pod.member_rotated')).json().items).toHaveLength(0);
    expect(await members('ratio')).toContain('r1@example.com');
  });

  it('fires once on the configured day at the local time, then moves the proposed members', async () => {
    // The day before at the same time, and the day itself before 10:00 in Paris (08:00 UTC is
    // 10:00 there; 10:00 UTC would be noon), start nothing.
    expect(await tickAt('2026-03-31T08:00:00.000Z')).toEqual([]);
    expect(await tickAt('2026-04-01T07:59:00.000Z')).toEqual([]);
    expect(await rotationRuns()).toHaveLength(0);

    expect(await tickAt(ROTATION_AT)).toHaveLength(1);
    // Ticking again (later, or from another worker) starts nothing more.
    expect(await tickAt('2026-04-01T08:05:00.000Z')).toEqual([]);
    expect(await tickAt('2026-04-01T08:30:00.000Z')).toEqual([]);

    const runs = await rotationRuns();
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({ status: 'succeeded', key: 'monthly-rotation:2026-04-01' });
    const detail = (await h.call('GET', `/api/v1/workflows/runs/${runs[0]!.id}`)).json();
    expect(detail.steps.map((s: { name: string; status: string }) => [s.name, s.status])).toEqual([
      ['propose', 'succeeded'],
      ['apply', 'succeeded'],
      ['notify', 'succeeded'],
    ]);
    expect(detail.steps[0].output.moves).toHaveLength(2);

    // r1 (ratio's longest-tenured rotatable member: not the lead, not the exempt veteran) goes to
    // atlas; amy (tied with bob, first by email) to nova; nova, below the minimum, sends nobody.
    expect(await members('ratio')).toEqual([
      'r2@example.com',
      'ratio-lead@example.com',
      'veteran@example.com',
    ]);
    expect(await members('atlas')).toEqual(['a3@example.com', 'bob@example.com', 'r1@example.com']);
    expect(await members('nova')).toEqual(['amy@example.com', 'n1@example.com', 'nova-lead@example.com']);

    const audit = (await h.call('GET', '/api/v1/audit?action=pod.member_rotated')).json().items;
    expect(audit).toHaveLength(2);
    expect(audit.every((a: { actorLabel: string }) => a.actorLabel === 'system')).toBe(true);
    expect(
      audit
        .map((a: { before: { pod: string }; after: { pod: string } }) => [a.before.pod, a.after.pod])
        .sort(),
    ).toEqual([
      ['atlas', 'nova'],
      ['ratio', 'atlas'],
    ]);

    const completed = await h.database.query<{ data: { month: string; moves: { email: string }[] } }>(
      "select data from domain_events where type = 'rotation.completed'",
    );
    expect(completed).toHaveLength(1);
    expect(completed[0]!.data.month).toBe('2026-04');
    expect(completed[0]!.data.moves.map((m) => m.email)).toEqual(['r1@example.com', 'amy@example.com']);
  });

  it("executing the same run's job again moves nobody twice", async () => {
    await tickAt(ROTATION_AT);
    const [run] = await rotationRuns();
    // As if the worker died after the steps committed but before the run was marked finished, and
    // the job was delivered again (twice, even).
    await h.database.query("update workflow_runs set status = 'running', finished_at = null where id = $1", [
      run!.id,
    ]);
    await h.runtime!.queue.enqueue(RUN_QUEUE, { runId: run!.id });
    await h.runtime!.queue.enqueue(RUN_QUEUE, { runId: run!.id });
    await h.drain();

    expect((await rotationRuns())[0]).toMatchObject({ id: run!.id, status: 'succeeded' });
    const steps = (await h.call('GET', `/api/v1/workflows/runs/${run!.id}`)).json().steps;
    expect(steps.map((s: { attempts: number }) => s.attempts)).toEqual([1, 1, 1]);
    expect((await h.call('GET', '/api/v1/audit?action=pod.member_rotated')).json().items).toHaveLength(2);
    const completed = await h.database.query(
      "select id from domain_events where type = 'rotation.completed'",
    );
    expect(completed).toHaveLength(1);
    expect(await members('atlas')).toEqual(['a3@example.com', 'bob@example.com', 'r1@example.com']);
  });

  it('a move that fails rolls back every move of the step; the retry applies each once', async () => {
    // amy's arrival in nova fails (as a lost connection would), after r1's move already ran in
    // the same transaction.
    await h.database.query(`
      create function refuse_amy() returns trigger language plpgsql as $$
      begin
        if new.user_id = (select id from users where email = 'amy@example.com') then
          raise exception 'storage hiccup';
        end if;
        return new;
      end $$`);
    await h.database.query(
      'create trigger refuse_amy before insert on pod_members for each row execute function refuse_amy()',
    );
    try {
      await tickAt(ROTATION_AT);
      const [run] = await rotationRuns();
      expect(run).toMatchObject({ status: 'running' });
      const failed = (await h.call('GET', `/api/v1/workflows/runs/${run!.id}`)).json();
      expect(failed.error).toContain('apply: ');
      expect(failed.steps.map((s: { status: string }) => s.status)).toEqual([
        'succeeded',
        'failed',
        'pending',
      ]);
      // Nothing of the step survived, r1's move included.
      expect((await h.call('GET', '/api/v1/audit?action=pod.member_rotated')).json().items).toHaveLength(0);
      expect(await members('ratio')).toContain('r1@example.com');
    } finally {
      await h.database.query('drop trigger refuse_amy on pod_members');
      await h.database.query('drop function refuse_amy()');
    }
    // The retry (run here directly rather than after pg-boss's real-time delay).
    const [run] = await rotationRuns();
    const runtime = h.runtime!;
    await executeRun(
      {
        database: h.database,
        deps: runtime.deps,
        queue: runtime.queue,
        workflows: new Map(
          runtime.modules
            .flatMap((m) => m.workflows ?? [])
            .map((w): [string, WorkflowDefinition<never>] => [w.name, w]),
        ),
      },
      run!.id,
      { retryCount: 1, retryLimit: 5 },
    );
    const detail = (await h.call('GET', `/api/v1/workflows/runs/${run!.id}`)).json();
    expect(detail).toMatchObject({ status: 'succeeded' });
    expect(detail.steps.map((s: { attempts: number }) => s.attempts)).toEqual([1, 2, 1]);
    expect((await h.call('GET', '/api/v1/audit?action=pod.member_rotated')).json().items).toHaveLength(2);
    expect(await members('nova')).toEqual(['amy@example.com', 'n1@example.com', 'nova-lead@example.com']);
  });

  it('next month rotates again from the new membership', async () => {
    await tickAt(ROTATION_AT);
    await tickAt('2026-05-01T08:00:00.000Z');
    const runs = await rotationRuns();
    expect(runs.map((r) => r.key).sort()).toEqual([
      'monthly-rotation:2026-04-01',
      'monthly-rotation:2026-05-01',
    ]);
    // In May every pod has 3 and sends one as it receives one: r2 (r1 left in April), bob (amy
    // left) and n1 (nova is no longer below the minimum).
    expect((await h.call('GET', '/api/v1/audit?action=pod.member_rotated')).json().items).toHaveLength(5);
    expect(await members('ratio')).toEqual([
      'n1@example.com',
      'ratio-lead@example.com',
      'veteran@example.com',
    ]);
    expect(await members('atlas')).toEqual(['a3@example.com', 'r1@example.com', 'r2@example.com']);
    expect(await members('nova')).toEqual(['amy@example.com', 'bob@example.com', 'nova-lead@example.com']);
  });

  it('schedules nothing when rotation is disabled', () => {
    const module = h.runtime!.modules.find((m) => m.name === 'monthly-rotation')!;
    expect(module.schedules!(defaultPolicy(), [])).toEqual([]);
    expect(module.schedules!(h.runtime!.env.policy, [])).toHaveLength(1);
  });
});
