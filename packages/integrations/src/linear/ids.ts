import { createHash } from 'node:crypto';

// A namespace of CLOS's own (RFC 4122 §4.3): the ids below are UUIDv5 names under it.
const NAMESPACE = Buffer.from('6f1d3c2a9b7e4c1d8e2f5a6b7c8d9e0f', 'hex');

/** A UUIDv5 of `name` in CLOS's namespace: the same name always gives the same id. */
export function deterministicUuid(name: string): string {
  const hash = createHash('sha1').update(NAMESPACE).update(name, 'utf8').digest();
  hash[6] = (hash[6]! & 0x0f) | 0x50;
  hash[8] = (hash[8]! & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/**
 * The ids CLOS gives what it creates in Linear. Linear accepts a client-chosen `id` on create, so a
 * step retried after Linear accepted the call (and before CLOS stored the link) creates nothing twice:
 * the second create is refused as a duplicate and the first is read back.
 */
export const linearIds = {
  project: (projectId: string) => deterministicUuid(`clos:linear:project:${projectId}`),
  issue: (projectId: string, stage: string, templateIndex: number) =>
    deterministicUuid(`clos:linear:issue:${projectId}:${stage}:${templateIndex}`),
  /** The link from an imported Linear project back to its CLOS project. */
  backLink: (projectId: string) => deterministicUuid(`clos:linear:back-link:${projectId}`),
  /** A block or unblock note, once per event. */
  note: (eventId: string) => deterministicUuid(`clos:linear:note:${eventId}`),
};
