import { testEngines } from '@clos/testing';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type Harness, startHarness } from './harness.ts';

describe.each(testEngines())('audit log on %s', (engine) => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness(engine);
  });
  afterAll(() => h.close());
  beforeEach(async () => {
    await h.reset();
    await h.call(
      'POST',
      '/api/v1/pods',
      { slug: 'ratio', name: 'Ratio', timezone: 'Europe/London' },
      undefined,
    );
    for (let i = 0; i < 5; i++) {
      h.clock.advance(60_000);
      await h.call('POST', '/api/v1/ideas', { title: `Idea ${i}` });
    }
    // As the relay would moments after those commits (this harness runs none).
    await h.sealAudit();
  });

  /** The append-only trigger stops ordinary tampering; a superuser can still disable it. */
  async function tamper(sql: string) {
    await h.sealAudit();
    await h.database.query('alter table audit_events disable trigger audit_events_append_only');
    try {
      await h.database.query(sql);
    } finally {
      await h.database.query('alter table audit_events enable trigger audit_events_append_only');
    }
  }

  it('records actor, action, subject, before/after and request id, hash-chained', async () => {
    const res = await h.app.inject({
      method: 'POST',
      url: '/api/v1/ideas',
      payload: { title: 'Traced' },
      headers: { authorization: 'Bearer clos_test_admin_token_0123456789abcdef', 'x-request-id': 'req-42' },
    });
    const events = (await h.call('GET', '/api/v1/audit?limit=2')).json().items;
    expect(events[0]).toMatchObject({
      action: 'idea.submitted',
      subjectType: 'idea',
      subjectId: res.json().id,
      actorLabel: 'admin@example.com',
      requestId: 'req-42',
      after: { title: 'Traced' },
    });
    expect(events[0].prevHash).toBe(events[1].hash);
    expect(events[0].sequence).toBe(events[1].sequence + 1);
    expect(await h.call('GET', '/api/v1/audit/verify').then((r) => r.json())).toEqual({
      ok: true,
      count: events[0].sequence,
      unsealed: 0,
    });
  });

  it('records a change unsealed in its transaction; verify counts it until it is sealed, in order', async () => {
    const sealed = await h.call('GET', '/api/v1/audit/verify').then((r) => r.json());
    // This harness runs no relay: what a change records waits for the next sealer.
    await h.call('POST', '/api/v1/ideas', { title: 'First' });
    await h.call('POST', '/api/v1/ideas', { title: 'Second' });
    expect(await h.call('GET', '/api/v1/audit/verify').then((r) => r.json())).toEqual({
      ok: true,
      count: sealed.count,
      unsealed: 2,
    });
    const pending = await h.database.query<{ action: string }>('select action from audit_pending');
    expect(pending.map((r) => r.action)).toEqual(['idea.submitted', 'idea.submitted']);
    // Listing the log seals first: the newest change is there with its place in the chain.
    const [second, first] = (await h.call('GET', '/api/v1/audit?limit=2')).json().items;
    expect([first.after.title, second.after.title]).toEqual(['First', 'Second']);
    expect([first.sequence, second.sequence]).toEqual([sealed.count + 1, sealed.count + 2]);
    expect(second.prevHash).toBe(first.hash);
    expect(await h.call('GET', '/api/v1/audit/verify').then((r) => r.json())).toEqual({
      ok: true,
      count: sealed.count + 2,
      unsealed: 0,
    });
  });

  it('listing a sealed log opens no write transaction (which would empty the read caches)', async () => {
    // The embedded engine counts its write transactions; PostgreSQL's other processes make that unknowable.
    const writes = () => h.database.writes?.version ?? null;
    const before = writes();
    await h.call('GET', '/api/v1/audit?limit=5');
    await h.call('GET', '/api/v1/audit?limit=5');
    expect(writes()).toBe(before);
    await h.call('POST', '/api/v1/ideas', { title: 'Pending' });
    const afterWrite = writes();
    const listed = (await h.call('GET', '/api/v1/audit?limit=1')).json().items;
    expect(listed[0].after.title).toBe('Pending');
    // Sealing what was pending is a write; on PostgreSQL the pending table says so.
    if (afterWrite !== null) expect(writes()).toBeGreaterThan(afterWrite);
    expect(await h.database.query('select 1 from audit_pending')).toHaveLength(0);
  });

  it('a failed change leaves no pending audit row (rolled back with it)', async () => {
    const res = await h.call('POST', '/api/v1/pods', { slug: 'ratio', name: 'Again', timezone: 'UTC' });
    expect(res.statusCode).toBe(409);
    expect(await h.database.query('select 1 from audit_pending')).toHaveLength(0);
  });

  it('filters by action, subject, actor and time, with cursor pagination', async () => {
    const all = (await h.call('GET', '/api/v1/audit?action=idea.submitted&limit=2')).json();
    expect(all.items.map((e: { after: { title: string } }) => e.after.title)).toEqual(['Idea 4', 'Idea 3']);
    const next = (
      await h.call('GET', `/api/v1/audit?action=idea.submitted&limit=2&cursor=${all.nextCursor}`)
    ).json();
    expect(next.items.map((e: { after: { title: string } }) => e.after.title)).toEqual(['Idea 2', 'Idea 1']);
    const from = new Date(h.clock.now().getTime() - 90_000).toISOString();
    const recent = (
      await h.call('GET', `/api/v1/audit?action=idea.submitted&from=${encodeURIComponent(from)}`)
    ).json();
    expect(recent.items).toHaveLength(2);
    const subject = all.items[0].subjectId;
    expect(
      (await h.call('GET', `/api/v1/audit?subjectType=idea&subjectId=${subject}`)).json().items,
    ).toHaveLength(1);
    const actor = all.items[0].actorId;
    expect(
      (await h.call('GET', `/api/v1/audit?actorId=${actor}&action=pod.registered`)).json().items,
    ).toHaveLength(1);
  });

  it('refuses UPDATE and DELETE on the log in the database itself', async () => {
    await expect(h.database.query("update audit_events set reason = 'x' where sequence = 2")).rejects.toThrow(
      /append-only/,
    );
    await expect(h.database.query('delete from audit_events where sequence = 2')).rejects.toThrow(
      /append-only/,
    );
    await expect(h.database.query('truncate audit_events')).rejects.toThrow(/append-only/);
  });

  it('verify reports an edited row', async () => {
    await tamper(`update audit_events set after = '{"title":"Forged"}' where sequence = 4`);
    expect((await h.call('GET', '/api/v1/audit/verify')).json()).toMatchObject({ ok: false, brokenAt: 4 });
  });

  it('verify reports a deleted row in the middle', async () => {
    await tamper('delete from audit_events where sequence = 3');
    expect((await h.call('GET', '/api/v1/audit/verify')).json()).toMatchObject({ ok: false, brokenAt: 3 });
  });

  it('verify reports the newest rows deleted', async () => {
    const count = (await h.call('GET', '/api/v1/audit/verify')).json().count;
    await tamper(`delete from audit_events where sequence >= ${count - 1}`);
    expect((await h.call('GET', '/api/v1/audit/verify')).json()).toMatchObject({
      ok: false,
      brokenAt: count - 1,
    });
  });

  it('verify reports a row re-hashed after editing (the next link breaks)', async () => {
    const row = (
      await h.database.query<{ hash: string }>('select hash from audit_events where sequence = 2')
    )[0]!;
    await tamper(`update audit_events set hash = '${'f'.repeat(64)}' where sequence = 2`);
    const verdict = (await h.call('GET', '/api/v1/audit/verify')).json();
    expect(verdict).toMatchObject({ ok: false, brokenAt: 2 });
    expect(row.hash).not.toBe('f'.repeat(64));
  });
});
