import { assertCan, assertPodScope } from '../auth/permissions.ts';
import type { Ctx, Deps } from '../context.ts';
import type { EventSelection } from '../ports/event-log.ts';
import { podBySlug } from '../wip/service.ts';
import type { DomainEventType } from './catalog.ts';
import type { DomainEvent } from './event.ts';

/**
 * The live event stream's rules: who sees which events, and reading them back for a reader that
 * resumes. Transport (SSE, fan-out to connections) lives in the server.
 */
export function createEventStreamService(deps: Deps) {
  const { uow } = deps;
  return {
    /**
     * What `ctx` receives: a pod-scoped token its pods' events plus company-wide ones, everyone
     * else every event; narrowed to one pod (which a scoped token must hold) and to `types`.
     */
    async select(
      ctx: Ctx,
      filter: { types?: readonly DomainEventType[] | undefined; pod?: string | undefined },
    ): Promise<EventSelection> {
      assertCan(ctx.actor, 'read');
      const scoped = ctx.actor.role !== 'admin' && ctx.actor.podIds.length > 0;
      let pod: string | null = null;
      if (filter.pod) {
        const found = await podBySlug(uow.read, filter.pod);
        assertPodScope(ctx.actor, found.id, found.slug);
        pod = found.id;
      }
      return {
        visiblePods: scoped ? [...ctx.actor.podIds] : null,
        pod,
        types: filter.types?.length ? [...new Set(filter.types)] : null,
      };
    },

    /** Stored events after `afterSeq` that `selection` lets through, oldest first (a resuming reader). */
    async replay(ctx: Ctx, selection: EventSelection, afterSeq: number, limit: number) {
      assertCan(ctx.actor, 'read');
      return uow.read.eventLog.after(afterSeq, limit, selection);
    },

    /** Every dispatched event after `afterSeq`: the feed a process fans out, filtering per reader. */
    async feed(ctx: Ctx, afterSeq: number, limit: number) {
      assertCan(ctx.actor, 'read');
      return uow.read.eventLog.after(afterSeq, limit);
    },

    /** The range of `seq` still retained; null when the log is empty. */
    async bounds(ctx: Ctx) {
      assertCan(ctx.actor, 'read');
      return uow.read.eventLog.bounds();
    },
  };
}

/**
 * `selection` as a predicate, with its lists turned into sets once: a process holding a thousand
 * readers runs it for each of them on every event.
 */
export function selectionPredicate(selection: EventSelection): (event: DomainEvent) => boolean {
  const visible = selection.visiblePods ? new Set(selection.visiblePods) : null;
  const types = selection.types ? new Set<string>(selection.types) : null;
  const { pod } = selection;
  return (event) =>
    (pod === null || event.podId === pod) &&
    (visible === null || event.podId === null || visible.has(event.podId)) &&
    (types === null || types.has(event.type));
}
