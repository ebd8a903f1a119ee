import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { AuditEvent } from '../entities.ts';
import { type ChainedFields, canonicalJson, chainHash, GENESIS_HASH, verifyChain } from './chain.ts';

const sha256 = (input: string) => createHash('sha256').update(input, 'utf8').digest('hex');

const T0 = Date.UTC(2025, 2, 1, 9, 0, 0);

function fields(sequence: number): ChainedFields {
  return {
    sequence,
    id: `00000000-0000-4000-8000-${String(sequence).padStart(12, '0')}`,
    occurredAt: new Date(T0 + sequence * 1000),
    actorId: sequence % 2 === 0 ? 'user-1' : null,
    actorLabel: sequence % 2 === 0 ? 'ada@example.com' : 'system',
    action: 'project.advanced',
    subjectType: 'project',
    subjectId: `p-${sequence}`,
    before: { stage: 'idea', tags: ['a', 'b'] },
    after: { stage: 'build', approvedBy: ['lead@example.com'], at: new Date(T0) },
    reason: sequence === 3 ? 'gate passed' : null,
    requestId: `req-${sequence}`,
  };
}

/** A valid chain of `n` events, with its head. */
function chain(n: number): { events: AuditEvent[]; head: { sequence: number; hash: string } | null } {
  const events: AuditEvent[] = [];
  let prev = GENESIS_HASH;
  for (let seq = 1; seq <= n; seq++) {
    const f = fields(seq);
    const hash = chainHash(sha256, prev, f);
    events.push({ ...f, prevHash: prev, hash });
    prev = hash;
  }
  return { events, head: n === 0 ? null : { sequence: n, hash: prev } };
}

/** Re-links and re-hashes `events` as a forger would, from the first event's prevHash. */
function rehash(events: AuditEvent[]): AuditEvent[] {
  let prev = events[0]?.prevHash ?? GENESIS_HASH;
  return events.map((e) => {
    const hash = chainHash(sha256, prev, e);
    const out = { ...e, prevHash: prev, hash };
    prev = hash;
    return out;
  });
}

async function* asAsync<T>(items: T[]): AsyncIterable<T> {
  for (const item of items) {
    await Promise.resolve();
    yield item;
  }
}

describe('canonicalJson', () => {
  it('sorts object keys, so key order does not matter', () => {
    expect(canonicalJson({ b: 1, a: 2, c: 3 })).toBe('{"a":2,"b":1,"c":3}');
    expect(canonicalJson({ c: 3, a: 2, b: 1 })).toBe(canonicalJson({ a: 2, b: 1, c: 3 }));
  });

  it('sorts keys at every depth, including inside arrays', () => {
    const a = { z: { y: 1, x: [{ b: 1, a: 2 }] }, m: null };
    const b = { m: null, z: { x: [{ a: 2, b: 1 }], y: 1 } };
    expect(canonicalJson(a)).toBe('{"m":null,"z":{"x":[{"a":2,"b":1}],"y":1}}');
    expect(canonicalJson(b)).toBe(canonicalJson(a));
  });

  it('sorts keys by code unit, not by locale', () => {
    expect(canonicalJson({ b: 1, B: 2, a: 3, _: 4, '10': 5, '9': 6 })).toBe(
      '{"10":5,"9":6,"B":2,"_":4,"a":3,"b":1}',
    );
  });

  it('writes Dates as ISO strings, at any depth', () => {
    const d = new Date(Date.UTC(2025, 0, 2, 3, 4, 5, 6));
    expect(canonicalJson(d)).toBe('"2025-01-02T03:04:05.006Z"');
    expect(canonicalJson({ at: d, list: [d] })).toBe(
      '{"at":"2025-01-02T03:04:05.006Z","list":["2025-01-02T03:04:05.006Z"]}',
    );
  });

  it('drops undefined object properties', () => {
    expect(canonicalJson({ a: undefined, b: 1 })).toBe('{"b":1}');
    expect(canonicalJson({ a: undefined, b: 1 })).toBe(canonicalJson({ b: 1 }));
    expect(canonicalJson({ nested: { gone: undefined } })).toBe('{"nested":{}}');
  });

  it('keeps null properties, distinct from absent ones', () => {
    expect(canonicalJson({ a: null })).toBe('{"a":null}');
    expect(canonicalJson({ a: null })).not.toBe(canonicalJson({}));
  });

  it('keeps array order', () => {
    expect(canonicalJson([3, 1, 2])).toBe('[3,1,2]');
    expect(canonicalJson([3, 1, 2])).not.toBe(canonicalJson([1, 2, 3]));
    expect(canonicalJson(['b', { y: 1, x: 0 }, 'a'])).toBe('["b",{"x":0,"y":1},"a"]');
  });

  it('writes undefined array items, NaN and infinities as null, as JSON does', () => {
    expect(canonicalJson([1, undefined, 2])).toBe('[1,null,2]');
    expect(canonicalJson({ n: Number.NaN, i: Number.POSITIVE_INFINITY })).toBe('{"i":null,"n":null}');
    expect(canonicalJson(undefined)).toBe('null');
    expect(canonicalJson(null)).toBe('null');
  });

  it('escapes strings and keys as JSON', () => {
    expect(canonicalJson({ 'a"b': 'line\nbreak "quoted" \\ é' })).toBe(
      '{"a\\"b":"line\\nbreak \\"quoted\\" \\\\ é"}',
    );
  });

  it('writes scalars as JSON', () => {
    expect(canonicalJson(0)).toBe('0');
    expect(canonicalJson(-1.5)).toBe('-1.5');
    expect(canonicalJson(true)).toBe('true');
    expect(canonicalJson('x')).toBe('"x"');
    expect(canonicalJson([])).toBe('[]');
    expect(canonicalJson({})).toBe('{}');
  });

  it('parses back to the same value, minus undefined', () => {
    const value = { b: [1, 'two', { d: false, c: null }], a: { z: 1.25 } };
    expect(JSON.parse(canonicalJson(value))).toEqual(value);
  });
});

