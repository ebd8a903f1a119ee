/**
 * `wip-check`: would taking a WIP slot succeed now? `clos wip check`'s question and verdict (exit 1 when
 * the pod is at its limit), with the current holders in the summary so the reader sees what to release.
 */
import { holderLines } from '@clos/cli-kit';
import { type ActionContext, type ActionResult, connect, EXIT, requireInputs } from './context.ts';
import { code, mark, table, text } from './markdown.ts';
import { getInput } from './runner.ts';

/** The action runs on pull requests, so that is the item type unless `type` names another. */
export const DEFAULT_ITEM_TYPE = 'pull-request';

export async function wipCheck(context: ActionContext): Promise<ActionResult> {
  const { pod } = requireInputs(context, 'wip-check', ['pod', 'server-url', 'token']);
  const type = getInput(context.env, 'type') ?? DEFAULT_ITEM_TYPE;
  const client = connect(context, 'wip-check');
  const check = await client.checkWip({ params: { slug: pod, itemType: type } });
  const status = await client.getWipStatus({ params: { slug: pod } });
  const holders = status.types.find((t) => t.itemType === type)?.holders ?? [];

  const usage = `${check.used} of ${check.limit} in use, ${check.available} available`;
  const verdict = check.allowed ? 'allowed' : 'at the limit';
  const lines = [
    `### ${mark(check.allowed)} CLOS WIP check: ${code(pod)} ${code(type)} ${check.allowed ? 'has a free slot' : 'is at its limit'}`,
    '',
    `${usage}.`,
    '',
    `**Current holders (${holders.length})**`,
    '',
    ...(holders.length === 0
      ? ['None.']
      : table(
          ['Item', 'Lock', 'Since'],
          holders.map((h) => [text(h.itemId), code(h.lockId), text(h.acquiredAt)]),
        )),
    '',
    ...(check.allowed
      ? []
      : ['Release one with `clos wip release --lock <id>` when its work is merged.', '']),
  ];
  return {
    exitCode: check.allowed ? EXIT.ok : EXIT.failed,
    status: check.allowed ? 'passed' : 'failed',
    details: { ...check, holders },
    log: [`${pod} ${type}: ${usage} — ${verdict}`, ...holderLines(holders)],
    summary: lines,
    ...(check.allowed
      ? {}
      : {
          error: {
            title: 'CLOS WIP check',
            message: `pod "${pod}" is at its ${type} WIP limit (${usage}); holders: ${holders.map((h) => h.itemId).join(', ') || 'none'}`,
          },
        }),
  };
}
