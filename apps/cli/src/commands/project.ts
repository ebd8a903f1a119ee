import { type Command, Option } from 'commander';
import { action, morePages, type Runtime, wholeNumber } from '../context.ts';
import { ciSummary } from '../gate.ts';

export function registerProjectCommands(program: Command, runtime: Runtime): void {
  const project = program.command('project').description('projects: create, list, show, close');

  project
    .command('create')
    .description("create a project at the first stage (takes one of the pod's project WIP slots)")
    .requiredOption('--name <name>', 'project name')
    .requiredOption('--pod <slug>', 'the pod that owns it')
    .option(
      '--key <key>',
      'short unique handle used instead of the id, e.g. payments (default: derived from the name)',
    )
    .action(
      action<{ name: string; pod: string; key?: string }>(runtime, async (s, { name, pod, key }) => {
        const created = await (await s.client()).createProject({
          body: { name, pod, ...(key === undefined ? {} : { key }) },
        });
        if (s.out.json) return s.out.printJson(created);
        s.out.line(
          `created project ${created.key} (${created.name}, ${created.id}) in ${pod} at ${created.currentStage}`,
        );
      }),
    );

  project
    .command('list')
    .description('projects, newest first')
    .option('--pod <slug>', 'only this pod')
    .option('--stage <stage>', 'only this stage')
    .addOption(
      new Option('--blocked <bool>', 'only blocked (true) or unblocked (false)').choices(['true', 'false']),
    )
    .addOption(new Option('--closed <bool>', 'only closed (true) or open (false)').choices(['true', 'false']))
    .option('--limit <n>', 'page size, 1–200', wholeNumber(1, 200))
    .option('--cursor <cursor>', 'the next page, from a previous listing')
    .action(
      action<{
        pod?: string;
        stage?: string;
        blocked?: 'true' | 'false';
        closed?: 'true' | 'false';
        limit?: number;
        cursor?: string;
      }>(runtime, async (s, options) => {
        const query = Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined));
        const page = await (await s.client()).listProjects({ query });
        if (s.out.json) return s.out.printJson(page);
        s.out.table(page.items, [
          { header: 'KEY', value: (p) => p.key },
          { header: 'ID', value: (p) => p.id },
          { header: 'STAGE', value: (p) => p.currentStage },
          { header: 'BLOCKED', value: (p) => (p.blockedReason ? 'yes' : '') },
          { header: 'CLOSED', value: (p) => p.outcome },
          { header: 'NAME', value: (p) => p.name },
        ]);
        morePages(s.out, page.nextCursor);
      }),
    );

  project
    .command('show')
    .description('a project with its transitions, evidence and approvals')
    .argument('<project>', 'project id or key')
    .action(
      action(runtime, async (s, _options, command) => {
        const detail = await (await s.client()).getProject({ params: { id: command.args[0] as string } });
        if (s.out.json) return s.out.printJson(detail);
        s.out.fields([
          ['project', `${detail.name} (${detail.key}, ${detail.id})`],
          ['stage', `${detail.currentStage} since ${detail.stageEnteredAt}`],
          ['blocked', detail.blockedReason ?? 'no'],
          ['closed', detail.closedAt ? `${detail.outcome} at ${detail.closedAt}` : 'no'],
          ['evidence', `${detail.evidence.length} submission(s)`],
          ['ci', ciSummary(detail.ciStatus)],
          [
            'linear',
            detail.linear
              ? `${detail.linear.project.name}${detail.linear.project.url ? ` ${detail.linear.project.url}` : ''}`
              : 'not linked',
          ],
        ]);
        s.out.line();
        s.out.table(detail.transitions, [
          { header: 'AT', value: (t) => t.createdAt },
          { header: 'FROM', value: (t) => t.fromStage },
          { header: 'TO', value: (t) => t.toStage },
        ]);
        if (detail.linear?.issues.length) {
          s.out.line();
          s.out.table(detail.linear.issues, [
            { header: 'ISSUE', value: (i) => i.identifier },
            { header: 'STAGE', value: (i) => i.stage },
            { header: 'STATE', value: (i) => i.state },
            { header: 'TITLE', value: (i) => i.title },
            { header: 'LINK', value: (i) => i.url },
          ]);
        }
        if (detail.approvals.length === 0) return;
        s.out.line();
        s.out.table(detail.approvals, [
          { header: 'STAGE', value: (a) => a.stage },
          { header: 'DECISION', value: (a) => a.decision },
          { header: 'BY', value: (a) => a.userEmail },
          { header: 'COMMENT', value: (a) => a.comment },
        ]);
      }),
    );

  project
    .command('close')
    .description('end the project: shipped (from the last stage) or cancelled (with a reason)')
    .argument('<project>', 'project id or key')
    .addOption(
      new Option('--outcome <outcome>', 'how it ended')
        .choices(['shipped', 'cancelled'])
        .makeOptionMandatory(),
    )
    .option('--reason <text>', 'why (required to cancel)')
    .action(
      action<{ outcome: 'shipped' | 'cancelled'; reason?: string }>(
        runtime,
        async (s, { outcome, reason }, command) => {
          const closed = await (await s.client()).closeProject({
            params: { id: command.args[0] as string },
            body: { outcome, ...(reason === undefined ? {} : { reason }) },
          });
          if (s.out.json) return s.out.printJson(closed);
          s.out.line(`closed ${closed.name}: ${closed.outcome}`);
        },
      ),
    );
}
