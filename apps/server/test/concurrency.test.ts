import { testEngines } from '@clos/testing';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type Harness, startHarness } from './harness.ts';

describe.each(testEngines())('concurrency on %s', (engine) => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness(engine);
  });
  afterAll(() => h.close());
  beforeEach(async () => {
    await h.reset();
    expect(
      (await h.call('POST', '/api/v1/pods', { slug: 'ratio', name: 'Ratio', timezone: 'Europe/London' }))
        .statusCode,
    ).toBe(201);
  });

  it('100 simultaneous acquires on a limit of 3 admit exactly 3', async () => {
    expect((await h.call('PUT', '/api/v1/pods/ratio/wip-limits/pull-request', { limit: 3 })).statusCode).toBe(
      200,
    );
    const dev = await h.userWithToken('developer');
    const results = await Promise.all(
      Array.from({ length: 100 }, (_, i) =>
        h.call('POST', '/api/v1/pods/ratio/wip/pull-request/locks', { itemId: `pr-${i}` }, dev.token),
      ),
    );
    const codes = results.map((r) => r.statusCode);
    expect(codes.filter((c) => c === 201)).toHaveLength(3);
    expect(codes.filter((c) => c === 409)).toHaveLength(97);
    const refused = results.find((r) => r.statusCode === 409)!.json();
    expect(refused.error.code).toBe('wip_limit_exceeded');
    expect(refused.error.details.holders).toHaveLength(3);
    const rows = await h.database.query<{ n: string }>(
      "select count(*)::text as n from wip_locks where item_type = 'pull-request' and released_at is null",
    );
    expect(rows[0]!.n).toBe('3');
  });

  it('the same item acquired 20 times at once holds one lock', async () => {
    const results = await Promise.all(
      Array.from({ length: 20 }, () =>
        h.call('POST', '/api/v1/pods/ratio/wip/pull-request/locks', { itemId: 'web#1' }),
      ),
    );
    expect(results.filter((r) => r.statusCode === 201)).toHaveLength(1);
    expect(results.filter((r) => r.statusCode === 200)).toHaveLength(19);
    expect(new Set(results.map((r) => r.json().id)).size).toBe(1);
  });

  it('one lock released 20 times at once is released once, with one audit entry and one event', async () => {
    const lock = (
      await h.call('POST', '/api/v1/pods/ratio/wip/pull-request/locks', { itemId: 'web#2' })
    ).json();
    const results = await Promise.all(
      Array.from({ length: 20 }, () => h.call('DELETE', `/api/v1/wip-locks/${lock.id}`)),
    );
    expect(results.map((r) => r.statusCode)).toEqual(Array(20).fill(200));
    // Every answer shows the one release that happened, whichever request made it.
    expect(new Set(results.map((r) => r.json().releasedAt)).size).toBe(1);
    await h.sealAudit();
    const audited = await h.database.query<{ n: string }>(
      "select count(*)::text as n from audit_events where action = 'wip.released' and subject_id = $1",
      [lock.id],
    );
    expect(audited[0]!.n).toBe('1');
    const events = await h.database.query<{ n: string }>(
      "select count(*)::text as n from domain_events where type = 'wip.released' and subject_id = $1",
      [lock.id],
    );
    expect(events[0]!.n).toBe('1');
  });

  it('simultaneous promotions into one free project slot create one project', async () => {
    expect((await h.call('PUT', '/api/v1/pods/ratio/wip-limits/project', { limit: 1 })).statusCode).toBe(200);
    const a = await h.userWithToken('developer');
    const b = await h.userWithToken('developer');
    const scores = { impact: 5, confidence: 5, ease: 5, 'strategic-fit': 5 };
    const ideaIds: string[] = [];
    for (let i = 0; i < 8; i++) {
      const idea = await h.call('POST', '/api/v1/ideas', { title: `Idea ${i}` });
      for (const who of [a, b]) {
        const ev = await h.call('POST', `/api/v1/ideas/${idea.json().id}/evaluations`, { scores }, who.token);
        expect(ev.statusCode, ev.body).toBe(201);
      }
      ideaIds.push(idea.json().id);
    }
    const results = await Promise.all(
      ideaIds.map((id) => h.call('POST', `/api/v1/ideas/${id}/promote`, { pod: 'ratio' })),
    );
    expect(results.filter((r) => r.statusCode === 201)).toHaveLength(1);
    const refused = results.filter((r) => r.statusCode === 409);
    expect(refused).toHaveLength(7);
    expect(refused.every((r) => r.json().error.code === 'wip_limit_exceeded')).toBe(true);
    const projects = await h.database.query<{ n: string }>('select count(*)::text as n from projects');
    expect(projects[0]!.n).toBe('1');
    const promoted = await h.database.query<{ n: string }>(
      "select count(*)::text as n from ideas where status = 'promoted'",
    );
    expect(promoted[0]!.n).toBe('1');
  });

  it('the same idea promoted twice at once gives one project', async () => {
    const a = await h.userWithToken('developer');
    const b = await h.userWithToken('developer');
    const idea = await h.call('POST', '/api/v1/ideas', { title: 'Once' });
    for (const who of [a, b])
      await h.call(
        'POST',
        `/api/v1/ideas/${idea.json().id}/evaluations`,
        { scores: { impact: 4, confidence: 4, ease: 4, 'strategic-fit': 4 } },
        who.token,
      );
    const results = await Promise.all(
      [1, 2, 3].map(() => h.call('POST', `/api/v1/ideas/${idea.json().id}/promote`, { pod: 'ratio' })),
    );
    expect(results.filter((r) => r.statusCode === 201)).toHaveLength(1);
    expect(results.filter((r) => r.statusCode === 409).every((r) => r.json().error.code === 'conflict')).toBe(
      true,
    );
    expect((await h.database.query<{ n: string }>('select count(*)::text as n from projects'))[0]!.n).toBe(
      '1',
    );
  });

  it('verify reads one snapshot while writers record and sealers seal', async () => {
    const writes = Promise.all(
      Array.from({ length: 60 }, (_, i) => h.call('POST', '/api/v1/ideas', { title: `Busy ${i}` })),
    );
    const seals = Promise.all(Array.from({ length: 10 }, () => h.sealAudit()));
    const verdicts = await Promise.all(
      Array.from({ length: 15 }, () => h.call('GET', '/api/v1/audit/verify')),
    );
    await writes;
    await seals;
    expect(verdicts.map((v) => v.json().ok)).toEqual(Array(15).fill(true));
  });

  it('concurrent writers and sealers keep the audit chain intact', async () => {
    await Promise.all([
      ...Array.from({ length: 30 }, (_, i) => h.call('POST', '/api/v1/ideas', { title: `Idea ${i}` })),
      ...Array.from({ length: 5 }, () => h.sealAudit()),
    ]);
    await h.sealAudit();
    const verify = await h.call('GET', '/api/v1/audit/verify');
    expect(verify.json()).toMatchObject({ ok: true, unsealed: 0 });
    expect(verify.json().count).toBeGreaterThanOrEqual(31);
  });
});
