import type { UnitOfWork } from '../ports/repositories.ts';

/** Rows one sealing transaction chains at most (the relay uses the same batch). */
export const SEAL_BATCH = 500;

/**
 * Seals every audit event committed so far, in transactions of its own, before a read that must show
 * the newest change with its place in the chain (the audit list, a compliance report). The relay
 * seals the same rows moments after each commit; both take the chain head's lock, so whichever comes
 * first seals and the other finds nothing.
 */
export async function sealCommittedAudit(uow: UnitOfWork): Promise<void> {
  // Usually the relay has sealed everything already: a read then opens no write transaction (which
  // on the embedded engine would also count as a write and empty the read caches).
  if (!(await uow.read.audit.anyUnsealed())) return;
  while ((await uow.run((repos) => repos.audit.seal(SEAL_BATCH))) === SEAL_BATCH) {
    // a full batch: more may be waiting
  }
}
