import { dueOccurrences, type Pod } from '@clos/core';
import type { Db } from '@clos/db';
import type { RuntimeEnv, RuntimeModule, ScheduledStart } from './module.ts';

async function allPods(env: RuntimeEnv): Promise<Pod[]> {
  const repos = env.deps.uow.read;
  const pods: Pod[] = [];
  let cursor: string | undefined;
  do {
    const page = await repos.pods.list({ limit: 500, cursor });
    pods.push(...page.items);
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return pods;
}

/**
 * One scheduler tick at `now`: starts every scheduled run that is due and has not started. Run keys
 * carry the local date, so ticking often, late, or from several processes starts each run once.
 * Returns the runs it started.
 */
export async function tick(env: RuntimeEnv, modules: readonly RuntimeModule[], now: Date): Promise<string[]> {
  const pods = await allPods(env);
  const starts: ScheduledStart[] = modules.flatMap((m) => m.schedules?.(env.policy, pods) ?? []);
  const byKey = new Map(starts.map((s) => [s.spec.key, s]));
  const started: string[] = [];
  for (const occurrence of dueOccurrences(
    starts.map((s) => s.spec),
    now,
    env.policy.workflows.catchUpMinutes,
  )) {
    const start = byKey.get(occurrence.spec.key)!;
    const run = await env.database.db.transaction((tx) =>
      env.startRun(tx as unknown as Db, {
        workflow: start.workflow,
        key: occurrence.key,
        podId: start.podId,
        input: { ...start.input, localDate: occurrence.localDate, scheduledFor: occurrence.at.toISOString() },
        scheduledFor: occurrence.at,
      }),
    );
    if (run) started.push(run.id);
  }
  for (const m of modules) await m.onTick?.(now);
  return started;
}