describe('chainHash', () => {
  it('is the sha256 of the previous hash followed by the canonical event', () => {
    const f = fields(2);
    const expected = sha256(
      GENESIS_HASH +
        canonicalJson({
          sequence: f.sequence,
          id: f.id,
          occurredAt: f.occurredAt,
          actorId: f.actorId,
          actorLabel: f.actorLabel,
          action: f.action,
          subjectType: f.subjectType,
          subjectId: f.subjectId,
          before: f.before,
          after: f.after,
          reason: f.reason,
          requestId: f.requestId,
        }),
    );
    expect(chainHash(sha256, GENESIS_HASH, f)).toBe(expected);
    expect(chainHash(sha256, GENESIS_HASH, f)).toMatch(/^[0-9a-f]{64}$/);
  });

  it('ignores fields outside the chained set, such as the hashes themselves', () => {
    const f = fields(1);
    const withExtras = { ...f, prevHash: 'x'.repeat(64), hash: 'y'.repeat(64), extra: 1 } as ChainedFields;
    expect(chainHash(sha256, GENESIS_HASH, withExtras)).toBe(chainHash(sha256, GENESIS_HASH, f));
  });

  it('does not depend on key order inside before/after', () => {
    const a = { ...fields(1), after: { x: 1, y: { p: 1, q: 2 } } };
    const b = { ...fields(1), after: { y: { q: 2, p: 1 }, x: 1 } };
    expect(chainHash(sha256, GENESIS_HASH, a)).toBe(chainHash(sha256, GENESIS_HASH, b));
  });

  it('changes with the previous hash', () => {
    const f = fields(1);
    expect(chainHash(sha256, GENESIS_HASH, f)).not.toBe(chainHash(sha256, '1'.repeat(64), f));
  });

  const changes: [keyof ChainedFields, unknown][] = [
    ['sequence', 99],
    ['id', 'other-id'],
    ['occurredAt', new Date(T0 + 1)],
    ['actorId', 'user-2'],
    ['actorLabel', 'mallory@example.com'],
    ['action', 'project.deleted'],
    ['subjectType', 'idea'],
    ['subjectId', 'p-x'],
    ['before', { stage: 'build' }],
    ['after', { stage: 'ship' }],
    ['reason', 'edited'],
    ['requestId', null],
  ];
  it.each(changes)('changes when %s changes', (key, value) => {
    const f = fields(2);
    expect(chainHash(sha256, GENESIS_HASH, { ...f, [key]: value })).not.toBe(
      chainHash(sha256, GENESIS_HASH, f),
    );
  });
});

