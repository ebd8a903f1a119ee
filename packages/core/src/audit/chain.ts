import type { AuditEvent } from '../entities.ts';
/**
 * The audit log is a hash chain: each event's hash covers the previous hash and the canonical JSON of
 * the event, so editing or deleting a row breaks every hash after it.
 */
export const GENESIS_HASH = '0'.repeat(64);

/** JSON with object keys sorted at every depth and dates as ISO strings: one byte string per value. */
export function canonicalJson(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (value instanceof Date) return JSON.stringify(value.toISOString());
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  if (typeof value === 'number' && !Number.isFinite(value)) return 'null';
  return JSON.stringify(value);
}

/** The fields an event's hash covers: everything but the hashes themselves. */
export type ChainedFields = Omit<AuditEvent, 'prevHash' | 'hash'>;

export type Sha256 = (input: string) => string;

/**
 * Exactly the fields the hash covers, named once. Picking them (rather than hashing the object
 * given) keeps a row's extra columns, or its own hashes, out of the hash. `satisfies` fails to compile
 * if `AuditEvent` gains a field that is not listed here.
 */
const CHAINED_KEYS = [
  'sequence',
  'id',
  'occurredAt',
  'actorId',
  'actorLabel',
  'action',
  'subjectType',
  'subjectId',
  'before',
  'after',
  'reason',
  'requestId',
] as const satisfies readonly (keyof ChainedFields)[];
type AllChainedKeysListed =
  Exclude<keyof ChainedFields, (typeof CHAINED_KEYS)[number]> extends never ? true : never;
const allChainedKeysListed: AllChainedKeysListed = true;

export function chainHash(sha256: Sha256, prevHash: string, event: ChainedFields): string {
  void allChainedKeysListed;
  const fields: Record<string, unknown> = {};
  for (const key of CHAINED_KEYS) fields[key] = event[key];
  return sha256(prevHash + canonicalJson(fields));
}

export type ChainVerdict =
  | { ok: true; count: number }
  | { ok: false; brokenAt: number; reason: string; count: number };

/**
 * Walks events in sequence order. `head` is the chain head stored beside the log (count and last
 * hash): without it, deleting the newest rows would leave a shorter but valid-looking chain.
 */
export async function verifyChain(
  sha256: Sha256,
  events:
    | AsyncIterable<ChainedFields & { prevHash: string; hash: string }>
    | Iterable<ChainedFields & { prevHash: string; hash: string }>,
  head: { sequence: number; hash: string } | null,
): Promise<ChainVerdict> {
  let expectedSeq = 1;
  let prev = GENESIS_HASH;
  let count = 0;
  for await (const e of events) {
    if (e.sequence !== expectedSeq)
      return { ok: false, brokenAt: expectedSeq, reason: `event ${expectedSeq} is missing`, count };
    if (e.prevHash !== prev)
      return { ok: false, brokenAt: e.sequence, reason: 'previous hash does not match', count };
    if (chainHash(sha256, prev, e) !== e.hash)
      return { ok: false, brokenAt: e.sequence, reason: 'event content does not match its hash', count };
    prev = e.hash;
    expectedSeq += 1;
    count += 1;
  }
  const headSeq = head?.sequence ?? 0;
  if (headSeq !== count)
    return {
      ok: false,
      brokenAt: Math.min(headSeq, count) + 1,
      reason: `chain head records ${headSeq} events, found ${count}`,
      count,
    };
  if (head && head.hash !== prev)
    return { ok: false, brokenAt: count, reason: 'chain head hash does not match the last event', count };
  return { ok: true, count };
}
