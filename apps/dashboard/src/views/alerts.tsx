import { useInfiniteQuery } from '@tanstack/react-query';
import { useMemo } from 'react';
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
  KIND_TEXT,
  SEVERITY,
  splitAlerts,
} from '../lib/alerts.ts';
import { useSession } from '../lib/auth.tsx';
import { usePodList } from '../lib/pod-list.ts';

function AlertItem({ alert, slugs }: { alert: Alert; slugs: ReadonlyMap<string, string> }) {
  const severity = SEVERITY[alert.severity];
  const link = alertSubjectLink(alert, slugs);
  return (
    <li className="rounded-lg border border-slate-200 p-3 dark:border-slate-800">
      <div className="flex flex-wrap items-center gap-2">
        <Badge tone={alert.status === 'resolved' ? 'slate' : severity.tone}>{severity.text}</Badge>
        <span className="text-xs font-medium uppercase tracking-wide text-slate-500">
          {KIND_TEXT[alert.kind]}
        </span>
        {alert.status === 'resolved' ? (
          <Badge tone="green">Resolved</Badge>
        ) : (
          <Badge tone="amber">Open</Badge>
        )}
      </div>
      <p className="mt-1 text-sm">{alert.message}</p>
      <p className="mt-1 text-xs text-slate-500">
        Opened {formatDate(alert.openedAt)} · last seen {formatDate(alert.lastSeenAt)}
        {alert.resolvedAt ? ` · resolved ${formatDate(alert.resolvedAt)}` : ''}
      </p>
      {link ? (
        <Link to={link.href} className="mt-1 inline-block text-sm text-teal-700 underline dark:text-teal-400">
          {link.text}
        </Link>
      ) : null}
    </li>
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
          const { open, resolved } = splitAlerts(d.pages.flatMap((p) => p.items));
          return (
            <div className="space-y-6">
              {filters.status !== 'resolved' ? (
                <section aria-labelledby="open-alerts">
                  <h2 id="open-alerts" className="mb-2 text-lg font-semibold">
                    Open ({open.length})
                  </h2>
                  {open.length === 0 ? (
                    <p className="text-sm text-slate-500">No open alerts.</p>
                  ) : (
                    <ul className="space-y-2">
                      {open.map((a) => (
                        <AlertItem key={a.id} alert={a} slugs={slugs} />
                      ))}
                    </ul>
                  )}
                </section>
              ) : null}
              {filters.status !== 'open' ? (
                <section aria-labelledby="resolved-alerts">
                  <h2 id="resolved-alerts" className="mb-2 text-lg font-semibold">
                    Recently resolved
                  </h2>
                  {resolved.length === 0 ? (
                    <p className="text-sm text-slate-500">
                      {alerts.hasNextPage ? 'None loaded yet.' : 'None resolved.'}
                    </p>
                  ) : (
                    <ul className="space-y-2">
                      {resolved.map((a) => (
                        <AlertItem key={a.id} alert={a} slugs={slugs} />
                      ))}
                    </ul>
                  )}
                </section>
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
