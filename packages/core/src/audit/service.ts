import { assertCan } from '../auth/permissions.ts';
import type { Ctx, Deps } from '../context.ts';
import type { AuditFilter, PageRequest } from '../ports/repositories.ts';
import { type ChainVerdict, verifyChain } from './chain.ts';

/** The audit log: read and verify. Writing happens inside each use case's transaction. */
export function createAuditService(deps: Deps) {
  const { uow, secrets } = deps;
  return {
    async list(ctx: Ctx, filter: AuditFilter, page: PageRequest) {
      assertCan(ctx.actor, 'read');
      return uow.read.audit.list(filter, page);
    },

    /** Recomputes every hash; reports the first sequence where the chain breaks. */
    async verify(ctx: Ctx): Promise<ChainVerdict> {
      assertCan(ctx.actor, 'read');
      // One snapshot for the head and every batch of rows: under READ COMMITTED an append landing
      // between two statements would look like an event the head does not know.
      return uow.run(
        async (repos) => verifyChain(secrets.sha256, repos.audit.iterate(), await repos.audit.head()),
        {
          snapshot: true,
        },
      );
    },
  };
}

export type AuditService = ReturnType<typeof createAuditService>;
