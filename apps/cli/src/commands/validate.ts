/**
 * `clos validate` checks an evidence file against a gate's JSON Schema without changing anything. The
 * server has no dry-run endpoint, so the schema comes from the policy file (the same `clos.config.yaml`
 * the server runs), checked with core's `GateValidators`, the code the server itself judges evidence
 * with. Only `--submit` sends the evidence, and then the server's own evaluation is the verdict.
 */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { EXIT, loadConfig, usageError } from '@clos/cli-kit';
import { GateValidators } from '@clos/core';
import type { Command } from 'commander';
import { action, type Runtime, type Session } from '../context.ts';
import { mark, nextSteps, printGate } from '../gate.ts';

interface ValidateOptions {
  stage: string;
  evidence: string;
  project?: string;
  offline?: boolean;
  config?: string;
  submit?: boolean;
}

export function registerValidateCommand(program: Command, runtime: Runtime): void {
  program
    .command('validate')
    .description("check an evidence file against a gate's JSON Schema; exit 1 if it does not validate")
    .requiredOption('--evidence <file>', 'JSON file with the evidence document')
    .option(
      '--stage <stage>',
      'the stage the evidence is for, or "current": the next stage of --project',
      'current',
    )
    .option('--project <ref>', 'project id or key whose next stage "current" means; required with --submit')
    .option('--config <file>', 'policy file (default ./clos.config.yaml, else the built-in default)')
    .option('--offline', 'never contact the server (needs an explicit --stage)')
    .option('--submit', "submit the evidence to the project and print the server's re-evaluated gate")
    .addHelpText(
      'after',
      `
Without --submit nothing is sent: the evidence is checked against the gate schema in the policy file.
Examples:
  clos validate --offline --stage build --evidence ./evidence.json
  clos validate --project payments --evidence ./evidence.json         # stage = the project's next
  clos validate --project payments --evidence ./evidence.json --submit   # --project: id or key`,
    )
    .action(
      action<ValidateOptions>(runtime, async (s, options) => {
        if (options.submit && options.offline) throw usageError('--submit and --offline cannot be combined');
        if (options.submit && !options.project) throw usageError('--submit needs --project <id or key>');
        const evidence = await readEvidence(resolve(s.runtime.cwd, options.evidence), options.evidence);
        return options.submit ? submit(s, options, evidence) : check(s, options, evidence);
      }),
    );
}

async function readEvidence(path: string, name: string): Promise<Record<string, unknown>> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw usageError(
      `cannot read evidence file ${name}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
    );
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw usageError(`${name} is not valid JSON: ${(error as Error).message}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw usageError(`${name} must hold one JSON object (the evidence document)`);
  return value as Record<string, unknown>;
}

async function nextStageOf(s: Session, project: string): Promise<string> {
  const gate = await (await s.client()).getProjectGate({ params: { id: project } });
  if (gate.nextStage === null)
    throw usageError(
      `project ${project} is in its last stage (${gate.currentStage}): no gate takes evidence`,
    );
  return gate.nextStage;
}

async function check(s: Session, options: ValidateOptions, evidence: Record<string, unknown>) {
  const loaded = await loadConfig(options.config, s.runtime.cwd);
  if (!loaded.ok)
    throw usageError(
      `${loaded.source} is invalid:`,
      loaded.problems.map((p) => `  ${p}`),
    );
  let stage = options.stage;
  if (stage === 'current') {
    if (options.offline || !options.project)
      throw usageError(
        '--stage current needs --project <id or key> (and the server); name the stage instead, e.g. --stage build',
        [`stages with a gate: ${gatedStages(loaded.config.stages).join(', ')}`],
      );
    stage = await nextStageOf(s, options.project);
  }
  const gated = gatedStages(loaded.config.stages);
  if (!gated.includes(stage))
    throw usageError(`no gate for stage "${stage}" in ${loaded.source}`, [
      `stages with a gate: ${gated.join(', ')}`,
    ]);

  const problems = new GateValidators(loaded.config.stages).validate(stage, evidence);
  const valid = problems.length === 0;
  if (s.out.json) s.out.printJson({ stage, config: loaded.source, valid, problems });
  else if (valid)
    s.out.line(`${mark(s.out, true)} evidence for stage "${stage}" is valid against ${loaded.source}`);
  else {
    s.out.line(`${mark(s.out, false)} evidence for stage "${stage}" is invalid against ${loaded.source}:`);
    for (const p of problems) s.out.line(`  ${p.message}`);
  }
  return valid ? EXIT.ok : EXIT.failed;
}

function gatedStages(stages: { name: string; gate?: unknown }[]): string[] {
  return stages.filter((stage) => stage.gate !== undefined).map((stage) => stage.name);
}

async function submit(s: Session, options: ValidateOptions, evidence: Record<string, unknown>) {
  const project = options.project as string;
  if (options.stage !== 'current') {
    // Evidence always goes to the next gate; naming another stage is a mistake worth catching first.
    const next = await nextStageOf(s, project);
    if (next !== options.stage)
      throw usageError(`project ${project}'s next stage is "${next}", not "${options.stage}"`, [
        `use --stage ${next} or --stage current`,
      ]);
  }
  const result = await (await s.client()).submitEvidence({ params: { id: project }, body: { evidence } });
  const evidenceProblems = result.gate.criteria.filter((c) => c.kind === 'evidence' && !c.met);
  if (s.out.json) s.out.printJson(result);
  else {
    s.out.line(`submitted evidence for stage "${result.evidence.stage}"`);
    printGate(s.out, result.gate);
    for (const line of nextSteps(result.gate, project)) s.out.note(line);
  }
  // Approvals still to come are the expected state after submitting; only invalid evidence fails.
  if (evidenceProblems.length === 0) return EXIT.ok;
  s.out.note(
    'the evidence was stored, but it does not satisfy the gate: fix the fields above and submit again',
  );
  return EXIT.failed;
}
