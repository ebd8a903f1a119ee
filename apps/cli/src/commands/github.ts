import { EXIT } from '@clos/cli-kit';
import type { ClosClient } from '@clos/contract';
import type { Command } from 'commander';
import { action, type Runtime } from '../context.ts';
import type { Output } from '../output.ts';

type GithubStatus = Awaited<ReturnType<ClosClient['getGithubStatus']>>;
type RepositoryStatus = GithubStatus['repositories'][number];

export function registerGithubCommands(program: Command, runtime: Runtime): void {
  const github = program.command('github').description('the GitHub App (docs/github-app.md)');

  github
    .command('status')
    .description(
      'the App, its installations, each mapped repository (pod, project, installation, problem) and the pull requests holding or waiting for its pod’s slots; exit 1 when a problem is reported',
    )
    .addHelpText(
      'after',
      `
Exit codes: 0 nothing is wrong; 1 a problem is reported (the App is not configured, a mapped
repository has no installation, its pod or project does not exist in CLOS, GitHub did not answer).
Needs the pods:manage permission (pod leads and admins). --json prints the server's answer as is.`,
    )
    .action(
      action(runtime, async (s) => {
        const status = await (await s.client()).getGithubStatus();
        if (s.out.json) s.out.printJson(status);
        else printStatus(s.out, status);
        return status.problems.length > 0 ? EXIT.failed : EXIT.ok;
      }),
    );
}

function printStatus(out: Output, status: GithubStatus): void {
  if (!status.configured) {
    out.line('The GitHub App is not configured on this server.');
    printProblems(out, status.problems);
    return;
  }
  const { app } = status;
  out.fields([
    [
      'App',
      app
        ? `${app.name} (id ${app.id}${app.owner ? `, owned by ${app.owner}` : ''})`
        : 'unknown (see problems)',
    ],
  ]);
  out.line();
  out.line(out.style('bold', 'Installations'));
  out.table(status.installations, [
    { header: 'ID', value: (i) => i.id },
    { header: 'ACCOUNT', value: (i) => i.account },
    {
      header: 'REPOSITORIES',
      value: (i) => (i.repositorySelection === 'all' ? `all of ${i.account}’s` : i.repositories),
    },
  ]);
  out.line();
  out.line(out.style('bold', 'Repositories'));
  out.table(status.repositories, [
    { header: 'REPOSITORY', value: (r) => r.repository },
    { header: 'POD', value: (r) => r.pod },
    {
      header: 'PROJECT',
      value: (r) => (r.project && r.requireStage ? `${r.project} (from ${r.requireStage})` : r.project),
    },
    { header: 'INSTALLATION', value: (r) => r.installationId },
    { header: 'HELD', value: (r) => r.holders.length },
    { header: 'WAITING', value: (r) => r.queue.length },
    { header: 'PROBLEM', value: (r) => r.problem },
  ]);
  for (const repository of status.repositories) printPullRequests(out, repository);
  printProblems(out, status.problems);
}

/** A repository's pull requests in its pod: the holders, then the line, each with its link. */
function printPullRequests(out: Output, r: RepositoryStatus): void {
  const rows = [
    ...r.holders.map((h) => ({ ...h, state: 'holds a slot' })),
    ...r.queue.map((q) => ({ ...q, state: `#${q.position} in line` })),
  ];
  if (rows.length === 0) return;
  out.line();
  out.line(out.style('bold', `${r.repository} in ${r.pod}`));
  out.table(rows, [
    { header: 'STATE', value: (p) => p.state },
    { header: 'ITEM', value: (p) => p.itemId },
    { header: 'LABEL', value: (p) => p.label },
    { header: 'URL', value: (p) => p.url },
  ]);
}

function printProblems(out: Output, problems: readonly string[]): void {
  out.line();
  if (problems.length === 0) {
    out.line(out.style('green', 'No problems.'));
    return;
  }
  out.line(out.style('red', `Problems (${problems.length}):`));
  for (const problem of problems) out.line(`  - ${problem}`);
}
