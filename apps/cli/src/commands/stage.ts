import { CliError, EXIT, errorBody, unmetLines } from '@clos/cli-kit';
import type { Command } from 'commander';
import { isApiError } from '../api.ts';
import { action, type Runtime } from '../context.ts';
import { ciSummary, type GateView, nextSteps, printGate } from '../gate.ts';

interface ProjectOption {
  project: string;
}

export function registerStageCommands(program: Command, runtime: Runtime): void {
  const stage = program
    .command('stage')
    .description("a project's stage and the gate to the next one")
    .addHelpText('after', '\nExample: clos stage advance --project payments   (a project id or key)');

  stage
    .command('status')
    .description('the project, its stage and every criterion of its next gate')
    .requiredOption('--project <ref>', 'project id or key')
    .action(
      action<ProjectOption>(runtime, async (s, { project: id }) => {
        const client = await s.client();
        const [project, gate] = await Promise.all([
          client.getProject({ params: { id } }),
          client.getProjectGate({ params: { id } }),
        ]);
        if (s.out.json) return s.out.printJson({ project, gate });
        s.out.fields([
          ['project', `${project.name} (${project.key}, ${project.id})`],
          ['stage', `${project.currentStage} since ${project.stageEnteredAt}`],
          ['blocked', project.blockedReason ?? 'no'],
          ...(project.closedAt
            ? ([['closed', `${project.outcome} at ${project.closedAt}`]] as [string, unknown][])
            : []),
          ['ci', ciSummary(project.ciStatus)],
        ]);
        s.out.line();
        printGate(s.out, gate);
      }),
    );

  stage
    .command('evaluate')
    .description('check the next gate; exit 1 when it is not met')
    .requiredOption('--project <ref>', 'project id or key')
    .action(
      action<ProjectOption>(runtime, async (s, { project: id }) => {
        const gate: GateView = await (await s.client()).getProjectGate({ params: { id } });
        if (s.out.json) s.out.printJson(gate);
        else {
          printGate(s.out, gate);
          for (const line of nextSteps(gate, id)) s.out.note(line);
        }
        return gate.ready ? EXIT.ok : EXIT.failed;
      }),
    );

  stage
    .command('advance')
    .description(
      'move the project to its next stage; exit 1 with every unmet criterion if the gate is not met',
    )
    .requiredOption('--project <ref>', 'project id or key')
    .action(
      action<ProjectOption>(runtime, async (s, { project: id }) => {
        const client = await s.client();
        const result = await client.advanceProject({ params: { id } }).catch((error: unknown) => {
          if (!isApiError(error, 'gate_criteria_unmet')) throw error;
          const gate = (error.details as { evaluation: GateView }).evaluation;
          throw new CliError(
            `cannot advance: the gate to ${gate.nextStage} is not met`,
            EXIT.failed,
            [...unmetLines(gate.criteria), ...nextSteps(gate, id)],
            errorBody(error),
          );
        });
        if (s.out.json) return s.out.printJson(result);
        s.out.line(`advanced ${result.project.name} to ${result.project.currentStage}`);
        if (result.gate.nextStage) printGate(s.out, result.gate);
      }),
    );

  stage
    .command('block')
    .description('block the project (a blocked project cannot advance)')
    .requiredOption('--project <ref>', 'project id or key')
    .requiredOption('--reason <text>', 'why it is blocked')
    .action(
      action<ProjectOption & { reason: string }>(runtime, async (s, { project: id, reason }) => {
        const project = await (await s.client()).blockProject({ params: { id }, body: { reason } });
        if (s.out.json) return s.out.printJson(project);
        s.out.line(`blocked ${project.name}: ${project.blockedReason}`);
      }),
    );

  stage
    .command('unblock')
    .description('clear the block')
    .requiredOption('--project <ref>', 'project id or key')
    .option('--reason <text>', 'what cleared it (recorded in the audit log)')
    .action(
      action<ProjectOption & { reason?: string }>(runtime, async (s, { project: id, reason }) => {
        const project = await (await s.client()).unblockProject({
          params: { id },
          ...(reason === undefined ? {} : { body: { reason } }),
        });
        if (s.out.json) return s.out.printJson(project);
        s.out.line(`unblocked ${project.name}`);
      }),
    );

  for (const decision of ['approve', 'reject'] as const) {
    const command = stage
      .command(decision)
      .description(
        decision === 'approve'
          ? 'approve the next gate'
          : 'reject the next gate (blocks it until you approve)',
      )
      .requiredOption('--project <ref>', 'project id or key');
    if (decision === 'approve') command.option('--comment <text>', 'comment recorded with the approval');
    else command.requiredOption('--comment <text>', 'why (required for a rejection)');
    command.action(
      action<ProjectOption & { comment?: string }>(runtime, async (s, { project: id, comment }) => {
        const result = await (await s.client()).decideGate({
          params: { id },
          body: { decision, ...(comment === undefined ? {} : { comment }) },
        });
        if (s.out.json) return s.out.printJson(result);
        s.out.line(
          `${decision === 'approve' ? 'approved' : 'rejected'} the gate to ${result.approval.stage}`,
        );
        printGate(s.out, result.gate);
      }),
    );
  }
}
