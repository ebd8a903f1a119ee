import { type ChainedFields, canonicalJson, chainHash, GENESIS_HASH, type Sha256 } from './chain.ts';

/**
 * Signed checkpoints of the audit chain. The chain and `audit_head` live in the database, so whoever
 * owns the database can delete the newest events and rewind the head, or rewrite an event and re-hash
 * everything after it; `verifyChain` then passes. A checkpoint is CLOS's signature, with a key kept
 * outside the database, over `(sequence, hash, time)` of the head, exported outside the database too.
 * A log that still contains every checkpointed prefix unchanged was not rewound or rewritten before
 * the newest checkpoint; one that does not is reported with the first sequence no longer vouched for.
 */
export const CHECKPOINT_FORMAT = 'clos-audit-checkpoint/1';

/** What a checkpoint vouches for: event `sequence` had `hash` at `time`, under the key `keyId`. */
export interface CheckpointClaim {
  sequence: number;
  hash: string;
  /** ISO 8601 (UTC, milliseconds), as `Date.prototype.toISOString` writes it. */
  time: string;
  keyId: string;
}

export interface SignedCheckpoint extends CheckpointClaim {
  format: typeof CHECKPOINT_FORMAT;
  /**
   * The signer's Ed25519 public key (32 bytes, base64url). It says which key signed; it is never
   * trusted on its own word: verifiers compare it with a key they pinned.
   */
  publicKey: string;
  /** Ed25519 signature (base64url) of {@link checkpointMessage}. */
  signature: string;
}

/**
 * The exact bytes that are signed: canonical JSON of the format and the claim. The format string is
 * inside, so a signature made for something else can never pass for a checkpoint's.
 */
export function checkpointMessage(claim: CheckpointClaim): string {
  return canonicalJson({
    format: CHECKPOINT_FORMAT,
    sequence: claim.sequence,
    hash: claim.hash,
    time: claim.time,
    keyId: claim.keyId,
  });
}

/**
 * The start of the checkpoint interval `now` falls in (intervals count from the Unix epoch, so every
 * process computes the same one): the key that makes periodic checkpoints once per interval.
 */
export function checkpointSlot(now: Date, intervalMinutes: number): string {
  const ms = intervalMinutes * 60_000;
  return new Date(Math.floor(now.getTime() / ms) * ms).toISOString();
}

type ChainRow = ChainedFields & { prevHash: string; hash: string };
type Rows = AsyncIterable<ChainRow> | Iterable<ChainRow>;

export type ExtensionVerdict = { ok: true } | { ok: false; brokenAt: number; reason: string };

/**
 * Does the log still extend `from` (the last checkpoint issued) up to `head`? `events` are the rows from
 * `from.sequence` on (from 1 when `from` is the genesis). Checked before signing a new checkpoint, so
 * CLOS never signs a head that does not grow out of the one it signed before; it costs a walk over the
 * events since the last checkpoint only.
 */
export async function verifyExtension(
  sha256: Sha256,
  from: { sequence: number; hash: string },
  events: Rows,
  head: { sequence: number; hash: string },
): Promise<ExtensionVerdict> {
  if (head.sequence < from.sequence)
    return {
      ok: false,
      brokenAt: head.sequence + 1,
      reason: `the chain head is at ${head.sequence}, behind the last checkpoint (${from.sequence}): events were deleted and the head moved back`,
    };
  let expected = from.sequence === 0 ? 1 : from.sequence;
  let prev = GENESIS_HASH;
  for await (const e of events) {
    // Rows past the head are not part of the chain the head vouches for (yet).
    if (e.sequence > head.sequence) break;
    if (e.sequence !== expected)
      return { ok: false, brokenAt: expected, reason: `event ${expected} is missing` };
    if (from.sequence > 0 && e.sequence === from.sequence) {
      if (e.hash !== from.hash)
        return {
          ok: false,
          brokenAt: from.sequence,
          reason: `event ${from.sequence} no longer has the hash the last checkpoint signed: the log was rewritten`,
        };
    } else {
      if (e.prevHash !== prev)
        return { ok: false, brokenAt: e.sequence, reason: 'previous hash does not match' };
      if (chainHash(sha256, prev, e) !== e.hash)
        return { ok: false, brokenAt: e.sequence, reason: 'event content does not match its hash' };
    }
    prev = e.hash;
    expected += 1;
  }
  const found = expected - 1;
  if (found !== head.sequence)
    return {
      ok: false,
      brokenAt: found + 1,
      reason: `chain head records ${head.sequence} events, found ${found}`,
    };
  if (prev !== head.hash)
    return { ok: false, brokenAt: head.sequence, reason: 'chain head hash does not match the last event' };
  return { ok: true };
}

