import { testEngines } from '@clos/testing';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type Harness, startHarness } from './harness.ts';

const HIGH = { impact: 5, confidence: 4, ease: 3, 'strategic-fit': 4 };

describe.each(testEngines())('WIP, ideas and pods on %s', (engine) => {
  let h: Harness;
  let dev: { token: string; userId: string; email: string };
  let dev2: { token: string; userId: string; email: string };

  beforeAll(async () => {
    h = await startHarness(engine);
  });
  afterAll(() => h.close());
  beforeEach(async () => {
    await h.reset();
    await h.call('POST', '/api/v1/pods', { slug: 'ratio', name: 'Ratio', timezone: 'Europe/London' });
    await h.call('POST', '/api/v1/pods', { slug: 'atlas', name: 'Atlas', timezone: 'America/New_York' });
    dev = await h.userWithToken('developer');
    dev2 = await h.userWithToken('developer');
  });

  describe('WIP', () => {
    const acquire = (itemId: string, token = dev.token) =>
      h.call('POST', '/api/v1/pods/ratio/wip/pull-request/locks', { itemId }, token);

    it('acquires, returns the existing lock for the same item, releases idempotently', async () => {
      const first = await acquire('web#1');
      expect(first.statusCode).toBe(201);
      const again = await acquire('web#1');
      expect(again.statusCode).toBe(200);
      expect(again.json().id).toBe(first.json().id);
      const check = await h.call('GET', '/api/v1/pods/ratio/wip/pull-request/check', undefined, dev.token);
      expect(check.json()).toMatchObject({ limit: 5, used: 1, available: 4, allowed: true });
      const released = await h.call('DELETE', `/api/v1/wip-locks/${first.json().id}`, undefined, dev.token);
      expect(released.json().releasedAt).not.toBeNull();
      const twice = await h.call('DELETE', `/api/v1/wip-locks/${first.json().id}`, undefined, dev.token);
      expect(twice.statusCode).toBe(200);
      expect(twice.json().releasedAt).toBe(released.json().releasedAt);
      expect((await h.call('GET', '/api/v1/audit?action=wip.released')).json().items).toHaveLength(1);
      // A released item can be acquired anew.
      expect((await acquire('web#1')).statusCode).toBe(201);
    });

    it('lowering a limit below usage keeps the locks and admits nothing until usage falls below it', async () => {
      const locks = [];
      for (const id of ['a', 'b', 'c', 'd']) locks.push((await acquire(id)).json().id);
      const lowered = await h.call('PUT', '/api/v1/pods/ratio/wip-limits/pull-request', { limit: 2 });
      expect(lowered.json()).toMatchObject({ limit: 2, used: 4, available: 0 });
      expect(
        (await h.call('GET', '/api/v1/pods/ratio/wip'))
          .json()
          .types.find((t: { itemType: string }) => t.itemType === 'pull-request').holders,
      ).toHaveLength(4);
      expect((await acquire('e')).statusCode).toBe(409);
      await h.call('DELETE', `/api/v1/wip-locks/${locks[0]}`);
      await h.call('DELETE', `/api/v1/wip-locks/${locks[1]}`);
      expect((await acquire('e')).statusCode).toBe(409); // 2 of 2
      await h.call('DELETE', `/api/v1/wip-locks/${locks[2]}`);
      expect((await acquire('e')).statusCode).toBe(201);
    });

    it('refuses unknown item types and lets developers release only their own locks', async () => {
      const unknown = await h.call('POST', '/api/v1/pods/ratio/wip/bug/locks', { itemId: 'x' }, dev.token);
      expect(unknown.statusCode).toBe(400);
      expect(unknown.json().error.details[0].path).toBe('params.itemType');
      const mine = await acquire('web#2');
      const theirs = await h.call('DELETE', `/api/v1/wip-locks/${mine.json().id}`, undefined, dev2.token);
      expect(theirs.statusCode).toBe(403);
      expect((await h.call('DELETE', `/api/v1/wip-locks/${mine.json().id}`)).statusCode).toBe(200);
    });
  });

  describe('ideas', () => {
    it('scores as the weighted mean averaged over evaluators; a second evaluation replaces the first', async () => {
      const idea = (
        await h.call(
          'POST',
          '/api/v1/ideas',
          { title: 'Self-serve onboarding', description: 'Let customers onboard without us' },
          dev.token,
        )
      ).json();
      expect(idea).toMatchObject({ status: 'pending', evaluationScore: null, evaluationCount: 0 });
      // weights: impact 3, confidence 2, ease 1, strategic-fit 2 → (15+8+3+8)/8 = 4.25
      const e1 = await h.call('POST', `/api/v1/ideas/${idea.id}/evaluations`, { scores: HIGH }, dev.token);
      expect(e1.json().idea.evaluationScore).toBe(4.25);
      // (6+4+1+4)/8 = 1.875 → mean (4.25 + 1.875)/2 = 3.0625 → 3.06
      await h.call(
        'POST',
        `/api/v1/ideas/${idea.id}/evaluations`,
        { scores: { impact: 2, confidence: 2, ease: 1, 'strategic-fit': 2 } },
        dev2.token,
      );
      let detail = (await h.call('GET', `/api/v1/ideas/${idea.id}`)).json();
      expect(detail).toMatchObject({ evaluationScore: 3.06, evaluationCount: 2 });
      const replaced = await h.call(
        'POST',
        `/api/v1/ideas/${idea.id}/evaluations`,
        { scores: HIGH },
        dev2.token,
      );
      detail = (await h.call('GET', `/api/v1/ideas/${idea.id}`)).json();
      expect(detail).toMatchObject({ evaluationScore: 4.25, evaluationCount: 2 });
      expect(detail.evaluations.map((e: { id: string }) => e.id)).toContain(replaced.json().evaluation.id);
      expect(detail.evaluations).toHaveLength(2);
    });

    it('rejects scores that miss, invent or exceed criteria, naming each', async () => {
      const idea = (await h.call('POST', '/api/v1/ideas', { title: 'X' }, dev.token)).json();
      const res = await h.call(
        'POST',
        `/api/v1/ideas/${idea.id}/evaluations`,
        { scores: { impact: 6, confidence: 2, ease: 1, typo: 3 } },
        dev.token,
      );
      expect(res.statusCode).toBe(400);
      const paths = res.json().error.details.map((d: { path: string }) => d.path);
      expect(paths).toContain('body.scores.impact');
      const domain = await h.call(
        'POST',
        `/api/v1/ideas/${idea.id}/evaluations`,
        { scores: { impact: 3, confidence: 2, ease: 1, typo: 3 } },
        dev.token,
      );
      expect(
        domain
          .json()
          .error.details.map((d: { path: string }) => d.path)
          .sort(),
      ).toEqual(['body.scores.strategic-fit', 'body.scores.typo']);
      expect((await h.call('GET', `/api/v1/ideas/${idea.id}`)).json().evaluationCount).toBe(0);
    });

    it('promotes a qualified idea into a project at the first stage, linked both ways', async () => {
      const idea = (
        await h.call('POST', '/api/v1/ideas', { title: 'Usage-based pricing' }, dev.token)
      ).json();
      const early = await h.call('POST', `/api/v1/ideas/${idea.id}/promote`, { pod: 'ratio' });
      expect(early.statusCode).toBe(422);
      expect(early.json().error.details.blockers.map((b: { kind: string }) => b.kind)).toEqual([
        'evaluations',
        'score',
      ]);
      for (const who of [dev, dev2])
        await h.call('POST', `/api/v1/ideas/${idea.id}/evaluations`, { scores: HIGH }, who.token);
      const res = await h.call('POST', `/api/v1/ideas/${idea.id}/promote`, { pod: 'ratio' });
      expect(res.statusCode, res.body).toBe(201);
      const { project, idea: promoted } = res.json();
      expect(project).toMatchObject({
        name: 'Usage-based pricing',
        key: 'usage-based-pricing',
        currentStage: 'inception',
        ideaId: idea.id,
      });
      expect(promoted).toMatchObject({ status: 'promoted', promotedToProjectId: project.id });
      const status = (await h.call('GET', '/api/v1/pods/ratio/status')).json();
      expect(status.wip.find((w: { itemType: string }) => w.itemType === 'project').used).toBe(1);
      expect(status.projectsPerStage.inception).toBe(1);
      expect((await h.call('POST', `/api/v1/ideas/${idea.id}/archive`, { reason: 'late' })).statusCode).toBe(
        409,
      );
      expect(
        (await h.call('POST', `/api/v1/ideas/${idea.id}/evaluations`, { scores: HIGH }, dev.token))
          .statusCode,
      ).toBe(409);
    });

    it('a full pod refuses the promotion and nothing changes', async () => {
      await h.call('PUT', '/api/v1/pods/ratio/wip-limits/project', { limit: 0 });
      const idea = (await h.call('POST', '/api/v1/ideas', { title: 'Blocked by WIP' }, dev.token)).json();
      for (const who of [dev, dev2])
        await h.call('POST', `/api/v1/ideas/${idea.id}/evaluations`, { scores: HIGH }, who.token);
      const audit = (await h.call('GET', '/api/v1/audit/verify')).json().count;
      const res = await h.call('POST', `/api/v1/ideas/${idea.id}/promote`, { pod: 'ratio' });
      expect(res.statusCode).toBe(409);
      expect(res.json().error).toMatchObject({
        code: 'wip_limit_exceeded',
        details: { pod: 'ratio', itemType: 'project', limit: 0 },
      });
      expect((await h.call('GET', `/api/v1/ideas/${idea.id}`)).json().status).toBe('pending');
      expect((await h.call('GET', '/api/v1/projects')).json().items).toHaveLength(0);
      expect((await h.call('GET', '/api/v1/audit/verify')).json().count).toBe(audit);
    });

    it('archives with a reason, idempotently, and filters by status', async () => {
      const idea = (await h.call('POST', '/api/v1/ideas', { title: 'Blockchain' }, dev.token)).json();
      const a = await h.call('POST', `/api/v1/ideas/${idea.id}/archive`, { reason: 'no customer asked' });
      expect(a.json()).toMatchObject({ status: 'archived', archivedReason: 'no customer asked' });
      expect(
        (await h.call('POST', `/api/v1/ideas/${idea.id}/archive`, { reason: 'again' })).json().archivedReason,
      ).toBe('no customer asked');
      expect((await h.call('GET', '/api/v1/ideas?status=archived')).json().items).toHaveLength(1);
      expect((await h.call('GET', '/api/v1/ideas?status=pending')).json().items).toHaveLength(0);
    });
  });

  describe('pods', () => {
    it('registers pods with validated slug and time zone, refusing duplicates', async () => {
      expect(
        (await h.call('POST', '/api/v1/pods', { slug: 'ratio', name: 'Again', timezone: 'UTC' })).statusCode,
      ).toBe(409);
      const tz = await h.call('POST', '/api/v1/pods', {
        slug: 'beacon',
        name: 'Beacon',
        timezone: 'Mars/Olympus',
      });
      expect(tz.statusCode).toBe(400);
      expect(tz.json().error.details).toEqual([
        { path: 'body.timezone', message: 'unknown time zone "Mars/Olympus"' },
      ]);
      const list = await h.call('GET', '/api/v1/pods', undefined, dev.token);
      expect(list.json().items.map((p: { slug: string }) => p.slug)).toEqual(['atlas', 'ratio']);
    });

    it('computes health from metrics with the configured weights and keeps history', async () => {
      const res = await h.call('POST', '/api/v1/pods/ratio/health', {
        metrics: {
          velocity: 0.9,
          wipUtilisation: 1.25,
          blockedItems: 1,
          cycleTimeDays: 7.5,
          deploymentSuccess: 0.95,
        },
      });
      expect(res.statusCode, res.body).toBe(201);
      // components: 0.9, 0.5, 0.8, 0.5, 0.95; weights .25 .2 .2 .15 .2 → 0.225+0.1+0.16+0.075+0.19 = 0.75
      expect(res.json()).toMatchObject({
        score: 75,
        components: {
          velocity: 0.9,
          wipUtilisation: 0.5,
          blockedItems: 0.8,
          cycleTime: 0.5,
          deploymentSuccess: 0.95,
        },
      });
      h.clock.advance(86_400_000);
      await h.call('POST', '/api/v1/pods/ratio/health', { metrics: { velocity: 1 } });
      const status = (await h.call('GET', '/api/v1/pods/ratio/status')).json();
      expect(status.health.score).toBe(100);
      expect(
        (await h.call('GET', '/api/v1/pods/ratio/health'))
          .json()
          .items.map((s: { score: number }) => s.score),
      ).toEqual([100, 75]);
      const bad = await h.call('POST', '/api/v1/pods/ratio/health', { metrics: {} });
      expect(bad.json().error.details[0].path).toBe('body.metrics');
    });

    it('rotates a member to another pod and keeps the history', async () => {
      await h.call('POST', '/api/v1/pods/ratio/members', { email: dev.email, podRole: 'member' });
      const status = (await h.call('GET', '/api/v1/pods/ratio/status')).json();
      expect(status.members.map((m: { email: string }) => m.email)).toEqual([dev.email]);
      h.clock.advance(1000);
      const rotated = await h.call('POST', '/api/v1/pods/ratio/rotate', { email: dev.email, toPod: 'atlas' });
      expect(rotated.json()).toMatchObject({ email: dev.email, from: 'ratio', to: 'atlas' });
      expect((await h.call('GET', '/api/v1/pods/ratio/status')).json().members).toHaveLength(0);
      expect(
        (await h.call('GET', '/api/v1/pods/atlas/status'))
          .json()
          .members.map((m: { email: string }) => m.email),
      ).toEqual([dev.email]);
      const history = (await h.call('GET', '/api/v1/pods/ratio/members?history=true')).json().items;
      expect(history).toHaveLength(1);
      expect(history[0].leftAt).not.toBeNull();
      expect(
        (await h.call('POST', '/api/v1/pods/ratio/rotate', { email: dev.email, toPod: 'atlas' })).statusCode,
      ).toBe(409);
      expect(
        (await h.call('POST', '/api/v1/pods/atlas/rotate', { email: dev.email, toPod: 'atlas' })).statusCode,
      ).toBe(400);
      expect((await h.call('GET', `/api/v1/audit?action=pod.member_rotated`)).json().items).toHaveLength(1);
    });
  });
});
