import { testEngines } from '@clos/testing';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type Harness, startHarness } from './harness.ts';

type Person = { token: string; userId: string; email: string };

const MINUTE = 60_000;
const EVIDENCE = { problemStatement: 'Customers cannot onboard alone', owner: 'ada@example.com' };

describe.each(testEngines())('daily rhythm and weekly demo on %s', (engine) => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness(engine, {}, undefined, { runtime: true });
  });
  afterAll(() => h.close());
  beforeEach(() => h.reset());

  const pod = async (slug: string, timezone: string) => {
    const res = await h.call('POST', '/api/v1/pods', { slug, name: slug, timezone });
    expect(res.statusCode).toBe(201);
    return res.json().id as string;
  };
  const member = async (
    slug: string,
    role: 'developer' | 'pod-lead',
    podRole: 'member' | 'lead' = 'member',
  ) => {
    const person = await h.userWithToken(role, role === 'pod-lead' ? { pods: [slug] } : {});
    const added = await h.call('POST', `/api/v1/pods/${slug}/members`, { email: person.email, podRole });
    expect(added.statusCode).toBe(201);
    return person;
  };
  /** Moves the clock to `iso`, ticks the scheduler there and runs what it started. */
  const tickAt = async (iso: string) => {
    h.clock.set(iso);
    const started = await h.runtime!.tick(new Date(iso));
    if (started.length) await h.drain();
    return started;
  };
  const runs = (workflow: string) =>
    h.database.query<{
      id: string;
      key: string;
      scheduled_for: string | Date;
      status: string;
      output: unknown;
    }>(
      'select id, key, scheduled_for, status, output from workflow_runs where workflow = $1 order by scheduled_for, key',
      [workflow],
    );
  const events = (type: string) =>
    h.database.query<{ data: Record<string, unknown> }>(
      'select data from domain_events where type = $1 order by occurred_at',
      [type],
    );

  describe('schedules', () => {
    it('fires the unblock digest at 09:00 local across both daylight-saving changes, once per day, not on weekends', async () => {
      const ny = await pod('atlas', 'America/New_York');
      const paris = await pod('ratio', 'Europe/Paris');
      const firedAt = new Map<string, string>();
      // Quarter-hour ticks across each morning, each instant ticked twice: Fri, Sat, Sun (the change),
      // Mon. New York springs forward on 2026-03-08, Paris on 2026-03-29.
      const sweep = async (dates: string[], fromUtc: string, toUtc: string) => {
        for (const date of dates)
          for (
            let t = Date.parse(`${date}T${fromUtc}Z`);
            t <= Date.parse(`${date}T${toUtc}Z`);
            t += 15 * MINUTE
          ) {
            const iso = new Date(t).toISOString();
            for (const id of [...(await tickAt(iso)), ...(await tickAt(iso))]) firedAt.set(id, iso);
          }
      };
      await sweep(['2026-03-06', '2026-03-07', '2026-03-08', '2026-03-09'], '12:00', '15:00');
      // Events are pruned after 7 days (by the clock), so they are counted before the clock moves on.
      expect(await events('rhythm.digest_ready')).toHaveLength(4);
      await sweep(['2026-03-27', '2026-03-28', '2026-03-29', '2026-03-30'], '06:00', '09:00');

      const unblock = (await runs('daily-rhythm')).filter((r) => r.key.startsWith('daily-rhythm:unblock:'));
      const fired = unblock.map((r) => ({
        key: r.key,
        scheduledFor: new Date(r.scheduled_for).toISOString(),
        tickedAt: firedAt.get(r.id),
      }));
      expect(fired).toEqual([
        // 09:00 EST = 14:00Z on the Friday before; 09:00 EDT = 13:00Z on the Monday after.
        {
          key: `daily-rhythm:unblock:${ny}:2026-03-06`,
          scheduledFor: '2026-03-06T14:00:00.000Z',
          tickedAt: '2026-03-06T14:00:00.000Z',
        },
        {
          key: `daily-rhythm:unblock:${ny}:2026-03-09`,
          scheduledFor: '2026-03-09T13:00:00.000Z',
          tickedAt: '2026-03-09T13:00:00.000Z',
        },
        // 09:00 CET = 08:00Z before; 09:00 CEST = 07:00Z after.
        {
          key: `daily-rhythm:unblock:${paris}:2026-03-27`,
          scheduledFor: '2026-03-27T08:00:00.000Z',
          tickedAt: '2026-03-27T08:00:00.000Z',
        },
        {
          key: `daily-rhythm:unblock:${paris}:2026-03-30`,
          scheduledFor: '2026-03-30T07:00:00.000Z',
          tickedAt: '2026-03-30T07:00:00.000Z',
        },
      ]);
      // The commit phase (09:30 local) moved with it; nothing ran on the weekend.
      const commit = (await runs('daily-rhythm')).filter((r) => r.key.startsWith('daily-rhythm:commit:'));
      expect(commit.map((r) => new Date(r.scheduled_for).toISOString())).toEqual([
        '2026-03-06T14:30:00.000Z',
        '2026-03-09T13:30:00.000Z',
        '2026-03-27T08:30:00.000Z',
        '2026-03-30T07:30:00.000Z',
      ]);
      const all = await runs('daily-rhythm');
      expect(all.every((r) => r.status === 'succeeded')).toBe(true);
      expect(all.some((r) => /:(2026-03-07|2026-03-08|2026-03-28|2026-03-29)$/.test(r.key))).toBe(false);
      // One digest per pod, day and phase.
      const digests = await h.database.query<{ n: number }>('select count(*)::int as n from rhythm_digests');
      expect(digests[0]!.n).toBe(8);
    });

    it('a time in the spring-forward gap fires once, moved forward by the gap', async () => {
      const gap = await startHarness(
        engine,
        { rhythms: { daily: { days: ['sun'], unblock: '02:30' }, weeklyDemo: { enabled: false } } },
        undefined,
        { runtime: true },
      );
      try {
        const res = await gap.call('POST', '/api/v1/pods', {
          slug: 'atlas',
          name: 'Atlas',
          timezone: 'America/New_York',
        });
        const id = res.json().id;
        // 02:00 EST jumps to 03:00 EDT (07:00Z): 02:30 does not exist and fires at 03:30 EDT = 07:30Z.
        for (
          let t = Date.parse('2026-03-08T06:00:00Z');
          t <= Date.parse('2026-03-08T08:30:00Z');
          t += 5 * MINUTE
        ) {
          gap.clock.set(new Date(t));
          await gap.runtime!.tick(new Date(t));
        }
        const fired = await gap.database.query<{ key: string; scheduled_for: string | Date }>(
          "select key, scheduled_for from workflow_runs where key like 'daily-rhythm:unblock:%'",
        );
        expect(fired.map((r) => [r.key, new Date(r.scheduled_for).toISOString()])).toEqual([
          [`daily-rhythm:unblock:${id}:2026-03-08`, '2026-03-08T07:30:00.000Z'],
        ]);
      } finally {
        await gap.close();
      }
    });
  });

  describe('digests', () => {
    it('unblock lists blockers, commit the commitments, recap what moved during the local day', async () => {
      await pod('atlas', 'America/New_York');
      const lead = await member('atlas', 'pod-lead', 'lead');
      const ada = await member('atlas', 'developer');
      const alan = await member('atlas', 'developer');

      // Saturday: a pull request lock taken then is 48 h + old by Monday morning.
      h.clock.set('2026-03-07T10:00:00Z');
      const stale = await h.call(
        'POST',
        '/api/v1/pods/atlas/wip/pull-request/locks',
        { itemId: 'web#1' },
        ada.token,
      );
      expect(stale.statusCode).toBe(201);
      h.clock.set('2026-03-09T12:00:00Z'); // Monday 08:00 EDT
      const fresh = await h.call(
        'POST',
        '/api/v1/pods/atlas/wip/pull-request/locks',
        { itemId: 'web#2' },
        ada.token,
      );
      const blocked = (await h.call('POST', '/api/v1/projects', { name: 'Billing', pod: 'atlas' })).json();
      await h.call('POST', `/api/v1/projects/${blocked.id}/block`, { reason: 'waiting on legal' }, ada.token);
      const waiting = (await h.call('POST', '/api/v1/projects', { name: 'Onboarding', pod: 'atlas' })).json();
      await h.call('POST', `/api/v1/projects/${waiting.id}/evidence`, { evidence: EVIDENCE }, ada.token);
      const idle = (await h.call('POST', '/api/v1/projects', { name: 'Search', pod: 'atlas' })).json();
      const mine = await h.call(
        'POST',
        '/api/v1/pods/atlas/commitments',
        { text: 'Ship the invoice export' },
        ada.token,
      );
      expect(mine.statusCode).toBe(201);

      await tickAt('2026-03-09T13:00:00Z'); // 09:00 EDT
      let today = (await h.call('GET', '/api/v1/pods/atlas/rhythm/today')).json();
      expect(today).toMatchObject({
        pod: 'atlas',
        day: '2026-03-09',
        digests: { commit: null, recap: null },
      });
      const unblock = today.digests.unblock.content;
      expect(unblock.blockedProjects).toEqual([
        expect.objectContaining({
          projectId: blocked.id,
          reason: 'waiting on legal',
          since: '2026-03-09T12:00:00.000Z',
        }),
      ]);
      expect(unblock.gatesAwaitingApproval).toEqual([
        expect.objectContaining({ projectId: waiting.id, nextStage: 'discovery', received: 0, required: 1 }),
      ]);
      expect(unblock.gatesAwaitingApproval.map((g: { projectId: string }) => g.projectId)).not.toContain(
        idle.id,
      );
      expect(unblock.staleLocks).toEqual([
        expect.objectContaining({ lockId: stale.json().id, holder: ada.email, heldHours: 51 }),
      ]);
      expect(unblock.membersWithoutCommitment.map((m: { email: string }) => m.email).sort()).toEqual(
        [lead.email, alan.email].sort(),
      );
      expect(unblock.counts).toEqual({
        blockedProjects: 1,
        gatesAwaitingApproval: 1,
        staleLocks: 1,
        membersWithoutCommitment: 2,
      });
      const ready = await events('rhythm.digest_ready');
      expect(ready).toHaveLength(1);
      expect(ready[0]!.data).toMatchObject({
        pod: 'atlas',
        phase: 'unblock',
        day: '2026-03-09',
        counts: unblock.counts,
        summary:
          '1 blocked project, 1 gate awaiting approval, 1 stale WIP lock, 2 members without a commitment',
      });

      h.clock.set('2026-03-09T13:10:00Z');
      const forAlan = await h.call(
        'POST',
        '/api/v1/pods/atlas/commitments',
        { text: 'Review the export', user: alan.email },
        lead.token,
      );
      expect(forAlan.json()).toMatchObject({ userEmail: alan.email, day: '2026-03-09', status: 'open' });
      await tickAt('2026-03-09T13:30:00Z'); // 09:30 EDT
      const commit = (await h.call('GET', '/api/v1/pods/atlas/rhythm/today')).json().digests.commit.content;
      expect(
        commit.members
          .map((m: { email: string; commitments: unknown[] }) => `${m.email}:${m.commitments.length}`)
          .sort(),
      ).toEqual([`${ada.email}:1`, `${alan.email}:1`].sort());
      expect(commit.withoutCommitment.map((m: { email: string }) => m.email)).toEqual([lead.email]);
      expect(commit.counts).toEqual({
        commitments: 2,
        membersWithCommitment: 2,
        membersWithoutCommitment: 1,
      });

      // The day moves: a gate passes, a lock is released, a project is cancelled, work is done.
      h.clock.set('2026-03-09T15:00:00Z');
      await h.call('POST', `/api/v1/projects/${waiting.id}/approvals`, { decision: 'approve' }, lead.token);
      expect(
        (await h.call('POST', `/api/v1/projects/${waiting.id}/advance`, undefined, ada.token)).statusCode,
      ).toBe(200);
      await h.call('DELETE', `/api/v1/wip-locks/${fresh.json().id}`, undefined, ada.token);
      await h.call('POST', `/api/v1/projects/${idle.id}/close`, {
        outcome: 'cancelled',
        reason: 'no longer needed',
      });
      expect(
        (await h.call('PUT', `/api/v1/commitments/${mine.json().id}`, { status: 'done' }, ada.token))
          .statusCode,
      ).toBe(200);
      // After local midnight (04:00Z), in the next local day: not in this recap.
      await tickAt('2026-03-09T21:00:00Z'); // 17:00 EDT
      today = (await h.call('GET', '/api/v1/pods/atlas/rhythm/today')).json();
      const recap = today.digests.recap.content;
      expect(recap).toMatchObject({ from: '2026-03-09T04:00:00.000Z', to: '2026-03-10T04:00:00.000Z' });
      expect(recap.transitions).toEqual([
        expect.objectContaining({ projectId: waiting.id, fromStage: 'inception', toStage: 'discovery' }),
      ]);
      // The released pull request, and the cancelled project's own WIP slot.
      expect(recap.locksReleased.map((l: { itemType: string }) => l.itemType).sort()).toEqual([
        'project',
        'pull-request',
      ]);
      expect(recap.projectsClosed).toEqual([
        expect.objectContaining({ projectId: idle.id, outcome: 'cancelled' }),
      ]);
      expect(recap.counts).toEqual({
        transitions: 1,
        locksReleased: 2,
        projectsClosed: 1,
        commitmentsMade: 2,
        commitmentsDone: 1,
      });
      expect(today.commitments).toHaveLength(2);
      expect((await events('rhythm.digest_ready')).map((e) => e.data.phase)).toEqual([
        'unblock',
        'commit',
        'recap',
      ]);
    });
  });

  describe('commitments', () => {
    let ada: Person;
    let outsider: Person;
    beforeEach(async () => {
      await pod('atlas', 'America/New_York');
      await pod('tokyo', 'Asia/Tokyo');
      ada = await member('atlas', 'developer');
      outsider = await h.userWithToken('developer');
    });

    it('rejects bad input with 400 naming the field, and changes nothing', async () => {
      const cases: [unknown, string][] = [
        [{ text: '   ' }, 'body.text'],
        [{ text: 'x'.repeat(501) }, 'body.text'],
        [{}, 'body.text'],
        [{ text: 'ok', user: 'not-an-email' }, 'body.user'],
      ];
      for (const [body, path] of cases) {
        const res = await h.call('POST', '/api/v1/pods/atlas/commitments', body, ada.token);
        expect(res.statusCode, JSON.stringify(body)).toBe(400);
        expect(res.json().error.details.map((d: { path: string }) => d.path)).toContain(path);
      }
      const c = (await h.call('POST', '/api/v1/pods/atlas/commitments', { text: 'ok' }, ada.token)).json();
      const status = await h.call('PUT', `/api/v1/commitments/${c.id}`, { status: 'open' }, ada.token);
      expect(status.statusCode).toBe(400);
      expect(status.json().error.details[0].path).toBe('body.status');
      const day = await h.call('GET', '/api/v1/pods/atlas/commitments?day=2026-02-30');
      expect(day.statusCode).toBe(400);
      expect(day.json().error.details[0].path).toBe('querystring.day');
      expect((await h.call('GET', '/api/v1/pods/atlas/commitments')).json().items).toHaveLength(1);
      // A named user who is not a member of the pod.
      const notMember = await h.call('POST', '/api/v1/pods/atlas/commitments', {
        text: 'x',
        user: outsider.email,
      });
      expect(notMember.statusCode).toBe(400);
      expect(notMember.json().error.details[0].path).toBe('body.user');
    });

    it('403 for a non-member, a scoped token of another pod, or a developer naming someone else', async () => {
      const nonMember = await h.call('POST', '/api/v1/pods/atlas/commitments', { text: 'x' }, outsider.token);
      expect(nonMember.statusCode).toBe(403);
      expect(nonMember.json().error.message).toContain('only members of pod "atlas"');
      const scoped = await h.userWithToken('developer', { pods: ['tokyo'] });
      await h.call('POST', '/api/v1/pods/atlas/members', { email: scoped.email, podRole: 'member' });
      const other = await h.call('POST', '/api/v1/pods/atlas/commitments', { text: 'x' }, scoped.token);
      expect(other.statusCode).toBe(403);
      expect(other.json().error.message).toContain('not allowed to act on pod "atlas"');
      const forOther = await h.call(
        'POST',
        '/api/v1/pods/atlas/commitments',
        { text: 'x', user: scoped.email },
        ada.token,
      );
      expect(forOther.statusCode).toBe(403);
      const viewer = await h.userWithToken('viewer');
      expect(
        (await h.call('POST', '/api/v1/pods/atlas/commitments', { text: 'x' }, viewer.token)).statusCode,
      ).toBe(403);
      expect((await h.call('GET', '/api/v1/pods/atlas/commitments')).json().items).toEqual([]);
    });

    it('records on the pod’s own local date, and is updated by its maker only', async () => {
      const kenji = await member('tokyo', 'developer');
      await h.call('POST', '/api/v1/pods/atlas/members', { email: kenji.email, podRole: 'member' });
      // 14:59Z is 23:59 in Tokyo on the 9th; 15:00Z is the 10th there, still the 9th in New York.
      h.clock.set('2026-03-09T14:59:00Z');
      const before = await h.call('POST', '/api/v1/pods/tokyo/commitments', { text: 'late' }, kenji.token);
      expect(before.json().day).toBe('2026-03-09');
      h.clock.set('2026-03-09T15:00:00Z');
      const after = await h.call('POST', '/api/v1/pods/tokyo/commitments', { text: 'early' }, kenji.token);
      expect(after.json().day).toBe('2026-03-10');
      const ny = await h.call(
        'POST',
        '/api/v1/pods/atlas/commitments',
        { text: 'same instant' },
        kenji.token,
      );
      expect(ny.json().day).toBe('2026-03-09');
      expect((await h.call('GET', '/api/v1/pods/tokyo/commitments')).json()).toMatchObject({
        day: '2026-03-10',
        items: [{ text: 'early' }],
      });
      expect((await h.call('GET', '/api/v1/pods/tokyo/commitments?day=2026-03-09')).json().items).toEqual([
        expect.objectContaining({ text: 'late', userEmail: kenji.email }),
      ]);

      const id = after.json().id;
      expect(
        (await h.call('PUT', `/api/v1/commitments/${id}`, { status: 'done' }, ada.token)).statusCode,
      ).toBe(403);
      const done = await h.call('PUT', `/api/v1/commitments/${id}`, { status: 'done' }, kenji.token);
      expect(done.json()).toMatchObject({ status: 'done' });
      expect(
        (await h.call('PUT', `/api/v1/commitments/${id}`, { status: 'done' }, kenji.token)).statusCode,
      ).toBe(200);
      expect(
        (await h.call('PUT', '/api/v1/commitments/00000000-0000-4000-8000-000000000000', { status: 'done' }))
          .statusCode,
      ).toBe(404);
      expect((await h.call('GET', '/api/v1/audit?action=commitment.recorded')).json().items).toHaveLength(3);
      // The repeated update changed nothing, so it is audited once.
      expect((await h.call('GET', '/api/v1/audit?action=commitment.updated')).json().items).toHaveLength(1);
      await h.drain();
      expect(await events('commitment.recorded')).toHaveLength(3);
    });
  });

  describe('weekly demo', () => {
    it('opens, collects until the cutoff, takes feedback on the agenda and closes with aggregated scores', async () => {
      const podId = await pod('atlas', 'America/New_York');
      const lead = await member('atlas', 'pod-lead', 'lead');
      const ada = await member('atlas', 'developer');
      const alan = await member('atlas', 'developer');
      const project = (await h.call('POST', '/api/v1/projects', { name: 'Billing', pod: 'atlas' })).json();

      // Monday 08:00 EDT: not open yet.
      await tickAt('2026-03-09T12:00:00Z');
      expect((await h.call('GET', '/api/v1/pods/atlas/demos/current')).statusCode).toBe(404);
      const early = await h.call(
        'POST',
        '/api/v1/pods/atlas/demos/current/submissions',
        { title: 'x' },
        ada.token,
      );
      expect(early.statusCode).toBe(409);
      expect(early.json().error.message).toContain('no weekly demo open this week');

      await tickAt('2026-03-09T13:00:00Z'); // Monday 09:00 EDT
      const current = (await h.call('GET', '/api/v1/pods/atlas/demos/current')).json();
      expect(current).toMatchObject({
        pod: 'atlas',
        week: '2026-W11',
        status: 'collecting',
        cutoffAt: '2026-03-13T18:00:00.000Z', // Friday 14:00 EDT
        submissions: [],
      });

      h.clock.set('2026-03-10T15:00:00Z');
      const first = await h.call(
        'POST',
        '/api/v1/pods/atlas/demos/current/submissions',
        // By key, as a person types it; the submission stores the project's id.
        { title: 'Invoice export', projectId: project.key, url: 'https://example.com/demo' },
        ada.token,
      );
      expect(first.statusCode).toBe(201);
      expect(first.json().projectId).toBe(project.id);
      h.clock.set('2026-03-11T15:00:00Z');
      const second = await h.call(
        'POST',
        '/api/v1/pods/atlas/demos/current/submissions',
        { title: 'Faster search' },
        alan.token,
      );
      expect(second.statusCode).toBe(201);
      const bad = await h.call(
        'POST',
        '/api/v1/pods/atlas/demos/current/submissions',
        { title: '', url: 'javascript:alert(1)' },
        alan.token,
      );
      expect(bad.statusCode).toBe(400);
      expect(
        bad
          .json()
          .error.details.map((d: { path: string }) => d.path)
          .sort(),
      ).toEqual(['body.title', 'body.url']);
      const tooEarly = await h.call(
        'POST',
        `/api/v1/demo-submissions/${first.json().id}/feedback`,
        { score: 4 },
        alan.token,
      );
      expect(tooEarly.statusCode).toBe(409);

      await tickAt('2026-03-13T18:00:00Z'); // Friday 14:00 EDT: the cutoff
      const presented = (await h.call('GET', `/api/v1/demos/${current.id}`)).json();
      expect(presented.status).toBe('feedback');
      expect(presented.agenda.map((a: { position: number; title: string }) => [a.position, a.title])).toEqual(
        [
          [1, 'Invoice export'],
          [2, 'Faster search'],
        ],
      );
      expect(
        presented.submissions.map((s: { position: number; feedback: unknown }) => [s.position, s.feedback]),
      ).toEqual([
        [1, null],
        [2, null],
      ]);
      const late = await h.call(
        'POST',
        '/api/v1/pods/atlas/demos/current/submissions',
        { title: 'Late' },
        lead.token,
      );
      expect(late.statusCode).toBe(409);
      expect(late.json().error.message).toContain(
        'submissions to the 2026-W11 demo closed at 2026-03-13T18:00:00.000Z',
      );

      // A second present run for the same week (another key) changes nothing.
      await h.database.db.transaction((tx) =>
        h.runtime!.env.startRun(tx as never, {
          workflow: 'weekly-demo',
          key: 'manual-present',
          podId,
          input: { phase: 'present', localDate: '2026-03-13' },
        }),
      );
      await h.drain();
      const manual = (await runs('weekly-demo')).find((r) => r.key === 'manual-present')!;
      expect(manual).toMatchObject({ status: 'succeeded', output: { apply: { changed: false } } });
      expect(await events('demo.agenda_ready')).toHaveLength(1);

      h.clock.set('2026-03-13T19:00:00Z');
      const feedback = (id: string, body: unknown, token: string) =>
        h.call('POST', `/api/v1/demo-submissions/${id}/feedback`, body, token);
      const [a, b] = [first.json().id, second.json().id];
      expect((await feedback(a, { score: 4 }, alan.token)).statusCode).toBe(201);
      expect((await feedback(a, { score: 5, comment: 'great' }, lead.token)).statusCode).toBe(201);
      // Again replaces the earlier one.
      expect(
        (await feedback(a, { score: 3, comment: 'clear, a bit long' }, lead.token)).json(),
      ).toMatchObject({ score: 3 });
      expect((await feedback(b, { score: 5, comment: 'nice' }, ada.token)).statusCode).toBe(201);
      expect((await feedback(a, { score: 5 }, ada.token)).statusCode).toBe(403);
      const six = await feedback(b, { score: 6 }, lead.token);
      expect(six.statusCode).toBe(400);
      expect(six.json().error.details[0].path).toBe('body.score');

      await tickAt('2026-03-13T22:00:00Z'); // Friday 18:00 EDT: closes
      const closed = (await h.call('GET', `/api/v1/demos/${current.id}`)).json();
      expect(closed.status).toBe('closed');
      expect(closed.closedAt).toBe('2026-03-13T22:00:00.000Z');
      expect(closed.summary).toEqual({
        submissions: [
          {
            submissionId: a,
            title: 'Invoice export',
            presenter: ada.email,
            count: 2,
            meanScore: 3.5,
            comments: ['clear, a bit long'],
          },
          {
            submissionId: b,
            title: 'Faster search',
            presenter: alan.email,
            count: 1,
            meanScore: 5,
            comments: ['nice'],
          },
        ],
        feedbackCount: 3,
        meanScore: 4,
      });
      expect(closed.submissions[0].feedback).toMatchObject({ count: 2, meanScore: 3.5 });
      expect((await feedback(b, { score: 1 }, lead.token)).statusCode).toBe(409);

      const list = (await h.call('GET', '/api/v1/pods/atlas/demos')).json();
      expect(list.items.map((d: { week: string; status: string }) => [d.week, d.status])).toEqual([
        ['2026-W11', 'closed'],
      ]);
      expect(
        (await runs('weekly-demo')).filter((r) => r.key !== 'manual-present').map((r) => r.key.split(':')[1]),
      ).toEqual(['open', 'present', 'close']);
      for (const [type, n] of [
        ['demo.opened', 1],
        ['demo.submitted', 2],
        ['demo.agenda_ready', 1],
        ['demo.feedback_recorded', 4],
        ['demo.closed', 1],
      ] as const)
        expect(await events(type), type).toHaveLength(n);
      expect((await events('demo.closed'))[0]!.data).toMatchObject({
        pod: 'atlas',
        week: '2026-W11',
        demos: 2,
        feedbackCount: 3,
        averageScore: 4,
      });
    });
  });
});
