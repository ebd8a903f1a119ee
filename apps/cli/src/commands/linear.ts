import { EXIT } from '@clos/cli-kit';
import type { ClosClient } from '@clos/contract';
import type { Command } from 'commander';
import { action, type Runtime } from '../context.ts';
import type { Output } from '../output.ts';

type LinearStatus = Awaited<ReturnType<ClosClient['getLinearStatus']>>;

export function registerLinearCommands(program: Command, runtime: Runtime): void {
  const linear = program.command('linear').description('the Linear integration (docs/linear.md)');

  linear
    .command('status')
    .description(
      'teams mapped (and whether pod and team exist), stage templates, linked projects, tracked issues and the last sync; exit 1 when a problem is reported',
    )
    .addHelpText(
      'after',
      `
Exit codes: 0 nothing is wrong; 1 a problem is reported (not configured, a mapped pod or team
does not exist, Linear did not answer). Needs the pods:manage permission. --json prints the
server's answer as is.`,
    )
    .action(
      action(runtime, async (s) => {
        const status = await (await s.client()).getLinearStatus();
        if (s.out.json) s.out.printJson(status);
        else printStatus(s.out, status);
        return status.problems.length > 0 ? EXIT.failed : EXIT.ok;
      }),
    );
}

function printStatus(out: Output, status: LinearStatus): void {
  if (!status.configured) out.line('The Linear integration is not configured on this server.');
  else {
    out.fields([
      ['linked projects', String(status.linkedProjects)],
      ['tracked issues', String(status.trackedIssues)],
      ['last sync', status.lastSyncAt ?? 'never'],
      ['reconcile', status.reconcileMinutes === 0 ? 'at start only' : `every ${status.reconcileMinutes} min`],
    ]);
    out.line();
    out.table(status.teams, [
      { header: 'POD', value: (t) => t.pod },
      { header: 'TEAM', value: (t) => t.team },
      { header: 'POD EXISTS', value: (t) => (t.podExists ? 'yes' : 'no') },
      {
        header: 'TEAM EXISTS',
        value: (t) => (t.teamExists === null ? 'unknown' : t.teamExists ? 'yes' : 'no'),
      },
    ]);
    if (status.stages.length) {
      out.line();
      out.table(status.stages, [
        { header: 'STAGE', value: (st) => st.stage },
        { header: 'TEMPLATE ISSUES', value: (st) => String(st.issues) },
      ]);
    }
  }
  out.line();
  if (status.problems.length === 0) {
    out.line(out.style('green', 'No problems.'));
    return;
  }
  out.line(out.style('red', `Problems (${status.problems.length}):`));
  for (const problem of status.problems) out.line(`  - ${problem}`);
}
