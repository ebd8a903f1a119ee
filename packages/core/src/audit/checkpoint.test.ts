import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { AuditEvent } from '../entities.ts';
import { type ChainedFields, chainHash, GENESIS_HASH, verifyChain } from './chain.ts';
import {
  type CheckpointClaim,
  checkpointMessage,
  checkpointSlot,
  verifyCheckpoints,
  verifyExtension,
} from './checkpoint.ts';

const sha256 = (input: string) => createHash('sha256').update(input, 'utf8').digest('hex');

function fields(sequence: number, title = `Idea ${sequence}`): ChainedFields {
  return {
    sequence,
    id: `00000000-0000-4000-8000-${String(sequence).padStart(12, '0')}`,
    occurredAt: new Date(Date.UTC(2026, 2, 2, 9, 0, sequence)),
    actorId: null,
    actorLabel: 'admin@example.com',
    action: 'idea.submitted',
    subjectType: 'idea',
    subjectId: `i-${sequence}`,
    before: null,
    after: { title },
    reason: null,
    requestId: `req-${sequence}`,
  };
}

/** Links and hashes `rows` from the genesis, as the appender (or a forger re-signing) does. */
function link(rows: ChainedFields[]): AuditEvent[] {
  let prev = GENESIS_HASH;
  return rows.map((f) => {
    const hash = chainHash(sha256, prev, f);
    const event = { ...f, prevHash: prev, hash };
    prev = hash;
    return event;
  });
}

const chainOf = (n: number) => link(Array.from({ length: n }, (_, i) => fields(i + 1)));
const headOf = (events: AuditEvent[]) =>
  events.length ? { sequence: events.length, hash: events[events.length - 1]!.hash } : null;
const checkpointAt = (events: AuditEvent[], sequence: number): CheckpointClaim => ({
  sequence,
  hash: sequence === 0 ? GENESIS_HASH : events[sequence - 1]!.hash,
  time: `2026-03-02T${String(9 + (sequence % 10)).padStart(2, '0')}:00:00.000Z`,
  keyId: '0123456789abcdef',
});

describe('checkpointMessage', () => {
  it('is canonical JSON of the format and the claim, whatever order the claim was built in', () => {
    const claim = { keyId: 'k', time: '2026-03-02T09:00:00.000Z', hash: 'h', sequence: 7 };
    expect(checkpointMessage(claim)).toBe(
      '{"format":"clos-audit-checkpoint/1","hash":"h","keyId":"k","sequence":7,"time":"2026-03-02T09:00:00.000Z"}',
    );
  });

  it('leaves out anything but the claim (a public key or signature field cannot change the bytes)', () => {
    const claim = { sequence: 1, hash: 'h', time: 't', keyId: 'k' };
    expect(checkpointMessage({ ...claim, publicKey: 'p', signature: 's' } as CheckpointClaim)).toBe(
      checkpointMessage(claim),
    );
  });
});

describe('checkpointSlot', () => {
  it('is the start of the interval, counted from the epoch, so every process agrees', () => {
    expect(checkpointSlot(new Date('2026-03-02T09:59:59.999Z'), 60)).toBe('2026-03-02T09:00:00.000Z');
    expect(checkpointSlot(new Date('2026-03-02T10:00:00.000Z'), 60)).toBe('2026-03-02T10:00:00.000Z');
    expect(checkpointSlot(new Date('2026-03-02T10:16:00.000Z'), 15)).toBe('2026-03-02T10:15:00.000Z');
  });
});

