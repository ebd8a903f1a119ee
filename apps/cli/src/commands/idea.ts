import { usageError } from '@clos/cli-kit';
import type { Command } from 'commander';
import { action, collect, morePages, type Runtime, wholeNumber } from '../context.ts';

const STATUSES = ['pending', 'promoted', 'archived'] as const;

/** `--score impact=4 --score ease=2.5` → `{ impact: 4, ease: 2.5 }`. */
export function parseScores(pairs: string[]): Record<string, number> {
  const scores: Record<string, number> = {};
  for (const pair of pairs) {
    const match = /^([^=\s]+)=(.+)$/.exec(pair);
    const value = Number(match?.[2]);
    if (!match?.[1] || !Number.isFinite(value))
      throw usageError(`--score "${pair}": expected criterion=number, e.g. --score impact=4`);
    scores[match[1]] = value;
  }
  return scores;
}

export function registerIdeaCommands(program: Command, runtime: Runtime): void {
  const idea = program.command('idea').description('the idea ledger: submit, score, promote into projects');

  idea
    .command('submit')
    .description('submit an idea')
    .requiredOption('--title <text>', 'title')
    .option('--description <text>', 'description')
    .option('--pod <slug>', "the pod to evaluate it: holds one of the pod's idea WIP slots while pending")
    .action(
      action<{ title: string; description?: string; pod?: string }>(runtime, async (s, options) => {
        const { title, description, pod } = options;
        const created = await (await s.client()).submitIdea({
          body: {
            title,
            ...(description === undefined ? {} : { description }),
            ...(pod === undefined ? {} : { pod }),
          },
        });
        if (s.out.json) return s.out.printJson(created);
        s.out.line(`submitted idea ${created.id}: ${created.title}`);
      }),
    );

  idea
    .command('list')
    .description('ideas, newest first')
    .option('--status <status>', `one of ${STATUSES.join(', ')}`)
    .option('--limit <n>', 'page size, 1–200', wholeNumber(1, 200))
    .option('--cursor <cursor>', 'the next page, from a previous listing')
    .action(
      action<{ status?: string; limit?: number; cursor?: string }>(runtime, async (s, options) => {
        if (options.status && !(STATUSES as readonly string[]).includes(options.status))
          throw usageError(`--status: must be one of ${STATUSES.join(', ')}`);
        const page = await (await s.client()).listIdeas({
          query: {
            ...(options.status ? { status: options.status as (typeof STATUSES)[number] } : {}),
            ...(options.limit ? { limit: options.limit } : {}),
            ...(options.cursor ? { cursor: options.cursor } : {}),
          },
        });
        if (s.out.json) return s.out.printJson(page);
        s.out.table(page.items, [
          { header: 'ID', value: (i) => i.id },
          { header: 'STATUS', value: (i) => i.status },
          { header: 'SCORE', value: (i) => i.evaluationScore },
          { header: 'EVALS', value: (i) => i.evaluationCount },
          { header: 'TITLE', value: (i) => i.title },
        ]);
        morePages(s.out, page.nextCursor);
      }),
    );

  idea
    .command('show')
    .description('an idea with its evaluations')
    .argument('<id>', 'idea id')
    .action(
      action(runtime, async (s, _options, command) => {
        const detail = await (await s.client()).getIdea({ params: { id: command.args[0] as string } });
        if (s.out.json) return s.out.printJson(detail);
        s.out.fields([
          ['idea', `${detail.title} (${detail.id})`],
          ['status', detail.status],
          ['score', detail.evaluationScore ?? 'not scored'],
          ['evaluations', detail.evaluationCount],
          ['description', detail.description],
          ...(detail.promotedToProjectId
            ? ([['project', detail.promotedToProjectId]] as [string, unknown][])
            : []),
          ...(detail.archivedReason ? ([['archived', detail.archivedReason]] as [string, unknown][]) : []),
        ]);
        if (detail.evaluations.length === 0) return;
        s.out.line();
        s.out.table(detail.evaluations, [
          { header: 'EVALUATOR', value: (e) => e.evaluatorId },
          { header: 'SCORE', value: (e) => e.score },
          {
            header: 'SCORES',
            value: (e) =>
              Object.entries(e.scores)
                .map(([k, v]) => `${k}=${v}`)
                .join(' '),
          },
          { header: 'COMMENT', value: (e) => e.comment },
        ]);
      }),
    );

  idea
    .command('evaluate')
    .description('score an idea 0–5 on every criterion (replaces your earlier evaluation)')
    .argument('<id>', 'idea id')
    .requiredOption('--score <criterion=n>', 'a score; repeat for each criterion', collect)
    .option('--comment <text>', 'comment')
    .action(
      action<{ score: string[]; comment?: string }>(runtime, async (s, { score, comment }, command) => {
        const result = await (await s.client()).evaluateIdea({
          params: { id: command.args[0] as string },
          body: { scores: parseScores(score), ...(comment === undefined ? {} : { comment }) },
        });
        if (s.out.json) return s.out.printJson(result);
        s.out.line(
          `your score: ${result.evaluation.score}; the idea now scores ${result.idea.evaluationScore} from ${result.idea.evaluationCount} evaluation(s)`,
        );
      }),
    );

  idea
    .command('promote')
    .description("turn the idea into a project in a pod (takes the pod's project WIP slot)")
    .argument('<id>', 'idea id')
    .requiredOption('--pod <slug>', 'pod that will own the project')
    .option('--name <name>', 'project name (default: the idea title)')
    .option('--key <key>', "the project's short unique handle, e.g. refunds (default: derived from the name)")
    .action(
      action<{ pod: string; name?: string; key?: string }>(
        runtime,
        async (s, { pod, name, key }, command) => {
          const result = await (await s.client()).promoteIdea({
            params: { id: command.args[0] as string },
            body: { pod, ...(name === undefined ? {} : { name }), ...(key === undefined ? {} : { key }) },
          });
          if (s.out.json) return s.out.printJson(result);
          s.out.line(
            `promoted to project ${result.project.key} (${result.project.name}, ${result.project.id}) in ${pod}`,
          );
        },
      ),
    );

  idea
    .command('archive')
    .description('archive a pending idea')
    .argument('<id>', 'idea id')
    .requiredOption('--reason <text>', 'why')
    .action(
      action<{ reason: string }>(runtime, async (s, { reason }, command) => {
        const archived = await (await s.client()).archiveIdea({
          params: { id: command.args[0] as string },
          body: { reason },
        });
        if (s.out.json) return s.out.printJson(archived);
        s.out.line(`archived idea ${archived.id}`);
      }),
    );
}
