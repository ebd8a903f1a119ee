/**
 * `validate`: is the evidence file good enough for the gate? Read-only, like `clos validate` without
 * `--submit`, and judged the same way: the server has no dry-run endpoint, so the gate's JSON Schema
 * comes from the policy file in the repository (`config`, else `./clos.config.yaml`, else the built-in
 * default), read by the CLI's loader (`policy.ts`) and checked with core's `GateValidators`, the code the server
 * itself judges evidence with. The server is asked only which gate is next (`stage: current`) and how
 * the rest of that gate stands, which the summary shows but the verdict does not depend on.
 */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { usageError } from '@clos/cli-kit';
import type { ClosClient } from '@clos/contract';
import { GateValidators } from '@clos/core';
import { type ActionContext, type ActionResult, connect, EXIT, requireInputs } from './context.ts';
import { code, mark, table, text } from './markdown.ts';
import { BUILT_IN_LABEL, loadPolicy } from './policy.ts';
import { getInput } from './runner.ts';

type GateEvaluation = Awaited<ReturnType<ClosClient['getProjectGate']>>;

export async function validate(context: ActionContext): Promise<ActionResult> {
  const stageInput = getInput(context.env, 'stage') ?? 'current';
  const projectId = getInput(context.env, 'project-id');
  const inputs = requireInputs(context, 'validate', [
    'evidence',
    // "current" means the project's next stage, so it needs the project, and the server to ask.
    ...(stageInput === 'current' ? (['project-id'] as const) : []),
    ...(stageInput === 'current' || projectId ? (['server-url', 'token'] as const) : []),
  ]);
  const evidence = await readEvidence(resolve(context.cwd, inputs.evidence), inputs.evidence);
  const loaded = await loadPolicy(getInput(context.env, 'config'), context.cwd);
  if (!loaded.ok)
    throw usageError(
      `${loaded.source} is invalid:`,
      loaded.problems.map((p) => `  ${p}`),
    );

  const gate = projectId
    ? await connect(context, 'validate').getProjectGate({ params: { id: projectId } })
    : undefined;
  let stage = stageInput;
  if (stage === 'current') {
    if (!gate || gate.nextStage === null)
      throw usageError(
        `project ${projectId} is in its last stage (${gate?.currentStage}): no gate takes evidence`,
      );
    stage = gate.nextStage;
  }
  const gated = loaded.config.stages.filter((s) => s.gate !== undefined).map((s) => s.name);
  if (!gated.includes(stage))
    throw usageError(`no gate for stage "${stage}" in ${loaded.source}`, [
      `stages with a gate: ${gated.join(', ')}`,
    ]);

  const problems = new GateValidators(loaded.config.stages).validate(stage, evidence);
  const valid = problems.length === 0;
  const headline = `evidence for stage "${stage}" is ${valid ? 'valid' : 'invalid'} against ${loaded.source}`;
  return {
    exitCode: valid ? EXIT.ok : EXIT.failed,
    status: valid ? 'passed' : 'failed',
    details: {
      stage,
      config: loaded.source,
      valid,
      problems,
      // The id, also when the input named the project by its key.
      projectId: gate?.projectId ?? projectId ?? null,
      gate: gate ?? null,
    },
    log: [
      `${valid ? '✓' : '✗'} ${headline}${valid ? '' : ':'}`,
      ...problems.map((p) => `  ${p.message}`),
      ...(gate && gate.nextStage !== stage
        ? [`note: project ${gate.projectId}'s next stage is "${gate.nextStage}", not "${stage}"`]
        : []),
    ],
    summary: summary({ stage, source: loaded.source, problems, gate, evidenceFile: inputs.evidence }),
    ...(valid
      ? {}
      : {
          error: {
            title: 'CLOS validate',
            message: `${headline}: ${problems.map((p) => p.message).join('; ')}`,
          },
        }),
  };
}

async function readEvidence(path: string, name: string): Promise<Record<string, unknown>> {
  let content: string;
  try {
    content = await readFile(path, 'utf8');
  } catch (error) {
    throw usageError(
      `cannot read evidence file ${name}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
    );
  }
  let value: unknown;
  try {
    value = JSON.parse(content);
  } catch (error) {
    throw usageError(`${name} is not valid JSON: ${(error as Error).message}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw usageError(`${name} must hold one JSON object (the evidence document)`);
  return value as Record<string, unknown>;
}

function summary(view: {
  stage: string;
  source: string;
  problems: { path: string; message: string }[];
  gate: GateEvaluation | undefined;
  evidenceFile: string;
}): string[] {
  const { stage, source, problems, gate } = view;
  const valid = problems.length === 0;
  const lines = [
    `### ${mark(valid)} CLOS validate: evidence for ${code(stage)} is ${valid ? 'valid' : 'invalid'}`,
    '',
    [
      `${code(view.evidenceFile)} checked against the ${code(stage)} gate in ${source === BUILT_IN_LABEL ? text(source) : code(source)}`,
      ...(gate ? [`project ${code(gate.projectId)} (${code(gate.currentStage)})`] : []),
    ].join(' · '),
    '',
  ];
  if (!valid)
    lines.push(
      `**Failing criteria (${problems.length})**`,
      '',
      ...table(
        ['Field', 'Problem'],
        problems.map((p) => [code(p.path), text(p.message)]),
      ),
      '',
    );
  if (gate && gate.nextStage !== stage)
    lines.push(
      `> The project's next stage is ${gate.nextStage === null ? 'none (it is in its last stage)' : code(gate.nextStage)}, not ${code(stage)}.`,
      '',
    );
  // Evidence criteria on the server describe what was last submitted, not this file: leave them out.
  const others = gate && gate.nextStage === stage ? gate.criteria.filter((c) => c.kind !== 'evidence') : [];
  if (others.length > 0)
    lines.push(
      `**The rest of the gate ${code(`${gate?.currentStage} → ${stage}`)} on the server** (not part of this check)`,
      '',
      ...others.map((c) => `- ${mark(c.met)} ${text(c.message)}`),
      '',
    );
  return lines;
}
