import { useInfiniteQuery, useMutation, useQueryClient } from '@tanstack/react-query';
import { useMemo, useState } from 'react';
import { Link, useSearchParams } from 'react-router';
import {
  Badge,
  Button,
  Card,
  ErrorNote,
  formatDate,
  Page,
  QueryState,
  SelectField,
} from '../components/ui.tsx';
import {
  ALERT_KINDS,
  type Alert,
  type AlertFilters,
  alertFiltersFromSearch,
  alertQuery,
  alertSubjectLink,
  isSnoozed,
  KIND_TEXT,
  SEVERITY,
  SNOOZE_CHOICES,
  type SnoozeChoice,
  snoozeUntil,
  splitAlerts,
} from '../lib/alerts.ts';
import { useSession } from '../lib/auth.tsx';
import { usePodList } from '../lib/pod-list.ts';

const CONTROL =
  'min-h-10 rounded-lg border border-slate-300 bg-white px-2 py-2 text-sm dark:border-slate-700 dark:bg-slate-950';

/** Acknowledge and snooze, for whoever manages the alert's pod (an admin for a company-wide one). */
function AlertActions({ alert }: { alert: Alert }) {
  const { client } = useSession();
  const queryClient = useQueryClient();
  const [choice, setChoice] = useState<SnoozeChoice>('1h');
  const [day, setDay] = useState('');
  const done = () => void queryClient.invalidateQueries({ queryKey: ['alerts'] });
  const acknowledge = useMutation({
    mutationFn: () => client.acknowledgeAlert({ params: { id: alert.id } }),
    onSuccess: done,
  });
  const snooze = useMutation({
    mutationFn: (until: string) => client.snoozeAlert({ params: { id: alert.id }, body: { until } }),
    onSuccess: done,
  });
  const until = snoozeUntil(choice, new Date(), day);
  const busy = acknowledge.isPending || snooze.isPending;
  return (
    <div className="mt-2 space-y-2">
      <div className="flex flex-wrap items-center gap-2">
        {alert.acknowledged ? null : (
          <Button variant="secondary" onClick={() => acknowledge.mutate()} disabled={busy}>
            {acknowledge.isPending ? 'Acknowledging…' : 'Acknowledge'}
          </Button>
        )}
        {/* One compact row under each alert: the select is named for screen readers, not labelled on sight. */}
        <select
          aria-label="Snooze for"
          value={choice}
          onChange={(e) => setChoice(e.target.value as SnoozeChoice)}
          className={CONTROL}
        >
          {SNOOZE_CHOICES.map((c) => (
            <option key={c.value} value={c.value}>
              {c.text}
            </option>
          ))}
        </select>
        {choice === 'date' ? (
          <input
            aria-label="Until"
            type="date"
            value={day}
            onChange={(e) => setDay(e.target.value)}
            className={CONTROL}
          />
        ) : null}
        <Button
          variant="secondary"
          onClick={() => until && snooze.mutate(until)}
          disabled={busy || !until}
          title={until ? undefined : 'Pick a day after today'}
        >
          {snooze.isPending ? 'Snoozing…' : 'Snooze'}
        </Button>
      </div>
      {acknowledge.isError ? <ErrorNote error={acknowledge.error} title="Could not acknowledge" /> : null}
      {snooze.isError ? <ErrorNote error={snooze.error} title="Could not snooze" /> : null}
    </div>
  );
}

function AlertItem({ alert, slugs }: { alert: Alert; slugs: ReadonlyMap<string, string> }) {
  const { can, me } = useSession();
  const severity = SEVERITY[alert.severity];
  const link = alertSubjectLink(alert, slugs);
  const open = alert.status === 'open';
  const snoozed = isSnoozed(alert, new Date());
  const mayAct = open && (alert.podId ? can('pods:manage', alert.podId) : me?.role === 'admin');
  return (
    <li
      className={`rounded-lg border border-l-4 border-slate-200 p-3 dark:border-slate-800 ${
        open ? severity.stripe : 'border-l-slate-300 dark:border-l-slate-700'
      }`}
    >
      <div className="flex flex-wrap items-center gap-2">
        <Badge tone={open ? severity.tone : 'slate'}>{severity.text}</Badge>
        <span className="text-xs font-medium uppercase tracking-wide text-slate-600 dark:text-slate-400">
          {KIND_TEXT[alert.kind]}
        </span>
        {alert.status === 'resolved' ? (
          <Badge tone="green">Resolved</Badge>
        ) : snoozed ? (
          <Badge tone="slate">Snoozed</Badge>
        ) : (
          <Badge tone="amber">Open</Badge>
        )}
        {alert.acknowledged ? <Badge tone="teal">Acknowledged</Badge> : null}
      </div>
      <p className="mt-1 text-sm">{alert.message}</p>
      <p className="mt-1 text-xs text-slate-600 dark:text-slate-400">
        Opened {formatDate(alert.openedAt)} · last seen {formatDate(alert.lastSeenAt)}
        {alert.resolvedAt ? ` · resolved ${formatDate(alert.resolvedAt)}` : ''}
      </p>
      {alert.acknowledged ? (
        <p className="mt-1 text-xs text-slate-700 dark:text-slate-300">
          Acknowledged by {alert.acknowledged.byLabel} {formatDate(alert.acknowledged.at)}
        </p>
      ) : null}
      {alert.snooze && snoozed ? (
        <p className="mt-1 text-xs text-slate-700 dark:text-slate-300">
          Snoozed by {alert.snooze.byLabel} until {formatDate(alert.snooze.until)}
        </p>
      ) : null}
      {link ? (
        <Link to={link.href} className="mt-1 inline-block text-sm text-teal-700 underline dark:text-teal-400">
          {link.text}
        </Link>
      ) : null}
      {mayAct ? <AlertActions alert={alert} /> : null}
    </li>
  );
}

