/**
 * What a kind of gate criterion is: what configures it, how it judges a project, and how people read
 * it. Each kind is one file beside this one plus one line in `registry.ts`; the gate evaluation, the
 * API's kind enum, the GraphQL description, the CLI's next steps and the dashboard's labels all follow
 * the registry. docs/stage-gates.md#adding-a-criterion-kind is the recipe.
 */
import type { ApprovalRecord, Project } from '../../entities.ts';
import type { GatePolicy, JsonSchema, StagePolicy } from '../../policy.ts';
import type { LinearIssueLink } from '../../ports/linear.ts';
import type { GateValidators } from '../gate-validators.ts';

/** The fields every criterion has; each kind adds its own (`path`, `roles`, `by`, …). */
export interface CriterionBase {
  kind: string;
  met: boolean;
  message: string;
}

/** What the caller loads for one evaluation: the input of `evaluateGate`. */
export interface GateInput {
  project: Project;
  stages: StagePolicy[];
  validators: GateValidators;
  /** The latest evidence submitted for the next stage, if any. */
  evidence: Record<string, unknown> | null;
  approvals: ApprovalRecord[];
  /**
   * The project's Linear issues of its current stage, loaded only when the next gate asks for
   * `linear_issues_done` (absent otherwise).
   */
  linearIssues?: readonly LinearIssueLink[] | undefined;
}

/** The input with the stage the gate leads into and that gate's policy. */
export interface GateContext extends GateInput {
  next: StagePolicy;
  gate: GatePolicy;
}

/**
 * The part of a stage's `gate` in clos.config.yaml that configures a kind: a JSON Schema (draft
 * 2020-12) for each key the kind reads; `{}` when nothing configures it. JSON Schema rather than a
 * validation function because it is data: core already speaks it (evidence schemas, Ajv), a test
 * holds it equal to the Zod schema `@clos/contract` parses the file with, and docs can be written
 * from it. The TypeScript type of each key is the matching field of `GatePolicy`.
 */
export type CriterionConfigSchema = { readonly [K in keyof GatePolicy]?: JsonSchema };

/**
 * Who reads a kind, and how:
 * - `project`: the project's own state (closed, blocked), which alerts judge apart from the gate;
 * - `requirement`: something the team supplies (evidence; later CI results, tracker issues);
 * - `decision`: a person's decision. A gate whose only unmet criteria are decisions is awaiting
 *   approval (the unblock digest lists it).
 */
export type CriterionGroup = 'project' | 'requirement' | 'decision';

/**
 * A criterion as a client holds it, parsed from the API's JSON: the kind's own fields are there but
 * not typed, so the CLI and the dashboard can describe any kind the server sends.
 */
export interface CriterionView {
  readonly kind: string;
  readonly met: boolean;
  readonly message: string;
  readonly [field: string]: unknown;
}

/** A gate evaluation as a client holds it (enough to describe it). */
export interface GateView {
  readonly projectId: string;
  readonly criteria: readonly CriterionView[];
}

/** The words the CLI, the dashboard and the docs use for a kind. */
export interface CriterionDescription {
  /** What the dashboard calls the kind, e.g. "Evidence". */
  label: string;
  /** The name of one criterion when it says more than the label, e.g. "Evidence: spec". */
  title?(criterion: CriterionView): string;
  /**
   * What clears an unmet criterion of this kind, as the CLI prints it under "next:"
   * (`unblock it: clos stage unblock --project …`); absent when no command does.
   */
  nextStep?(gate: GateView): string;
}

interface CriterionKindBase<R extends CriterionBase> {
  kind: R['kind'];
  group: CriterionGroup;
  configSchema: CriterionConfigSchema;
  describe: CriterionDescription;
}

/**
 * One kind of criterion. `phase` says when it is judged:
 * - `precondition`: before the next gate is looked up, from the project alone. It reports only what is
 *   wrong (its results are unmet), and any result ends the evaluation: no next stage, not ready, only
 *   the preconditions' results (a closed project has no next gate).
 * - `gate`: against the gate into the next stage, only when there is one.
 */
export type CriterionKind<R extends CriterionBase> =
  | (CriterionKindBase<R> & { phase: 'precondition'; evaluate(input: GateInput): (R & { met: false })[] })
  | (CriterionKindBase<R> & { phase: 'gate'; evaluate(context: GateContext): R[] });

/** The result type of a kind. */
export type CriterionOf<K> = K extends CriterionKind<infer R> ? R : never;
