import { assertCan } from '../auth/permissions.ts';
import type { Ctx, Deps } from '../context.ts';
import { NotFoundError } from '../errors.ts';
import type { PageRequest } from '../ports/repositories.ts';
import type { RunFilter } from '../ports/workflows.ts';
import { podBySlug } from '../wip/service.ts';
import type { RunStatus } from './entities.ts';

/** Workflow runs and their steps: the history users would read in Temporal's UI. */
export function createWorkflowService(deps: Deps) {
  const { uow } = deps;
  return {
    async listRuns(
      ctx: Ctx,
      filter: { workflow?: string | undefined; pod?: string | undefined; status?: RunStatus | undefined },
      page: PageRequest,
    ) {
      assertCan(ctx.actor, 'read');
      const f: RunFilter = { workflow: filter.workflow, status: filter.status };
      if (filter.pod) f.podId = (await podBySlug(uow.read, filter.pod)).id;
      return uow.read.workflows.list(f, page);
    },

    async getRun(ctx: Ctx, id: string) {
      assertCan(ctx.actor, 'read');
      const run = await uow.read.workflows.runById(id);
      if (!run) throw new NotFoundError('workflow run', id);
      return { ...run, steps: await uow.read.workflows.steps(id) };
    },
  };
}
