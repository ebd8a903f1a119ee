import { type Command, Option } from 'commander';
import { action, type Runtime } from '../context.ts';

const CI_STATES = ['passed', 'failed', 'running'] as const;

export function registerDashboardCommands(program: Command, runtime: Runtime): void {
  const dashboard = program.command('dashboard').description("CI results shown on a project's page");

  dashboard
    .command('update')
    .description('report a CI run on a project (e.g. from a CI job)')
    .requiredOption('--project <ref>', 'project id or key')
    .addOption(new Option('--status <status>', 'the run').choices(CI_STATES).makeOptionMandatory())
    .option('--url <url>', 'link to the run')
    .option('--context <name>', 'which check reported, e.g. the workflow name (default "ci")')
    .action(
      action<{ project: string; status: (typeof CI_STATES)[number]; url?: string; context?: string }>(
        runtime,
        async (s, { project, status, url, context }) => {
          const recorded = await (await s.client()).recordCiStatus({
            params: { id: project },
            body: { status, ...(url ? { url } : {}), ...(context ? { context } : {}) },
          });
          if (s.out.json) return s.out.printJson(recorded);
          s.out.line(`recorded ${recorded.context}: ${recorded.status} on project ${project}`);
        },
      ),
    );

  dashboard
    .command('list')
    .description('CI reports on a project, newest first')
    .requiredOption('--project <ref>', 'project id or key')
    .action(
      action<{ project: string }>(runtime, async (s, { project }) => {
        const list = await (await s.client()).listCiStatuses({ params: { id: project } });
        if (s.out.json) return s.out.printJson(list);
        s.out.table(list.items, [
          { header: 'AT', value: (c) => c.createdAt },
          { header: 'CONTEXT', value: (c) => c.context },
          { header: 'STATUS', value: (c) => c.status },
          { header: 'URL', value: (c) => c.url },
        ]);
      }),
    );
}
