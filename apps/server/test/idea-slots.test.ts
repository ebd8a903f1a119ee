import { testEngines } from '@clos/testing';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type Harness, startHarness } from './harness.ts';

describe.each(testEngines())('ideas under evaluation hold a pod’s idea WIP slots, on %s', (engine) => {
  let h: Harness;
  let dev: { token: string; userId: string; email: string };

  const ideaCell = async (pod = 'ratio') =>
    (await h.call('GET', `/api/v1/pods/${pod}/wip`))
      .json()
      .types.find((t: { itemType: string }) => t.itemType === 'idea') as {
      used: number;
      limit: number;
      holders: { itemId: string }[];
    };

  const submit = (body: Record<string, unknown>, token = dev.token) =>
    h.call('POST', '/api/v1/ideas', body, token);

  /** Two evaluations of 5 on every criterion: enough to promote with the default policy. */
  async function qualify(ideaId: string) {
    for (const role of ['developer', 'pod-lead'] as const) {
      const evaluator = await h.userWithToken(role, { pods: ['ratio'] });
      const scores = { impact: 5, confidence: 5, ease: 5, 'strategic-fit': 5 };
      expect(
        (await h.call('POST', `/api/v1/ideas/${ideaId}/evaluations`, { scores }, evaluator.token)).statusCode,
      ).toBe(201);
    }
  }

  beforeAll(async () => {
    h = await startHarness(engine);
  });
  beforeEach(async () => {
    await h.reset();
    for (const slug of ['ratio', 'atlas'])
      await h.call('POST', '/api/v1/pods', { slug, name: slug, timezone: 'UTC' });
    await h.call('PUT', '/api/v1/pods/ratio/wip-limits/idea', { limit: 2 });
    dev = await h.userWithToken('developer');
  });
  afterAll(() => h.close());

  it('an idea submitted for a pod takes a slot; one without a pod takes none', async () => {
    const mine = await submit({ title: 'Faster builds', pod: 'ratio' });
    expect(mine.statusCode, mine.body).toBe(201);
    const podId = (await h.call('GET', '/api/v1/pods/ratio')).json().id;
    expect(mine.json().podId).toBe(podId);
    expect((await submit({ title: 'No pod yet' })).json().podId).toBeNull();
    const cell = await ideaCell();
    expect(cell).toMatchObject({ used: 1, limit: 2 });
    expect(cell.holders.map((x) => x.itemId)).toEqual([mine.json().id]);
    expect((await ideaCell('atlas')).used).toBe(0);
  });

  it('a full pod refuses the idea with its holders and stores no idea', async () => {
    await submit({ title: 'One', pod: 'ratio' });
    await submit({ title: 'Two', pod: 'ratio' });
    const before = (await h.call('GET', '/api/v1/ideas')).json().items.length;
    const refused = await submit({ title: 'Three', pod: 'ratio' });
    expect(refused.statusCode).toBe(409);
    expect(refused.json().error).toMatchObject({
      code: 'wip_limit_exceeded',
      details: { pod: 'ratio', itemType: 'idea', limit: 2, used: 2 },
    });
    expect(refused.json().error.details.holders).toHaveLength(2);
    expect((await h.call('GET', '/api/v1/ideas')).json().items.length).toBe(before);
    // Other pods, and ideas for no pod, are not affected.
    expect((await submit({ title: 'Three', pod: 'atlas' })).statusCode).toBe(201);
    expect((await submit({ title: 'Three' })).statusCode).toBe(201);
  });

  it('archiving frees the slot, in the same transaction as the archive', async () => {
    const idea = (await submit({ title: 'Maybe', pod: 'ratio' })).json();
    expect((await ideaCell()).used).toBe(1);
    const archived = await h.call('POST', `/api/v1/ideas/${idea.id}/archive`, { reason: 'not now' });
    expect(archived.statusCode, archived.body).toBe(200);
    expect((await ideaCell()).used).toBe(0);
    const released = (await h.call('GET', '/api/v1/audit?action=wip.released')).json().items;
    expect(released[0]).toMatchObject({ reason: 'idea archived' });
  });

  it('promotion frees the idea slot, whichever pod the project goes to', async () => {
    const idea = (await submit({ title: 'Ship it', pod: 'ratio' })).json();
    await qualify(idea.id);
    const promoted = await h.call('POST', `/api/v1/ideas/${idea.id}/promote`, { pod: 'atlas' });
    expect(promoted.statusCode, promoted.body).toBe(201);
    expect((await ideaCell()).used).toBe(0);
    // The project holds the target pod's project slot as before.
    const atlas = (await h.call('GET', '/api/v1/pods/atlas/wip')).json().types;
    expect(atlas.find((t: { itemType: string }) => t.itemType === 'project').used).toBe(1);
  });

  it('a refused promotion keeps the idea slot', async () => {
    const idea = (await submit({ title: 'Unscored', pod: 'ratio' })).json();
    const refused = await h.call('POST', `/api/v1/ideas/${idea.id}/promote`, { pod: 'ratio' });
    expect(refused.statusCode).toBe(422);
    expect((await ideaCell()).used).toBe(1);
  });

  it('a pod-scoped token submits only for its pods; an unknown pod is a 404', async () => {
    const scoped = await h.userWithToken('developer', { pods: ['atlas'] });
    const res = await submit({ title: 'Elsewhere', pod: 'ratio' }, scoped.token);
    expect(res.statusCode).toBe(403);
    expect((await submit({ title: 'Here', pod: 'atlas' }, scoped.token)).statusCode).toBe(201);
    expect((await submit({ title: 'Nowhere', pod: 'nope' })).statusCode).toBe(404);
    expect((await ideaCell()).used).toBe(0);
  });

  it('GraphQL submits for a pod and reports a full pod as REST does', async () => {
    await h.call('PUT', '/api/v1/pods/ratio/wip-limits/idea', { limit: 1 });
    const q = 'mutation ($p: String) { submitIdea(title: "G", pod: $p) { id podId } }';
    const first = await h.call('POST', '/graphql', { query: q, variables: { p: 'ratio' } }, dev.token);
    expect(first.json().data.submitIdea.podId).toEqual(expect.any(String));
    const second = await h.call('POST', '/graphql', { query: q, variables: { p: 'ratio' } }, dev.token);
    expect(second.json().errors[0].extensions).toMatchObject({ code: 'wip_limit_exceeded' });
  });
});