function AlertGroup({
  id,
  title,
  alerts,
  none,
  slugs,
}: {
  id: string;
  title: string;
  alerts: Alert[];
  none: string;
  slugs: ReadonlyMap<string, string>;
}) {
  return (
    <section aria-labelledby={id}>
      <h2 id={id} className="mb-2 text-lg font-semibold">
        {title}
      </h2>
      {alerts.length === 0 ? (
        <p className="text-sm text-slate-600 dark:text-slate-400">{none}</p>
      ) : (
        <ul className="space-y-2">
          {alerts.map((a) => (
            <AlertItem key={a.id} alert={a} slugs={slugs} />
          ))}
        </ul>
      )}
    </section>
  );
}

function Filters({ filters, pods }: { filters: AlertFilters; pods: { slug: string; name: string }[] }) {
  const [, setSearch] = useSearchParams();
  const set = (key: keyof AlertFilters, value: string) =>
    setSearch(
      (prev) => {
        const next = new URLSearchParams(prev);
        if (value) next.set(key, value);
        else next.delete(key);
        return next;
      },
      { replace: true },
    );
  return (
    <Card>
      <fieldset className="grid gap-3 sm:grid-cols-3">
        <legend className="sr-only">Filters</legend>
        <SelectField
          label="Status"
          value={filters.status ?? ''}
          onChange={(e) => set('status', e.target.value)}
        >
          <option value="">Open and resolved</option>
          <option value="open">Open</option>
          <option value="resolved">Resolved</option>
        </SelectField>
        <SelectField label="Pod" value={filters.pod ?? ''} onChange={(e) => set('pod', e.target.value)}>
          <option value="">All pods</option>
          {pods.map((p) => (
            <option key={p.slug} value={p.slug}>
              {p.name}
            </option>
          ))}
        </SelectField>
        <SelectField label="Kind" value={filters.kind ?? ''} onChange={(e) => set('kind', e.target.value)}>
          <option value="">All kinds</option>
          {ALERT_KINDS.map((k) => (
            <option key={k} value={k}>
              {KIND_TEXT[k]}
            </option>
          ))}
        </SelectField>
      </fieldset>
    </Card>
  );
}

/** Alerts, open ones first, then the recently resolved; each linking to what it is about. */
export function Alerts() {
  const { client } = useSession();
  const [search] = useSearchParams();
  const filters = useMemo(() => alertFiltersFromSearch(search), [search]);
  const pods = usePodList();
  const slugs = useMemo(() => new Map((pods.data?.items ?? []).map((p) => [p.id, p.slug])), [pods.data]);
  const alerts = useInfiniteQuery({
    queryKey: ['alerts', filters],
    queryFn: ({ pageParam }) => client.listAlerts({ query: alertQuery(filters, pageParam) }),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.nextCursor ?? undefined,
  });
  return (
    <Page title="Alerts">
      <Filters filters={filters} pods={pods.data?.items ?? []} />
      <QueryState
        query={alerts}
        what="alerts"
        isEmpty={(d) => d.pages.every((p) => p.items.length === 0)}
        empty="No alerts match."
      >
        {(d) => {
          const { open, snoozed, resolved } = splitAlerts(d.pages.flatMap((p) => p.items));
          return (
            <div className="space-y-6">
              {filters.status !== 'resolved' ? (
                <AlertGroup
                  id="open-alerts"
                  title={`Open (${open.length})`}
                  alerts={open}
                  none="No open alerts."
                  slugs={slugs}
                />
              ) : null}
              {filters.status !== 'resolved' && snoozed.length > 0 ? (
                <AlertGroup
                  id="snoozed-alerts"
                  title={`Snoozed (${snoozed.length})`}
                  alerts={snoozed}
                  none=""
                  slugs={slugs}
                />
              ) : null}
              {filters.status !== 'open' ? (
                <AlertGroup
                  id="resolved-alerts"
                  title="Recently resolved"
                  alerts={resolved}
                  none={alerts.hasNextPage ? 'None loaded yet.' : 'None resolved.'}
                  slugs={slugs}
                />
              ) : null}
              {alerts.hasNextPage ? (
                <Button
                  variant="secondary"
                  onClick={() => void alerts.fetchNextPage()}
                  disabled={alerts.isFetchingNextPage}
                >
                  {alerts.isFetchingNextPage ? 'Loading…' : 'Load more'}
                </Button>
              ) : null}
              {alerts.isFetchNextPageError ? (
                <ErrorNote error={alerts.error} title="Could not load more" />
              ) : null}
            </div>
          );
        }}
      </QueryState>
    </Page>
  );
}
