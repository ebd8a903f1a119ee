import { ClosApiError } from '@clos/contract/client';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, type ReactNode, useMemo, useState } from 'react';
import { useSearchParams } from 'react-router';
import { Chart } from '../components/chart.tsx';
import { ConfirmDialog } from '../components/confirm-dialog.tsx';
import {
  Badge,
  Button,
  Card,
  Empty,
  ErrorNote,
  formatDate,
  Page,
  QueryState,
  Stat,
  TextField,
} from '../components/ui.tsx';
import { WipItem } from '../components/wip-item.tsx';
import { useSession } from '../lib/auth.tsx';
import { useUserEmails } from '../lib/users.ts';
import {
  canLeaveQueue,
  canRelease,
  cellLabel,
  cellState,
  type HeatCell,
  type HeatGrid,
  heatGrid,
  heatmapOption,
  holderName,
  STATE_TEXT,
  STATE_TONE,
  type WipHolder,
  type WipQueueItem,
} from '../lib/wip.ts';

const CELL_CLASSES = {
  free: 'border-green-300 bg-green-50 dark:border-green-800 dark:bg-green-950',
  busy: 'border-amber-300 bg-amber-50 dark:border-amber-800 dark:bg-amber-950',
  full: 'border-red-400 bg-red-50 dark:border-red-800 dark:bg-red-950',
  over: 'border-red-500 bg-red-100 dark:border-red-700 dark:bg-red-900',
  closed: 'border-slate-300 bg-slate-100 dark:border-slate-700 dark:bg-slate-800',
} as const;

