/**
 * Loads what a gate evaluation judges and evaluates it: the one place that knows what `GateInput`
 * is made of, so a criterion kind that needs more data (CI results, tracker issues) is loaded here once
 * for the stage service, the daily digest and the alerts alike.
 */
import type { Deps } from '../context.ts';
import type { Project } from '../entities.ts';
import type { Repositories } from '../ports/repositories.ts';
import { evaluateGate, type GateEvaluation, nextStageOf } from './gate.ts';

/** The project's next gate, judged on its latest evidence and the decisions given for it. */
export async function evaluateProjectGate(
  deps: Pick<Deps, 'policy' | 'validators'>,
  repos: Repositories,
  project: Project,
): Promise<GateEvaluation> {
  const next = nextStageOf(deps.policy.stages, project.currentStage);
  if (!next)
    return evaluateGate({
      project,
      stages: deps.policy.stages,
      validators: deps.validators,
      evidence: null,
      approvals: [],
    });
  // Sequential on purpose: inside a transaction the connection runs one query at a time anyway.
  const evidence = await repos.projects.latestEvidence(project.id, next.name);
  const approvals = await repos.projects.approvals(project.id, next.name);
  // Only a gate that asks for them pays for reading the stage's Linear issues.
  const linearIssues = next.gate?.criteria?.some((c) => c.kind === 'linear_issues_done')
    ? await repos.linear.issues(project.id, { stage: project.currentStage })
    : undefined;
  return evaluateGate({
    project,
    stages: deps.policy.stages,
    validators: deps.validators,
    evidence: evidence?.data ?? null,
    approvals,
    linearIssues,
  });
}