describe('verifyCheckpoints', () => {
  it('passes an intact log with checkpoints at its start, middle and end', async () => {
    const events = chainOf(10);
    const checkpoints = [0, 1, 4, 10].map((s) => checkpointAt(events, s));
    expect(await verifyCheckpoints(sha256, events, headOf(events), checkpoints)).toEqual({
      ok: true,
      count: 10,
      checkpoints: 4,
    });
  });

  it('with no checkpoints, answers as verifyChain does', async () => {
    const events = chainOf(5);
    const forged = [...events.slice(0, 2), { ...events[2]!, after: { title: 'Forged' } }, ...events.slice(3)];
    const plain = await verifyChain(sha256, forged, headOf(events));
    expect(await verifyCheckpoints(sha256, forged, headOf(events), [])).toEqual({ ...plain, checkpoints: 0 });
  });

  it('a rewound head: newest rows deleted and the head moved back passes verifyChain, not the checkpoint', async () => {
    const events = chainOf(10);
    const checkpoints = [checkpointAt(events, 7), checkpointAt(events, 10)];
    const rewound = events.slice(0, 7);
    expect(await verifyChain(sha256, rewound, headOf(rewound))).toEqual({ ok: true, count: 7 });
    expect(await verifyCheckpoints(sha256, rewound, headOf(rewound), checkpoints)).toMatchObject({
      ok: false,
      brokenAt: 8,
      count: 7,
      checkpoint: { sequence: 10 },
    });
  });

  it('a rewound head with new events appended since: blames the events after the last matching checkpoint', async () => {
    const events = chainOf(10);
    const checkpoints = [checkpointAt(events, 6), checkpointAt(events, 10)];
    const regrown = link([...events.slice(0, 7), ...[8, 9, 10, 11].map((s) => fields(s, `Other ${s}`))]);
    expect(await verifyChain(sha256, regrown, headOf(regrown))).toMatchObject({ ok: true });
    const verdict = await verifyCheckpoints(sha256, regrown, headOf(regrown), checkpoints);
    expect(verdict).toMatchObject({ ok: false, brokenAt: 7, count: 6, checkpoint: { sequence: 10 } });
    expect(verdict.ok === false && verdict.reason).toContain(
      'after event 6, the last checkpoint that still matches',
    );
  });

  it('a truncated tail (rows deleted, head left alone) is reported at the first missing row', async () => {
    const events = chainOf(10);
    expect(
      await verifyCheckpoints(sha256, events.slice(0, 8), headOf(events), [checkpointAt(events, 10)]),
    ).toMatchObject({ ok: false, brokenAt: 9, count: 8 });
  });

  it('an edited row (not re-hashed) is reported at that row', async () => {
    const events = chainOf(10);
    const edited = events.map((e) => (e.sequence === 5 ? { ...e, after: { title: 'Forged' } } : e));
    expect(await verifyCheckpoints(sha256, edited, headOf(events), [checkpointAt(events, 10)])).toMatchObject(
      { ok: false, brokenAt: 5, count: 4, reason: 'event content does not match its hash' },
    );
  });

  it('a re-signed chain (row edited, every later hash and the head recomputed) is caught by the checkpoints', async () => {
    const events = chainOf(10);
    const resigned = link(events.map((e) => (e.sequence === 5 ? fields(5, 'Forged') : fields(e.sequence))));
    expect(await verifyChain(sha256, resigned, headOf(resigned))).toEqual({ ok: true, count: 10 });
    // Checkpoints on either side of the edit pin it down to the row itself…
    expect(
      await verifyCheckpoints(sha256, resigned, headOf(resigned), [
        checkpointAt(events, 4),
        checkpointAt(events, 5),
        checkpointAt(events, 10),
      ]),
    ).toMatchObject({ ok: false, brokenAt: 5, count: 4, checkpoint: { sequence: 5 } });
    // …further apart, to the first event after the last one that still matches.
    expect(
      await verifyCheckpoints(sha256, resigned, headOf(resigned), [
        checkpointAt(events, 2),
        checkpointAt(events, 10),
      ]),
    ).toMatchObject({ ok: false, brokenAt: 3, count: 2, checkpoint: { sequence: 10 } });
  });

  it('an emptied log (truncated, head reset to genesis) fails every checkpoint but one of the empty log', async () => {
    const events = chainOf(3);
    expect(await verifyCheckpoints(sha256, [], null, [checkpointAt(events, 0)])).toEqual({
      ok: true,
      count: 0,
      checkpoints: 1,
    });
    expect(await verifyCheckpoints(sha256, [], null, [checkpointAt(events, 3)])).toMatchObject({
      ok: false,
      brokenAt: 1,
      count: 0,
    });
  });

  it('takes checkpoints in any order, and repeated ones', async () => {
    const events = chainOf(6);
    const checkpoints = [6, 2, 2, 4].map((s) => checkpointAt(events, s));
    expect(await verifyCheckpoints(sha256, events, headOf(events), checkpoints)).toMatchObject({
      ok: true,
      checkpoints: 4,
    });
  });

  it('property: any single edit before the last checkpoint, re-hashed or not, is reported at or before it', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 2, max: 12 }),
        fc.integer({ min: 1, max: 12 }),
        fc.boolean(),
        fc.uniqueArray(fc.integer({ min: 1, max: 12 }), { minLength: 1, maxLength: 4 }),
        async (n, editAt, resign, at) => {
          fc.pre(editAt <= n && at.every((s) => s <= n));
          const events = chainOf(n);
          const checkpoints = at.map((s) => checkpointAt(events, s));
          const rows = events.map((e) =>
            e.sequence === editAt ? fields(editAt, 'Forged') : fields(e.sequence),
          );
          const tampered = resign
            ? link(rows)
            : events.map((e) => (e.sequence === editAt ? { ...e, after: { title: 'Forged' } } : e));
          const verdict = await verifyCheckpoints(sha256, tampered, headOf(tampered), checkpoints);
          const covered = Math.max(...at) >= editAt;
          if (!resign || covered) {
            expect(verdict.ok).toBe(false);
            if (!verdict.ok) expect(verdict.brokenAt).toBeLessThanOrEqual(editAt);
            // Never blames an event a matching checkpoint still vouches for.
            const vouched = Math.max(0, ...at.filter((s) => s < editAt));
            if (!verdict.ok) expect(verdict.brokenAt).toBeGreaterThan(vouched);
          } else expect(verdict.ok).toBe(true);
        },
      ),
    );
  });
});