/** The checkpoint a failed verification blames: the first one the log no longer contains. */
export interface FailingCheckpoint {
  sequence: number;
  hash: string;
  time: string;
}

export type CheckpointVerdict =
  | { ok: true; count: number; checkpoints: number }
  | {
      ok: false;
      brokenAt: number;
      reason: string;
      count: number;
      checkpoints: number;
      checkpoint?: FailingCheckpoint;
    };

const short = (hash: string) => `${hash.slice(0, 12)}…`;

/**
 * Verifies the chain as {@link verifyChain} does, and that it contains every checkpointed prefix
 * unchanged, in one walk. Because each hash covers everything before it, event S still having the
 * hash checkpoint S signed proves events 1…S unchanged; so each checkpoint costs one comparison.
 *
 * `brokenAt` is the first sequence no longer vouched for:
 * - a row edited without re-hashing, or a missing row: that row (the chain itself shows it);
 * - events after the log's end that a checkpoint covered (deleted, head rewound): the first of them;
 * - a checkpointed event whose hash changed while the chain still verifies (the log was rewritten and
 *   re-hashed): the event after the last checkpoint that still matches, since the change lies
 *   somewhere between that checkpoint and this one (exactly there when checkpoints are adjacent).
 *
 * Signatures are not checked here (core holds no keys): the caller accepts only checkpoints signed by
 * the key it trusts.
 */
export async function verifyCheckpoints(
  sha256: Sha256,
  events: Rows,
  head: { sequence: number; hash: string } | null,
  checkpoints: readonly CheckpointClaim[],
): Promise<CheckpointVerdict> {
  const pending = [...checkpoints].sort((a, b) => a.sequence - b.sequence);
  const total = pending.length;
  const blame = (c: CheckpointClaim): FailingCheckpoint => ({
    sequence: c.sequence,
    hash: c.hash,
    time: c.time,
  });
  let next = 0;
  let lastGood = 0;
  const rewritten = (c: CheckpointClaim, now: string) => ({
    ok: false as const,
    brokenAt: lastGood + 1,
    reason:
      `event ${c.sequence} no longer has the hash checkpoint ${c.sequence} signed at ${c.time} ` +
      `(${short(c.hash)}, now ${short(now)}): the log was rewritten after ${
        lastGood === 0 ? 'its start' : `event ${lastGood}, the last checkpoint that still matches`
      }`,
    count: lastGood,
    checkpoints: total,
    checkpoint: blame(c),
  });

  // A checkpoint of the empty log vouches for the genesis hash only.
  while (next < total && pending[next]!.sequence === 0) {
    const c = pending[next]!;
    if (c.hash !== GENESIS_HASH) return rewritten(c, GENESIS_HASH);
    next += 1;
  }

  let expectedSeq = 1;
  let prev = GENESIS_HASH;
  let count = 0;
  const chainBreak = (brokenAt: number, reason: string) => ({
    ok: false as const,
    brokenAt,
    reason,
    count,
    checkpoints: total,
  });
  for await (const e of events) {
    if (e.sequence !== expectedSeq) return chainBreak(expectedSeq, `event ${expectedSeq} is missing`);
    if (e.prevHash !== prev) return chainBreak(e.sequence, 'previous hash does not match');
    if (chainHash(sha256, prev, e) !== e.hash)
      return chainBreak(e.sequence, 'event content does not match its hash');
    while (next < total && pending[next]!.sequence === e.sequence) {
      const c = pending[next]!;
      if (c.hash !== e.hash) return rewritten(c, e.hash);
      lastGood = e.sequence;
      next += 1;
    }
    prev = e.hash;
    expectedSeq += 1;
    count += 1;
  }

  const headSeq = head?.sequence ?? 0;
  if (headSeq !== count)
    return chainBreak(Math.min(headSeq, count) + 1, `chain head records ${headSeq} events, found ${count}`);
  if (head && head.hash !== prev) return chainBreak(count, 'chain head hash does not match the last event');
  if (next < total) {
    const c = pending[next]!;
    return {
      ok: false,
      brokenAt: count + 1,
      reason:
        `checkpoint ${c.sequence} signed at ${c.time} covers events up to ${c.sequence}, but the log ends at ` +
        `${count}: events ${count + 1}–${c.sequence} were deleted and the head moved back`,
      count,
      checkpoints: total,
      checkpoint: blame(c),
    };
  }
  return { ok: true, count, checkpoints: total };
}