describe('verifyChain', () => {
  it('accepts a valid chain and counts it', async () => {
    const { events, head } = chain(6);
    expect(await verifyChain(sha256, events, head)).toEqual({ ok: true, count: 6 });
  });

  it('accepts a single event', async () => {
    const { events, head } = chain(1);
    expect(events[0]!.prevHash).toBe(GENESIS_HASH);
    expect(await verifyChain(sha256, events, head)).toEqual({ ok: true, count: 1 });
  });

  it('accepts an empty log with no head', async () => {
    expect(await verifyChain(sha256, [], null)).toEqual({ ok: true, count: 0 });
  });

  it('accepts an async iterable', async () => {
    const { events, head } = chain(5);
    expect(await verifyChain(sha256, asAsync(events), head)).toEqual({ ok: true, count: 5 });
    expect(await verifyChain(sha256, asAsync([]), null)).toEqual({ ok: true, count: 0 });
  });

  it('detects an edited field at that event', async () => {
    const { events, head } = chain(6);
    events[3] = { ...events[3]!, after: { stage: 'ship' } };
    expect(await verifyChain(sha256, events, head)).toEqual({
      ok: false,
      brokenAt: 4,
      reason: 'event content does not match its hash',
      count: 3,
    });
  });

  it.each([
    ['actorLabel', 'someone-else'],
    ['occurredAt', new Date(T0 - 1)],
    ['reason', 'rewritten'],
  ] as const)('detects an edited %s', async (key, value) => {
    const { events, head } = chain(4);
    events[2] = { ...events[2]!, [key]: value };
    expect(await verifyChain(sha256, events, head)).toMatchObject({ ok: false, brokenAt: 3 });
  });

  it('detects an edited and re-hashed event at the next one', async () => {
    const { events, head } = chain(5);
    const edited = { ...events[1]!, subjectId: 'forged' };
    events[1] = { ...edited, hash: chainHash(sha256, edited.prevHash, edited) };
    expect(await verifyChain(sha256, events, head)).toEqual({
      ok: false,
      brokenAt: 3,
      reason: 'previous hash does not match',
      count: 2,
    });
  });

  it('detects a deleted middle event at its sequence', async () => {
    const { events, head } = chain(6);
    events.splice(2, 1);
    expect(await verifyChain(sha256, events, head)).toEqual({
      ok: false,
      brokenAt: 3,
      reason: 'event 3 is missing',
      count: 2,
    });
  });

  it('detects a deleted first event', async () => {
    const { events, head } = chain(3);
    expect(await verifyChain(sha256, events.slice(1), head)).toMatchObject({
      ok: false,
      brokenAt: 1,
      count: 0,
    });
  });

  it('detects a changed prevHash', async () => {
    const { events, head } = chain(6);
    events[4] = { ...events[4]!, prevHash: events[2]!.hash };
    expect(await verifyChain(sha256, events, head)).toEqual({
      ok: false,
      brokenAt: 5,
      reason: 'previous hash does not match',
      count: 4,
    });
  });

  it('detects a first event that does not start from the genesis hash', async () => {
    const { events, head } = chain(2);
    const forged = rehash([{ ...events[0]!, prevHash: 'f'.repeat(64) }, events[1]!]);
    expect(await verifyChain(sha256, forged, head)).toMatchObject({
      ok: false,
      brokenAt: 1,
      reason: 'previous hash does not match',
    });
  });

  it('detects deletion of the last event through the head', async () => {
    const { events, head } = chain(6);
    expect(await verifyChain(sha256, events.slice(0, 5), head)).toEqual({
      ok: false,
      brokenAt: 6,
      reason: 'chain head records 6 events, found 5',
      count: 5,
    });
  });

  it('detects deletion of the last events through the head', async () => {
    const { events, head } = chain(6);
    expect(await verifyChain(sha256, events.slice(0, 3), head)).toEqual({
      ok: false,
      brokenAt: 4,
      reason: 'chain head records 6 events, found 3',
      count: 3,
    });
    expect(await verifyChain(sha256, [], head)).toMatchObject({ ok: false, brokenAt: 1, count: 0 });
  });

  it('detects events the head does not know about', async () => {
    const { events } = chain(3);
    expect(await verifyChain(sha256, events, null)).toMatchObject({
      ok: false,
      reason: 'chain head records 0 events, found 3',
    });
  });

  it('detects a head whose hash does not match the last event', async () => {
    const { events, head } = chain(4);
    expect(await verifyChain(sha256, events, { sequence: 4, hash: events[2]!.hash })).toEqual({
      ok: false,
      brokenAt: 4,
      reason: 'chain head hash does not match the last event',
      count: 4,
    });
    // A forger who rewrites the tail consistently still disagrees with the head.
    const forged = rehash(events.map((e, i) => (i === 3 ? { ...e, reason: 'forged' } : e)));
    expect(await verifyChain(sha256, forged, head)).toMatchObject({ ok: false, brokenAt: 4 });
  });

  it('stops at the first break', async () => {
    const { events, head } = chain(6);
    events[1] = { ...events[1]!, action: 'x' };
    events[4] = { ...events[4]!, action: 'y' };
    expect(await verifyChain(sha256, events, head)).toMatchObject({ ok: false, brokenAt: 2, count: 1 });
  });

  it('verifies with the hash function it is given', async () => {
    const { events, head } = chain(2);
    const other = (input: string) => createHash('sha256').update(`salt${input}`).digest('hex');
    expect(await verifyChain(other, events, head)).toMatchObject({ ok: false, brokenAt: 1 });
  });
});
