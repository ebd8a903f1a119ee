import { assertCan } from '../auth/permissions.ts';
import type { Ctx, Deps } from '../context.ts';
import type { AuditFilter, PageRequest } from '../ports/repositories.ts';
import { type ChainVerdict, verifyChain } from './chain.ts';
import { sealCommittedAudit } from './seal.ts';

/** The audit log: read and verify. Writing happens inside each use case's transaction. */
export function createAuditService(deps: Deps) {
  const { uow, secrets } = deps;
  return {
    async list(ctx: Ctx, filter: AuditFilter, page: PageRequest) {
      assertCan(ctx.actor, 'read');
      // The newest changes are listed with their place in the chain, not a moment later.
      await sealCommittedAudit(uow);
      return uow.read.audit.list(filter, page);
    },

    /**
     * Recomputes every hash of the sealed chain; reports the first sequence where it breaks and how
     * many committed events await sealing (moments, normally: a number that stays up means no
     * process is running the relay).
     */
    async verify(ctx: Ctx): Promise<ChainVerdict & { unsealed: number }> {
      assertCan(ctx.actor, 'read');
      // One snapshot for the head and every batch of rows: under READ COMMITTED an append landing
      // between two statements would look like an event the head does not know.
      return uow.run(
        async (repos) => ({
          ...(await verifyChain(secrets.sha256, repos.audit.iterate(), await repos.audit.head())),
          unsealed: await repos.audit.unsealed(),
        }),
        { snapshot: true },
      );
    },
  };
}

export type AuditService = ReturnType<typeof createAuditService>;
