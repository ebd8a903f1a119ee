import { useInfiniteQuery, useMutation } from '@tanstack/react-query';
import { type FormEvent, useEffect, useMemo, useState } from 'react';
import { Link, useSearchParams } from 'react-router';
import { JsonDetails } from '../components/json-details.tsx';
import { Button, Card, ErrorNote, formatDate, Page, QueryState, TextField } from '../components/ui.tsx';
import {
  type AuditEvent,
  type AuditFilters,
  activeFilterCount,
  auditFiltersFromSearch,
  auditFiltersToSearch,
  auditQuery,
  EMPTY_AUDIT_FILTERS,
  subjectHref,
  verifyText,
} from '../lib/audit.ts';
import { useSession } from '../lib/auth.tsx';

function VerifyChain() {
  const { client } = useSession();
  const verify = useMutation({ mutationFn: () => client.verifyAudit() });
  const result = verify.data ? verifyText(verify.data) : null;
  return (
    <div className="flex flex-col items-start gap-2 sm:items-end">
      <Button variant="secondary" onClick={() => verify.mutate()} disabled={verify.isPending}>
        {verify.isPending ? 'Verifying…' : 'Verify chain'}
      </Button>
      <div role="status" aria-live="polite">
        {result ? (
          <p
            data-chain={result.ok ? 'intact' : 'broken'}
            className={`rounded-lg border px-3 py-2 text-sm font-semibold ${
              result.ok
                ? 'border-green-300 bg-green-50 text-green-800 dark:border-green-800 dark:bg-green-950 dark:text-green-200'
                : 'border-red-300 bg-red-50 text-red-800 dark:border-red-800 dark:bg-red-950 dark:text-red-200'
            }`}
          >
            <span aria-hidden="true">{result.ok ? '✓ ' : '✗ '}</span>
            {result.text}
          </p>
        ) : null}
      </div>
      {verify.isError ? <ErrorNote error={verify.error} title="Could not verify the chain" /> : null}
    </div>
  );
}

function Filters({ applied }: { applied: AuditFilters }) {
  const [, setSearch] = useSearchParams();
  const [draft, setDraft] = useState(applied);
  useEffect(() => setDraft(applied), [applied]);
  const field = (key: keyof AuditFilters) => ({
    value: draft[key],
    onChange: (e: { target: { value: string } }) => setDraft((d) => ({ ...d, [key]: e.target.value })),
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    setSearch(auditFiltersToSearch(draft), { replace: true });
  };
  return (
    <Card>
      <form onSubmit={submit} aria-label="Filters" className="space-y-3">
        <div className="grid gap-3 sm:grid-cols-2 lg:grid-cols-3">
          <TextField label="Action" placeholder="e.g. stage.advanced" {...field('action')} />
          <TextField label="Subject type" placeholder="e.g. project" {...field('subjectType')} />
          <TextField label="Subject ID" {...field('subjectId')} />
          <TextField label="Actor ID" hint="the user's id" {...field('actorId')} />
          <TextField label="From" type="datetime-local" {...field('from')} />
          <TextField label="To" type="datetime-local" {...field('to')} />
        </div>
        <div className="flex flex-wrap gap-2">
          <Button type="submit">Apply filters</Button>
          <Button
            variant="secondary"
            disabled={activeFilterCount(applied) === 0 && activeFilterCount(draft) === 0}
            onClick={() => {
              setDraft(EMPTY_AUDIT_FILTERS);
              setSearch(new URLSearchParams(), { replace: true });
            }}
          >
            Clear filters
          </Button>
        </div>
      </form>
    </Card>
  );
}

function EventItem({ event }: { event: AuditEvent }) {
  const href = subjectHref(event.subjectType, event.subjectId);
  return (
    <li className="rounded-lg border border-slate-200 p-3 dark:border-slate-800">
      <div className="flex flex-wrap items-baseline gap-x-3 gap-y-1 text-sm">
        <span className="tabular-nums text-slate-500">#{event.sequence}</span>
        <span className="font-mono font-medium">{event.action}</span>
        <span>
          {event.subjectType}{' '}
          {href ? (
            <Link
              to={href}
              className="break-all font-mono text-xs text-teal-700 underline dark:text-teal-400"
            >
              {event.subjectId}
            </Link>
          ) : (
            <span className="break-all font-mono text-xs">{event.subjectId}</span>
          )}
        </span>
      </div>
      <p className="mt-1 text-xs text-slate-500">
        <time dateTime={event.occurredAt}>{formatDate(event.occurredAt)}</time> by {event.actorLabel}
        {event.requestId ? ` · request ${event.requestId}` : ''}
      </p>
      {event.reason ? <p className="mt-1 text-sm">Reason: {event.reason}</p> : null}
      <div className="mt-2 grid gap-2 md:grid-cols-2">
        <JsonDetails label="Before" value={event.before} />
        <JsonDetails label="After" value={event.after} />
      </div>
    </li>
  );
}

/** The audit log, newest first, filtered; and a check of its hash chain. */
export function Audit() {
  const { client } = useSession();
  const [search] = useSearchParams();
  const filters = useMemo(() => auditFiltersFromSearch(search), [search]);
  const events = useInfiniteQuery({
    queryKey: ['audit', 'list', filters],
    queryFn: ({ pageParam }) => client.listAudit({ query: auditQuery(filters, pageParam) }),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.nextCursor ?? undefined,
  });
  return (
    <Page title="Audit log" actions={<VerifyChain />}>
      <Filters applied={filters} />
      <QueryState
        query={events}
        what="audit events"
        isEmpty={(d) => d.pages.every((p) => p.items.length === 0)}
        empty={activeFilterCount(filters) ? 'No audit events match these filters.' : 'No audit events yet.'}
      >
        {(d) => (
          <div className="space-y-3">
            <ol className="space-y-2">
              {d.pages
                .flatMap((p) => p.items)
                .map((e) => (
                  <EventItem key={e.id} event={e} />
                ))}
            </ol>
            {events.hasNextPage ? (
              <Button
                variant="secondary"
                onClick={() => void events.fetchNextPage()}
                disabled={events.isFetchingNextPage}
              >
                {events.isFetchingNextPage ? 'Loading…' : 'Load more'}
              </Button>
            ) : null}
            {events.isFetchNextPageError ? (
              <ErrorNote error={events.error} title="Could not load more" />
            ) : null}
          </div>
        )}
      </QueryState>
    </Page>
  );
}
