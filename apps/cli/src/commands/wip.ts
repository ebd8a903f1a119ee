import { EXIT, holderLines, usageError } from '@clos/cli-kit';
import type { Command } from 'commander';
import { action, type Runtime, wholeNumber } from '../context.ts';
import type { Output } from '../output.ts';

interface PodType {
  pod: string;
  type: string;
}

export function registerWipCommands(program: Command, runtime: Runtime): void {
  const wip = program.command('wip').description("a pod's WIP limits and the locks that hold its slots");

  wip
    .command('status')
    .description('every item type of a pod with its limit, usage and holders')
    .requiredOption('--pod <slug>', 'pod')
    .option('--type <itemType>', 'only this item type')
    .action(
      action<{ pod: string; type?: string }>(runtime, async (s, { pod, type }) => {
        const status = await (await s.client()).getWipStatus({ params: { slug: pod } });
        if (s.out.json) return s.out.printJson(status);
        const types = status.types.filter((t) => type === undefined || t.itemType === type);
        if (type !== undefined && types.length === 0)
          throw usageError(`pod "${pod}" has no item type "${type}"`);
        s.out.table(types, [
          { header: 'TYPE', value: (t) => t.itemType },
          { header: 'USED', value: (t) => t.used },
          { header: 'LIMIT', value: (t) => t.limit },
          { header: 'AVAILABLE', value: (t) => t.available },
        ]);
        const holders = types.flatMap((t) => t.holders.map((h) => ({ ...h, itemType: t.itemType })));
        if (holders.length > 0) {
          s.out.line();
          s.out.table(holders, [
            { header: 'LOCK', value: (h) => h.lockId },
            { header: 'TYPE', value: (h) => h.itemType },
            { header: 'ITEM', value: (h) => h.itemId },
            { header: 'SINCE', value: (h) => h.acquiredAt },
            { header: 'LABEL', value: (h) => h.label ?? '' },
          ]);
        }
        const waiting = queueRows(types);
        if (waiting.length === 0) return;
        s.out.line();
        queueTable(s.out, waiting);
      }),
    );

  wip
    .command('queue')
    .description('who waits for a slot of a full pod, next first, per item type')
    .requiredOption('--pod <slug>', 'pod')
    .option('--type <itemType>', 'only this item type')
    .action(
      action<{ pod: string; type?: string }>(runtime, async (s, { pod, type }) => {
        const queue = await (await s.client()).getWipQueue({ params: { slug: pod } });
        if (s.out.json) return s.out.printJson(queue);
        const types = queue.types.filter((t) => type === undefined || t.itemType === type);
        if (type !== undefined && types.length === 0)
          throw usageError(`pod "${pod}" has no item type "${type}"`);
        const waiting = queueRows(types);
        if (waiting.length === 0) s.out.line(`nobody waits for a ${type ?? 'WIP'} slot in ${pod}`);
        else queueTable(s.out, waiting);
      }),
    );

  wip
    .command('check')
    .description('would an acquire succeed now? exit 1 when the pod is at its limit')
    .requiredOption('--pod <slug>', 'pod')
    .requiredOption('--type <itemType>', 'item type, e.g. pull-request')
    .action(
      action<PodType>(runtime, async (s, { pod, type }) => {
        const client = await s.client();
        const check = await client.checkWip({ params: { slug: pod, itemType: type } });
        if (s.out.json) s.out.printJson(check);
        else
          s.out.line(
            `${pod} ${type}: ${check.used} of ${check.limit} in use, ${check.available} available — ${check.allowed ? s.out.style('green', 'allowed') : s.out.style('red', 'at the limit')}`,
          );
        if (check.allowed) return EXIT.ok;
        if (!s.out.json) {
          const status = await client.getWipStatus({ params: { slug: pod } });
          const holders = status.types.find((t) => t.itemType === type)?.holders ?? [];
          for (const line of holderLines(holders)) s.out.note(line);
        }
        return EXIT.failed;
      }),
    );

  wip
    .command('acquire')
    .description('take a WIP slot for an item; exit 1 with the holders when the pod is at its limit')
    .requiredOption('--pod <slug>', 'pod')
    .requiredOption('--type <itemType>', 'item type, e.g. pull-request')
    .requiredOption('--item <id>', 'the item taking the slot, e.g. a PR number or URL')
    .option('--queue', 'when the pod is full, wait in its queue (exit 0) instead of failing')
    .option('--label <text>', 'what the item is, for people (e.g. the PR title and author)')
    .option('--url <url>', "the item's page (http or https)")
    .action(
      action<PodType & { item: string; queue?: boolean; label?: string; url?: string }>(
        runtime,
        async (s, { pod, type, item, queue, label, url }) => {
          // `raw` for the status: 201 is a new lock, 200 the lock the item already held, 202 a place in line.
          const answer = await (await s.client()).raw.acquireWipLock({
            params: { slug: pod, itemType: type },
            body: {
              itemId: item,
              ...(queue ? { queue: true } : {}),
              ...(label !== undefined ? { label } : {}),
              ...(url !== undefined ? { url } : {}),
            },
          });
          if (s.out.json) return s.out.printJson(answer.data);
          if (answer.status === 202) {
            const { position, ahead } = answer.data;
            s.out.line(
              `${item} waits for a ${type} slot in ${pod}: place ${position} in line (${ahead} ahead); it takes the slot when its turn comes`,
            );
            return;
          }
          const lock = answer.data;
          s.out.line(
            answer.status === 201
              ? `lock ${lock.id}: ${item} now holds a ${type} slot in ${pod}`
              : `lock ${lock.id}: ${item} already held a ${type} slot in ${pod} (since ${lock.acquiredAt})`,
          );
        },
      ),
    );

  wip
    .command('release')
    .description('free a slot: by lock id, or by --pod, --type and --item (which also leaves the queue)')
    .option('--lock <id>', 'lock id')
    .option('--pod <slug>', 'pod (with --type and --item)')
    .option('--type <itemType>', 'item type (with --pod and --item)')
    .option('--item <id>', 'the item holding the slot (with --pod and --type)')
    .action(
      action<{ lock?: string; pod?: string; type?: string; item?: string }>(runtime, async (s, options) => {
        const client = await s.client();
        const lockId = options.lock;
        if (lockId === undefined) {
          const { pod, type, item } = options;
          if (!pod || !type || !item) throw usageError('give --lock <id>, or --pod, --type and --item');
          const done = await client.releaseWipItem({ params: { slug: pod, itemType: type, itemId: item } });
          if (done.outcome === 'not_held') {
            const status = await client.getWipStatus({ params: { slug: pod } });
            const holders = status.types.find((t) => t.itemType === type)?.holders ?? [];
            throw usageError(`${item} holds no ${type} slot in pod "${pod}" and is not in its queue`, [
              `holders: ${holders.map((h) => h.itemId).join(', ') || 'none'}`,
            ]);
          }
          if (s.out.json) return s.out.printJson(done);
          s.out.line(
            done.outcome === 'left_queue'
              ? `${item} left the ${type} queue of ${pod}`
              : `released lock ${done.lock!.id} (${type} ${item})`,
          );
          return;
        }
        if (options.item || options.pod || options.type)
          throw usageError('give either --lock or --pod/--type/--item, not both');
        const lock = await client.releaseWipLock({ params: { id: lockId } });
        if (s.out.json) return s.out.printJson(lock);
        s.out.line(`released lock ${lock.id} (${lock.itemType} ${lock.itemId})`);
      }),
    );

  wip
    .command('limit')
    .description("set a pod's limit for an item type")
    .requiredOption('--pod <slug>', 'pod')
    .requiredOption('--type <itemType>', 'item type')
    .requiredOption('--limit <n>', 'the new limit, 0–10000', wholeNumber(0, 10_000))
    .action(
      action<PodType & { limit: number }>(runtime, async (s, { pod, type, limit }) => {
        const result = await (await s.client()).setWipLimit({
          params: { slug: pod, itemType: type },
          body: { limit },
        });
        if (s.out.json) return s.out.printJson(result);
        s.out.line(`${pod} ${type}: limit ${result.limit} (${result.used} in use)`);
      }),
    );
}

interface QueueRow {
  itemType: string;
  itemId: string;
  label: string | null;
  position: number;
  enqueuedAt: string;
}

function queueRows(
  types: readonly { itemType: string; queue: readonly Omit<QueueRow, 'itemType'>[] }[],
): QueueRow[] {
  return types.flatMap((t) => t.queue.map((q) => ({ ...q, itemType: t.itemType })));
}

function queueTable(out: Output, rows: QueueRow[]): void {
  out.table(rows, [
    { header: 'TYPE', value: (q) => q.itemType },
    { header: 'POSITION', value: (q) => q.position },
    { header: 'ITEM', value: (q) => q.itemId },
    { header: 'LABEL', value: (q) => q.label ?? '' },
    { header: 'WAITING SINCE', value: (q) => q.enqueuedAt },
  ]);
}
