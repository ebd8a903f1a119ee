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
  while ((await uow.run((repos) => repos.audit.seal(SEAL_BATCH))) === SEAL_BATCH) {
    // a full batch: more may be waiting
  }
}