function CellTable({
  grid,
  selected,
  onSelect,
}: {
  grid: HeatGrid;
  selected: { pod: string; type: string } | null;
  onSelect(cell: HeatCell): void;
}) {
  return (
    <div className="overflow-x-auto">
      <table className="w-full min-w-max text-sm">
        <caption className="sr-only">
          WIP used and limit per pod and item type; choose a cell to see its holders
        </caption>
        <thead>
          <tr className="text-left text-slate-500 dark:text-slate-400">
            <th scope="col" className="px-2 py-1 font-medium">
              Pod
            </th>
            {grid.types.map((t) => (
              <th key={t} scope="col" className="px-2 py-1 font-medium">
                {t}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {grid.pods.map((pod, y) => (
            <tr key={pod.id} className="border-t border-slate-200 dark:border-slate-800">
              <th scope="row" className="px-2 py-1 text-left font-medium">
                {pod.name} <span className="text-xs text-slate-500">({pod.slug})</span>
              </th>
              {grid.rows[y]!.map((cell, x) => (
                <td key={grid.types[x]} className="px-2 py-1">
                  {cell ? (
                    <button
                      type="button"
                      aria-label={cellLabel(cell)}
                      aria-pressed={selected?.pod === cell.pod && selected.type === cell.itemType}
                      onClick={() => onSelect(cell)}
                      className={`flex min-h-10 w-full min-w-24 items-center justify-between gap-2 rounded-lg border px-2 py-1 text-left tabular-nums aria-pressed:ring-2 aria-pressed:ring-teal-600 ${CELL_CLASSES[cell.state]}`}
                    >
                      <span>
                        {cell.used}/{cell.limit}
                      </span>
                      {STATE_TEXT[cell.state] ? (
                        <Badge tone={STATE_TONE[cell.state]}>{STATE_TEXT[cell.state]}</Badge>
                      ) : null}
                    </button>
                  ) : (
                    <span className="text-slate-400">—</span>
                  )}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function HolderRows({
  itemType,
  holders,
  emails,
  names,
  action,
}: {
  itemType: string;
  holders: WipHolder[];
  emails: ReadonlyMap<string, string>;
  names?: ReadonlyMap<string, string>;
  action?: (holder: WipHolder) => ReactNode;
}) {
  const { me } = useSession();
  return (
    <div className="overflow-x-auto">
      <table className="w-full min-w-max text-sm">
        <thead>
          <tr className="text-left text-slate-500 dark:text-slate-400">
            <th scope="col" className="px-2 py-1 font-medium">
              Item
            </th>
            <th scope="col" className="px-2 py-1 font-medium">
              Who
            </th>
            <th scope="col" className="px-2 py-1 font-medium">
              Since
            </th>
            {action ? (
              <th scope="col" className="px-2 py-1 font-medium">
                <span className="sr-only">Actions</span>
              </th>
            ) : null}
          </tr>
        </thead>
        <tbody>
          {holders.map((h) => (
            <tr key={h.lockId} className="border-t border-slate-200 dark:border-slate-800">
              <td className="px-2 py-1">
                <WipItem
                  itemType={itemType}
                  itemId={h.itemId}
                  label={h.label}
                  url={h.url}
                  projectName={names?.get(h.itemId)}
                />
              </td>
              <td className="px-2 py-1">{holderName(h.acquiredBy, me?.user?.id, emails)}</td>
              <td className="px-2 py-1">
                <time dateTime={h.acquiredAt}>{formatDate(h.acquiredAt)}</time>
              </td>
              {action ? <td className="px-2 py-1 text-right">{action(h)}</td> : null}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** Who waits for a slot, next first. */
function QueueRows({
  itemType,
  queue,
  emails,
  names,
  action,
}: {
  itemType: string;
  queue: WipQueueItem[];
  emails: ReadonlyMap<string, string>;
  names?: ReadonlyMap<string, string>;
  action?: (entry: WipQueueItem) => ReactNode;
}) {
  const { me } = useSession();
  return (
    <div className="overflow-x-auto">
      <table className="w-full min-w-max text-sm">
        <thead>
          <tr className="text-left text-slate-500 dark:text-slate-400">
            <th scope="col" className="px-2 py-1 font-medium">
              Place
            </th>
            <th scope="col" className="px-2 py-1 font-medium">
              Item
            </th>
            <th scope="col" className="px-2 py-1 font-medium">
              Queued by
            </th>
            <th scope="col" className="px-2 py-1 font-medium">
              Waiting since
            </th>
            {action ? (
              <th scope="col" className="px-2 py-1 font-medium">
                <span className="sr-only">Actions</span>
              </th>
            ) : null}
          </tr>
        </thead>
        <tbody>
          {queue.map((q) => (
            <tr key={q.itemId} className="border-t border-slate-200 dark:border-slate-800">
              <td className="px-2 py-1 tabular-nums">{q.position}</td>
              <td className="px-2 py-1">
                <WipItem
                  itemType={itemType}
                  itemId={q.itemId}
                  label={q.label}
                  url={q.url}
                  projectName={names?.get(q.itemId)}
                />
              </td>
              <td className="px-2 py-1">{holderName(q.enqueuedBy, me?.user?.id, emails)}</td>
              <td className="px-2 py-1">
                <time dateTime={q.enqueuedAt}>{formatDate(q.enqueuedAt)}</time>
              </td>
              {action ? <td className="px-2 py-1 text-right">{action(q)}</td> : null}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function CellDetail({ pod, podId, itemType }: { pod: string; podId: string; itemType: string }) {
  const { client, can, me } = useSession();
  const queryClient = useQueryClient();
  const emails = useUserEmails();
  const status = useQuery({
    queryKey: ['wip', pod],
    queryFn: () => client.getWipStatus({ params: { slug: pod } }),
  });
  const refresh = () =>
    Promise.all([
      queryClient.invalidateQueries({ queryKey: ['wip'] }),
      queryClient.invalidateQueries({ queryKey: ['dashboard'] }),
      queryClient.invalidateQueries({ queryKey: ['pods'] }),
    ]);

  // A project's slot is held under its id: its name comes from the pod's open projects (one request).
  const projects = useQuery({
    queryKey: ['dashboard', 'gates', pod],
    queryFn: () => client.getDashboardGates({ query: { pod } }),
    enabled: itemType === 'project',
  });
  const names = useMemo(
    () => new Map((projects.data?.items ?? []).map((p) => [p.projectId, p.name])),
    [projects.data],
  );
  const [confirming, setConfirming] = useState<WipHolder | null>(null);
  const release = useMutation({
    mutationFn: (lockId: string) => client.releaseWipLock({ params: { id: lockId } }),
    onSuccess: async () => {
      setConfirming(null);
      await refresh();
    },
  });
  const itemName = (h: WipHolder) => names.get(h.itemId) ?? (h.label ? `${h.label} (${h.itemId})` : h.itemId);
  const [limit, setLimit] = useState('');
  const setLimitMutation = useMutation({
    mutationFn: (value: number) =>
      client.setWipLimit({ params: { slug: pod, itemType }, body: { limit: value } }),
    onSuccess: async () => {
      setLimit('');
      await refresh();
    },
  });
  const leave = useMutation({
    mutationFn: (id: string) => client.releaseWipItem({ params: { slug: pod, itemType, itemId: id } }),
    onSuccess: refresh,
  });
  const [itemId, setItemId] = useState('');
  const [wait, setWait] = useState(false);
  const take = useMutation({
    mutationFn: ({ id, queue }: { id: string; queue: boolean }) =>
      client.acquireWipLock({
        params: { slug: pod, itemType },
        body: { itemId: id, ...(queue ? { queue: true } : {}) },
      }),
    onSuccess: async () => {
      setItemId('');
      await refresh();
    },
  });

  const mayUse = can('wip:use', podId);
  const mayManage = can('pods:manage', podId);
  const actor = { role: me?.role ?? 'viewer', userId: me?.user?.id ?? null };

  return (
    <Card title={`${pod} · ${itemType}`}>
      <QueryState query={status} what="holders">
        {(data) => {
          const cell = data.types.find((t) => t.itemType === itemType);
          if (!cell) return <Empty>This pod has no “{itemType}” limit.</Empty>;
          const state = cellState(cell.used, cell.limit);
          const full = state === 'full' || state === 'over';
          return (
            <div className="space-y-5">
              <div className="grid grid-cols-3 gap-3">
                <Stat label="Used" value={cell.used} />
                <Stat label="Limit" value={cell.limit} />
                <Stat label="Available" value={cell.available} />
              </div>
              {full ? (
                <p className="rounded-lg border border-red-300 bg-red-50 p-3 text-sm font-medium text-red-800 dark:border-red-800 dark:bg-red-950 dark:text-red-200">
                  This cell is full: a new {itemType} in {pod} is refused, or waits in the queue, until a
                  holder releases its slot
                  {cell.used > cell.limit ? ' and usage falls below the limit' : ''}.
                </p>
              ) : state === 'closed' ? (
                <p className="rounded-lg border border-slate-300 bg-slate-50 p-3 text-sm dark:border-slate-700 dark:bg-slate-800">
                  This cell is closed: its limit is 0, so no {itemType} is admitted in {pod}.
                </p>
              ) : null}

              <section aria-labelledby="holders-title" className="space-y-2">
                <h3 id="holders-title" className="text-sm font-semibold">
                  Holders
                </h3>
                {cell.holders.length === 0 ? (
                  <Empty>No one holds a slot.</Empty>
                ) : (
                  <HolderRows
                    itemType={itemType}
                    holders={cell.holders}
                    emails={emails}
                    names={names}
                    action={
                      mayUse
                        ? (h) =>
                            canRelease(actor, h) ? (
                              <Button
                                variant="secondary"
                                disabled={release.isPending}
                                aria-label={`Release ${itemName(h)}`}
                                // Someone else's slot is their work in progress: ask first.
                                onClick={() =>
                                  h.acquiredBy && h.acquiredBy === me?.user?.id
                                    ? release.mutate(h.lockId)
                                    : setConfirming(h)
                                }
                              >
                                Release
                              </Button>
                            ) : null
                        : undefined
                    }
                  />
                )}
                {release.isError && !confirming ? (
                  <ErrorNote error={release.error} title="Could not release" />
                ) : null}
                {confirming ? (
                  <ConfirmDialog
                    title="Release someone else's slot?"
                    confirmLabel="Release their slot"
                    busy={release.isPending}
                    error={release.isError ? release.error : undefined}
                    onConfirm={() => release.mutate(confirming.lockId)}
                    onCancel={() => {
                      setConfirming(null);
                      release.reset();
                    }}
                  >
                    <p>
                      {itemName(confirming)} is held by{' '}
                      {holderName(confirming.acquiredBy, me?.user?.id, emails)}. Releasing it frees the slot
                      for the next in the queue; their work is not stopped, but it no longer counts against
                      the limit.
                    </p>
                  </ConfirmDialog>
                ) : null}
              </section>

              <section aria-labelledby="queue-title" className="space-y-2">
                <h3 id="queue-title" className="text-sm font-semibold">
                  Queue{cell.queue.length ? ` (${cell.queue.length})` : ''}
                </h3>
                {cell.queue.length === 0 ? (
                  <Empty>Nobody is waiting.</Empty>
                ) : (
                  <>
                    <p className="text-xs text-slate-500">
                      First come, first served: when a slot frees, the first in line takes it.
                    </p>
                    <QueueRows
                      itemType={itemType}
                      queue={cell.queue}
                      emails={emails}
                      names={names}
                      action={
                        mayUse
                          ? (q) =>
                              canLeaveQueue(actor, q) ? (
                                <Button
                                  variant="secondary"
                                  disabled={leave.isPending}
                                  aria-label={`Take ${q.itemId} out of the queue`}
                                  onClick={() => leave.mutate(q.itemId)}
                                >
                                  Leave queue
                                </Button>
                              ) : null
                          : undefined
                      }
                    />
                  </>
                )}
                {leave.isError ? (
                  <ErrorNote error={leave.error} title="Could not take it out of the queue" />
                ) : null}
              </section>

              {mayUse ? (
                <form
                  className="space-y-2"
                  onSubmit={(e: FormEvent) => {
                    e.preventDefault();
                    take.mutate({ id: itemId.trim(), queue: full || wait });
                  }}
                >
                  {/* A full cell admits nothing: offering its slot would only earn a refusal. */}
                  <h3 className="text-sm font-semibold">{full ? 'Join the queue' : 'Take a slot'}</h3>
                  {full ? (
                    <p className="text-xs text-slate-600 dark:text-slate-400">
                      The item waits in line and takes a slot by itself when its turn comes.
                    </p>
                  ) : null}
                  <div className="flex flex-wrap items-end gap-2">
                    <div className="min-w-48 flex-1">
                      <TextField
                        label="Item id"
                        value={itemId}
                        onChange={(e) => setItemId(e.target.value)}
                        placeholder="web#123"
                        required
                      />
                    </div>
                    <Button type="submit" disabled={take.isPending || state === 'closed'}>
                      {full ? 'Join the queue' : 'Take a slot'}
                    </Button>
                  </div>
                  {full ? null : (
                    <label className="flex items-center gap-2 text-sm">
                      <input type="checkbox" checked={wait} onChange={(e) => setWait(e.target.checked)} />
                      Wait in the queue when the cell is full
                    </label>
                  )}
                  {take.isSuccess ? (
                    <p role="status" className="text-sm text-green-700 dark:text-green-400">
                      {'queued' in take.data
                        ? `${take.data.itemId} waits in the queue: place ${take.data.position}.`
                        : `${take.data.itemId} holds a slot.`}
                    </p>
                  ) : null}
                  {take.isError ? <Refusal error={take.error} itemType={itemType} emails={emails} /> : null}
                </form>
              ) : null}

              {mayManage ? (
                <form
                  className="space-y-2"
                  onSubmit={(e: FormEvent) => {
                    e.preventDefault();
                    setLimitMutation.mutate(Number(limit));
                  }}
                >
                  <h3 className="text-sm font-semibold">Edit limit</h3>
                  <div className="flex flex-wrap items-end gap-2">
                    <div className="w-40">
                      <TextField
                        label={`Limit for ${itemType}`}
                        type="number"
                        inputMode="numeric"
                        min={0}
                        max={10_000}
                        step={1}
                        value={limit}
                        placeholder={String(cell.limit)}
                        onChange={(e) => setLimit(e.target.value)}
                        required
                      />
                    </div>
                    <Button type="submit" disabled={setLimitMutation.isPending}>
                      Save limit
                    </Button>
                  </div>
                  <p className="text-xs text-slate-500">
                    Lowering a limit below usage keeps existing holders and admits nothing new until usage
                    falls below it.
                  </p>
                  {setLimitMutation.isError ? (
                    <ErrorNote error={setLimitMutation.error} title="Could not set the limit" />
                  ) : null}
                </form>
              ) : null}
            </div>
          );
        }}
      </QueryState>
    </Card>
  );
}

/** The server's refusal of a slot: its message and, when the cell is full, who holds it. */
function Refusal({
  error,
  itemType,
  emails,
}: {
  error: unknown;
  itemType: string;
  emails: ReadonlyMap<string, string>;
}) {
  if (error instanceof ClosApiError && error.code === 'wip_limit_exceeded' && error.details) {
    const details = error.details as { limit: number; used: number; holders: WipHolder[] };
    return (
      <div className="space-y-2">
        <ErrorNote error={error} title="Refused" />
        <p className="text-sm">
          {details.used} of {details.limit} slots are held by:
        </p>
        <HolderRows itemType={itemType} holders={details.holders} emails={emails} />
      </div>
    );
  }
  return <ErrorNote error={error} title="Refused" />;
}

/** WIP: every pod × item type, coloured by used/limit; a cell's holders, release, limit and a slot. */
export function Wip() {
  const { client } = useSession();
  const [params, setParams] = useSearchParams();
  const heatmap = useQuery({ queryKey: ['dashboard', 'wip'], queryFn: () => client.getDashboardWip() });
  const grid = useMemo(() => (heatmap.data ? heatGrid(heatmap.data) : null), [heatmap.data]);
  const option = useMemo(() => (grid ? heatmapOption(grid) : null), [grid]);
  const pod = params.get('pod');
  const type = params.get('type');
  const selected = pod && type ? { pod, type } : null;
  const selectedPodId = grid?.pods.find((p) => p.slug === pod)?.id ?? null;

  return (
    <Page title="WIP limits">
      <QueryState
        query={heatmap}
        what="WIP"
        isEmpty={(d) => d.pods.length === 0 || d.types.length === 0}
        empty="No pods or item types yet: register a pod to see its WIP."
      >
        {() => (
          <div className="grid grid-cols-1 gap-6 xl:grid-cols-2">
            <Card title="Heatmap">
              {option && grid ? (
                <Chart
                  option={option}
                  label="WIP heatmap: pods by item type, coloured by used ÷ limit; the table lists the same cells"
                  height={Math.max(200, 60 + grid.pods.length * 48)}
                />
              ) : null}
            </Card>
            <Card title="Cells">
              {grid ? (
                <CellTable
                  grid={grid}
                  selected={selected}
                  onSelect={(c) => setParams({ pod: c.pod, type: c.itemType }, { replace: true })}
                />
              ) : null}
            </Card>
            <div className="xl:col-span-2">
              {selected && selectedPodId ? (
                <CellDetail
                  key={`${selected.pod}/${selected.type}`}
                  pod={selected.pod}
                  podId={selectedPodId}
                  itemType={selected.type}
                />
              ) : selected ? (
                <Empty>There is no pod “{selected.pod}”.</Empty>
              ) : (
                <Empty>Choose a cell to see who holds its slots.</Empty>
              )}
            </div>
          </div>
        )}
      </QueryState>
    </Page>
  );
}
