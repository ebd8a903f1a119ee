import { InvalidInputError, SYSTEM_ACTOR } from '@clos/core';
import { testEngines } from '@clos/testing';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type Harness, startHarness } from './harness.ts';

const DISCOVERY = {
  problemStatement: 'Teams lose a day a week to manual release notes',
  owner: 'ada@example.com',
};
const UNKNOWN_ID = '00000000-0000-4000-8000-000000000000';

describe.each(testEngines())('project keys on %s', (engine) => {
  let h: Harness;
  let lead: { token: string };
  let lead2: { token: string };

  const create = (body: Record<string, unknown>) =>
    h.call('POST', '/api/v1/projects', { pod: 'ratio', ...body });
  const paths = (res: { json(): { error: { details: { path: string }[] } } }) =>
    res.json().error.details.map((d) => d.path);
  const projectSlots = async () =>
    (await h.call('GET', '/api/v1/pods/ratio/wip'))
      .json()
      .types.find((t: { itemType: string }) => t.itemType === 'project').used as number;
  const auditCount = async () => (await h.call('GET', '/api/v1/audit/verify')).json().count as number;

  beforeAll(async () => {
    h = await startHarness(engine);
  });
  afterAll(() => h.close());
  beforeEach(async () => {
    await h.reset();
    await h.call('POST', '/api/v1/pods', { slug: 'ratio', name: 'Ratio', timezone: 'Europe/London' });
    lead = await h.userWithToken('pod-lead', { pods: ['ratio'] });
    lead2 = await h.userWithToken('pod-lead', { pods: ['ratio'] });
  });

  describe('at creation', () => {
    it('takes an explicit key and records it on project.created', async () => {
      const res = await create({ name: 'Payments API', key: 'payments' });
      expect(res.statusCode, res.body).toBe(201);
      expect(res.json()).toMatchObject({ key: 'payments', name: 'Payments API' });
      const audit = (await h.call('GET', '/api/v1/audit?action=project.created')).json().items;
      expect(audit).toHaveLength(1);
      expect(audit[0].after).toMatchObject({ key: 'payments', name: 'Payments API', pod: 'ratio' });
    });

    it('derives a key from the name without one, numbering a repeat -2', async () => {
      // Three projects: the pod's `project` WIP limit.
      const keys: string[] = [];
      for (let i = 0; i < 2; i++) keys.push((await create({ name: 'Release Notes: Bot!' })).json().key);
      expect(keys).toEqual(['release-notes-bot', 'release-notes-bot-2']);
      expect((await create({ name: '2026 roadmap' })).json().key).toBe('p-2026-roadmap');
    });

    it('numbers a derived key past a key someone chose explicitly', async () => {
      await create({ name: 'Anything', key: 'billing' });
      await create({ name: 'Anything else', key: 'billing-2' });
      expect((await create({ name: 'Billing' })).json().key).toBe('billing-3');
    });

    it('refuses a key that is taken with 409 naming the key, and changes nothing', async () => {
      await create({ name: 'Payments', key: 'payments' });
      const slots = await projectSlots();
      const events = await auditCount();
      const res = await create({ name: 'Other payments', key: 'payments' });
      expect(res.statusCode).toBe(409);
      expect(res.json().error).toMatchObject({ code: 'conflict', details: { key: 'payments' } });
      expect(res.json().error.message).toContain('key "payments"');
      expect(await projectSlots()).toBe(slots);
      expect(await auditCount()).toBe(events);
      expect((await h.call('GET', '/api/v1/projects')).json().items).toHaveLength(1);
    });

    it.each([
      ['Payments', 'uppercase'],
      ['1payments', 'a digit first'],
      ['pay_ments', 'an underscore'],
      ['pay--ments', 'two hyphens'],
      ['payments-', 'a trailing hyphen'],
      ['p', 'one character'],
      ['a'.repeat(41), '41 characters'],
      ['abcdef01-2345-6789-abcd-ef0123456789', 'the shape of a UUID'],
    ])('refuses %j (%s) with 400 naming body.key', async (key) => {
      const res = await create({ name: 'Payments', key });
      expect(res.statusCode, res.body).toBe(400);
      expect(paths(res)).toEqual(['body.key']);
      expect((await h.call('GET', '/api/v1/projects')).json().items).toHaveLength(0);
    });

    it('validates the key in the use case too, for callers without the HTTP schema', async () => {
      const ctx = { actor: SYSTEM_ACTOR, requestId: null };
      for (const key of ['Pay', 'abcdef01-2345-6789-abcd-ef0123456789']) {
        const refused = h.services.stages.create(ctx, { name: 'Payments', pod: 'ratio', key });
        await expect(refused).rejects.toBeInstanceOf(InvalidInputError);
        await expect(refused).rejects.toMatchObject({ details: [{ path: 'key' }] });
      }
      await h.services.stages.create(ctx, { name: 'Payments', pod: 'ratio', key: 'pay' });
      await expect(
        h.services.stages.create(ctx, { name: 'Payments', pod: 'ratio', key: 'pay' }),
      ).rejects.toMatchObject({ code: 'conflict', details: { key: 'pay' } });
    });

    it('takes and shows keys over GraphQL, and finds a project by key', async () => {
      const res = await h.call('POST', '/graphql', {
        query: 'mutation { createProject(name: "Payments", pod: "ratio", key: "Pay") { key } }',
      });
      const error = res.json().errors[0];
      expect(error.extensions.code).toBe('invalid_request');
      expect(error.extensions.details.map((d: { path: string }) => d.path)).toEqual(['key']);
      const ok = await h.call('POST', '/graphql', {
        query: 'mutation { createProject(name: "Payments", pod: "ratio", key: "pay") { key } }',
      });
      expect(ok.json().data.createProject.key).toBe('pay');
      const byKey = await h.call('POST', '/graphql', { query: '{ project(id: "pay") { key name } }' });
      expect(byKey.json().data.project).toEqual({ key: 'pay', name: 'Payments' });
    });
  });

  describe('as a reference', () => {
    let id: string;
    beforeEach(async () => {
      const res = await h.call(
        'POST',
        '/api/v1/projects',
        { name: 'Release notes bot', pod: 'ratio', key: 'notes' },
        lead.token,
      );
      expect(res.statusCode, res.body).toBe(201);
      id = res.json().id;
    });

    it('reaches every project route by key, acting on the same project', async () => {
      const got = await h.call('GET', '/api/v1/projects/notes');
      expect(got.statusCode, got.body).toBe(200);
      expect(got.json()).toMatchObject({ id, key: 'notes', currentStage: 'inception' });

      const gate = await h.call('GET', '/api/v1/projects/notes/gate');
      expect(gate.json()).toMatchObject({ currentStage: 'inception', nextStage: 'discovery' });

      const evidence = await h.call('POST', '/api/v1/projects/notes/evidence', { evidence: DISCOVERY });
      expect(evidence.statusCode, evidence.body).toBe(201);
      expect(evidence.json().evidence.projectId).toBe(id);

      for (const who of [lead, lead2]) {
        const approval = await h.call(
          'POST',
          '/api/v1/projects/notes/approvals',
          { decision: 'approve' },
          who.token,
        );
        expect(approval.statusCode, approval.body).toBe(201);
        expect(approval.json().approval.projectId).toBe(id);
      }

      const advanced = await h.call('POST', '/api/v1/projects/notes/advance');
      expect(advanced.statusCode, advanced.body).toBe(200);
      expect(advanced.json().project).toMatchObject({ id, key: 'notes', currentStage: 'discovery' });

      const blocked = await h.call('POST', '/api/v1/projects/notes/block', { reason: 'waiting on legal' });
      expect(blocked.json()).toMatchObject({ id, blockedReason: 'waiting on legal' });
      const unblocked = await h.call('POST', '/api/v1/projects/notes/unblock', {});
      expect(unblocked.json()).toMatchObject({ id, blockedReason: null });

      const ci = await h.call('POST', '/api/v1/projects/notes/ci-statuses', { status: 'passed' });
      expect(ci.statusCode, ci.body).toBe(201);
      expect(ci.json().projectId).toBe(id);
      const statuses = await h.call('GET', '/api/v1/projects/notes/ci-statuses');
      expect(statuses.json().items).toHaveLength(1);

      const closed = await h.call('POST', '/api/v1/projects/notes/close', {
        outcome: 'cancelled',
        reason: 'folded into billing',
      });
      expect(closed.json()).toMatchObject({ id, key: 'notes', outcome: 'cancelled' });

      // All of it happened to the one project, as reading it by id shows.
      const detail = (await h.call('GET', `/api/v1/projects/${id}`)).json();
      expect(detail).toMatchObject({ key: 'notes', currentStage: 'discovery', outcome: 'cancelled' });
      expect(detail.transitions).toHaveLength(2);
      expect(detail.approvals).toHaveLength(2);
    });

    it('takes a key where a request body names a project (deployments)', async () => {
      const res = await h.call('POST', '/api/v1/deployments', {
        pod: 'ratio',
        version: 'v1',
        projectId: 'notes',
      });
      expect(res.statusCode, res.body).toBe(201);
      expect(res.json().projectId).toBe(id);
      const unknown = await h.call('POST', '/api/v1/deployments', {
        pod: 'ratio',
        version: 'v1',
        projectId: 'nope',
      });
      expect(unknown.statusCode).toBe(400);
      expect(paths(unknown)).toEqual(['body.projectId']);
    });

    it('answers 404 for an unknown key or id, on reads and changes alike', async () => {
      for (const ref of ['nope', UNKNOWN_ID]) {
        const get = await h.call('GET', `/api/v1/projects/${ref}`);
        expect(get.statusCode).toBe(404);
        expect(get.json().error.details).toEqual({ entity: 'project', key: ref });
        expect((await h.call('GET', `/api/v1/projects/${ref}/gate`)).statusCode).toBe(404);
        expect((await h.call('POST', `/api/v1/projects/${ref}/block`, { reason: 'x' })).statusCode).toBe(404);
        expect((await h.call('GET', `/api/v1/projects/${ref}/ci-statuses`)).statusCode).toBe(404);
      }
    });

    it('refuses a reference that is neither an id nor a key with 400 naming params.id', async () => {
      for (const ref of ['Notes', 'no_tes', 'a'.repeat(41), '%20']) {
        const res = await h.call('GET', `/api/v1/projects/${ref}`);
        expect(res.statusCode, ref).toBe(400);
        expect(res.json().error.details).toEqual([
          { path: 'params.id', message: 'must be a project id (UUID) or a project key' },
        ]);
      }
    });

    it('keeps the key scoped like the id: another pod’s lead cannot act on it', async () => {
      await h.call('POST', '/api/v1/pods', { slug: 'atlas', name: 'Atlas', timezone: 'UTC' });
      const other = await h.userWithToken('pod-lead', { pods: ['atlas'] });
      const res = await h.call('POST', '/api/v1/projects/notes/block', { reason: 'x' }, other.token);
      expect(res.statusCode).toBe(403);
    });
  });
});
