import { type Ctx, InvalidInputError, type Policy, type Services } from '@clos/core';
import type { LinearApi } from './client.ts';
import { linearIds } from './ids.ts';

/** Linear's project states, in their order. */
export const LINEAR_PROJECT_STATES = [
  'backlog',
  'planned',
  'started',
  'paused',
  'completed',
  'canceled',
] as const;

/**
 * Where each Linear project state lands by default, for any list of stages: backlog in the first,
 * planned in the second, started (and paused, which is imported blocked) in the middle one, completed
 * in the last; canceled projects are not imported. `--stage-map` overrides any of them.
 */
export function defaultStateMap(stages: readonly string[]): Record<string, string | null> {
  const at = (i: number) => stages[Math.min(Math.max(i, 0), stages.length - 1)]!;
  const middle = at(Math.floor(stages.length / 2));
  return {
    backlog: at(0),
    planned: at(1),
    started: middle,
    paused: middle,
    completed: at(stages.length - 1),
    canceled: null,
  };
}

export interface LinearImportRequest {
  team: string;
  pod: string;
  /** Linear state → CLOS stage (or `skip`), over the defaults. */
  stageMap?: Record<string, string> | undefined;
  dryRun?: boolean | undefined;
}

/**
 * `clos import linear` (issue 16, seed §10): the team's Linear projects become CLOS projects in the
 * pod, each at the stage its Linear state maps to, through the same import use case as a CSV (one
 * transaction per project, skipped when imported before, audited), then linked both ways: the link
 * row in CLOS (so its issues are tracked from then on) and a link to the CLOS project in Linear's
 * project resources.
 */
export function linearImporter(api: LinearApi, policy: Policy, publicUrl: string | null) {
  return async (services: Services, ctx: Ctx, request: LinearImportRequest) => {
    const stages = policy.stages.map((s) => s.name);
    const problems: { path: string; message: string }[] = [];
    const map = { ...defaultStateMap(stages) };
    for (const [state, stage] of Object.entries(request.stageMap ?? {})) {
      if (!(LINEAR_PROJECT_STATES as readonly string[]).includes(state))
        problems.push({
          path: `stageMap.${state}`,
          message: `is not a Linear project state (${LINEAR_PROJECT_STATES.join(', ')})`,
        });
      else if (stage !== 'skip' && !stages.includes(stage))
        problems.push({
          path: `stageMap.${state}`,
          message: `"${stage}" is not a stage (${stages.join(', ')}) or skip`,
        });
      else map[state] = stage === 'skip' ? null : stage;
    }
    if (problems.length) throw new InvalidInputError(problems);
    const teamKey = request.team.trim().toUpperCase();
    const team = await api.teamByKey(teamKey);
    if (!team)
      throw new InvalidInputError([{ path: 'team', message: `no Linear team has the key "${teamKey}"` }]);
    const linear = await api.teamProjects(team.id);
    const source = `linear:${teamKey}`;
    const wanted = linear.filter((p) => map[p.state] != null);
    const result = await services.imports.importProjects(ctx, {
      source,
      dryRun: Boolean(request.dryRun),
      rows: wanted.map((p) => ({
        externalId: p.id,
        name: p.name,
        pod: request.pod,
        stage: map[p.state]!,
        ...(p.state === 'paused' ? { blockedReason: 'paused in Linear' } : {}),
      })),
    });
    const skippedByState = linear
      .filter((p) => map[p.state] == null)
      .map((p) => ({ externalId: p.id, name: p.name, state: p.state }));
    if (!request.dryRun)
      for (const row of result.rows) {
        const project = wanted.find((p) => p.id === row.externalId);
        if (!project || !row.id || (row.outcome !== 'created' && row.outcome !== 'skipped')) continue;
        // A re-run links what an earlier run created but could not link (Linear was down, say).
        if (!(await services.linear.projectLink(row.id)))
          await services.linear.linkProject(ctx, {
            projectId: row.id,
            linearId: project.id,
            teamKey,
            name: project.name,
            url: project.url,
          });
        if (publicUrl)
          await api.linkProject({
            id: linearIds.backLink(row.id),
            projectId: project.id,
            url: `${publicUrl.replace(/\/$/, '')}/projects/${row.id}`,
            label: 'CLOS',
          });
      }
    return { team: teamKey, stateMap: map, skippedByState, ...result };
  };
}