describe('verifyExtension', () => {
  const from = (events: AuditEvent[], sequence: number) => ({ sequence, hash: events[sequence - 1]!.hash });

  it('passes a log that grew from the last checkpoint, reading only the rows since it', async () => {
    const events = chainOf(10);
    expect(await verifyExtension(sha256, from(events, 6), events.slice(5), headOf(events)!)).toEqual({
      ok: true,
    });
    expect(
      await verifyExtension(sha256, { sequence: 0, hash: GENESIS_HASH }, events, headOf(events)!),
    ).toEqual({ ok: true });
  });

  it('refuses a head behind the last checkpoint (rewound)', async () => {
    const events = chainOf(10);
    expect(
      await verifyExtension(sha256, from(events, 8), events.slice(7, 6), headOf(events.slice(0, 6))!),
    ).toMatchObject({ ok: false, brokenAt: 7 });
  });

  it('refuses a log whose checkpointed row changed (rewritten and re-hashed)', async () => {
    const events = chainOf(10);
    const resigned = link(events.map((e) => (e.sequence === 3 ? fields(3, 'Forged') : fields(e.sequence))));
    expect(
      await verifyExtension(sha256, from(events, 6), resigned.slice(5), headOf(resigned)!),
    ).toMatchObject({ ok: false, brokenAt: 6 });
  });

  it('refuses an edited or missing row since the checkpoint, and a head that does not match', async () => {
    const events = chainOf(10);
    const edited = events.map((e) => (e.sequence === 8 ? { ...e, reason: 'x' } : e));
    expect(await verifyExtension(sha256, from(events, 6), edited.slice(5), headOf(events)!)).toMatchObject({
      ok: false,
      brokenAt: 8,
    });
    const gap = events.filter((e) => e.sequence !== 9);
    expect(await verifyExtension(sha256, from(events, 6), gap.slice(5), headOf(events)!)).toMatchObject({
      ok: false,
      brokenAt: 9,
    });
    expect(
      await verifyExtension(sha256, from(events, 6), events.slice(5), { sequence: 10, hash: 'f'.repeat(64) }),
    ).toMatchObject({ ok: false, brokenAt: 10 });
  });

  it('ignores rows past the head (appended after the snapshot, or not sealed yet)', async () => {
    const events = chainOf(10);
    expect(
      await verifyExtension(sha256, from(events, 4), events.slice(3), headOf(events.slice(0, 8))!),
    ).toEqual({
      ok: true,
    });
  });
});
