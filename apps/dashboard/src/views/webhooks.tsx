import { useInfiniteQuery, useMutation, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { ConfirmDialog } from '../components/confirm-dialog.tsx';
import {
  Badge,
  Button,
  Card,
  ErrorNote,
  formatDate,
  Page,
  QueryState,
  TextField,
} from '../components/ui.tsx';
import { useSession } from '../lib/auth.tsx';
import {
  DELIVERY_STATUS,
  WEBHOOK_KEYS,
  type Webhook,
  type WebhookForm,
  webhookBody,
  webhookFormProblems,
} from '../lib/webhooks.ts';

const TH = 'px-3 py-2 font-medium';
const TD = 'px-3 py-2 align-top';
const EMPTY_FORM: WebhookForm = { url: '', events: '', secret: '', description: '' };

function RegisterWebhook() {
  const { client } = useSession();
  const queryClient = useQueryClient();
  const [form, setForm] = useState<WebhookForm>(EMPTY_FORM);
  const [tried, setTried] = useState(false);
  const problems = webhookFormProblems(form);
  const create = useMutation({
    mutationFn: () => client.createWebhook({ body: webhookBody(form) }),
    onSuccess: () => {
      setForm(EMPTY_FORM);
      setTried(false);
      void queryClient.invalidateQueries({ queryKey: WEBHOOK_KEYS.list });
    },
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    setTried(true);
    if (Object.keys(problems).length === 0) create.mutate();
  };
  const set = (key: keyof WebhookForm) => (e: { target: { value: string } }) =>
    setForm((f) => ({ ...f, [key]: e.target.value }));
  const problem = (key: keyof WebhookForm) =>
    tried && problems[key] ? (
      <p role="alert" className="mt-1 text-xs text-red-700 dark:text-red-300">
        {problems[key]}
      </p>
    ) : null;
  return (
    <Card title="Register a webhook">
      <form onSubmit={submit} className="grid gap-3 sm:grid-cols-2" noValidate>
        <div>
          <TextField label="URL" type="url" value={form.url} onChange={set('url')} required />
          {problem('url')}
        </div>
        <TextField
          label="Events"
          value={form.events}
          onChange={set('events')}
          hint="Event types separated by commas (docs/events.md); empty for every type"
        />
        <div>
          <TextField
            label="Secret"
            type="password"
            autoComplete="new-password"
            value={form.secret}
            onChange={set('secret')}
            hint="16–256 characters; signs each delivery (X-Clos-Signature) and is never shown again"
            required
          />
          {problem('secret')}
        </div>
        <TextField label="Description" value={form.description} onChange={set('description')} />
        <div className="sm:col-span-2">
          <Button type="submit" disabled={create.isPending}>
            {create.isPending ? 'Registering…' : 'Register'}
          </Button>
        </div>
        {create.isError ? (
          <div className="sm:col-span-2">
            <ErrorNote error={create.error} title="Not registered" />
          </div>
        ) : null}
      </form>
    </Card>
  );
}

function Deliveries({ webhook }: { webhook: Webhook }) {
  const { client } = useSession();
  const deliveries = useInfiniteQuery({
    queryKey: WEBHOOK_KEYS.deliveries(webhook.id),
    queryFn: ({ pageParam }) =>
      client.listWebhookDeliveries({
        params: { id: webhook.id },
        query: { limit: 50, ...(pageParam ? { cursor: pageParam } : {}) },
      }),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.nextCursor ?? undefined,
  });
  return (
    <section aria-labelledby="deliveries-title" className="space-y-2">
      <h2 id="deliveries-title" className="text-lg font-semibold">
        Deliveries to {webhook.url}
      </h2>
      <QueryState
        query={deliveries}
        what="deliveries"
        isEmpty={(d) => d.pages.every((p) => p.items.length === 0)}
        empty="Nothing delivered yet."
      >
        {(d) => (
          <div className="overflow-x-auto rounded-xl border border-slate-200 bg-white dark:border-slate-800 dark:bg-slate-900">
            <table className="w-full min-w-[40rem] text-sm">
              <caption className="sr-only">Deliveries, newest first</caption>
              <thead className="bg-slate-50 text-left text-xs uppercase tracking-wide text-slate-600 dark:bg-slate-800/60 dark:text-slate-300">
                <tr>
                  <th scope="col" className={TH}>
                    When
                  </th>
                  <th scope="col" className={TH}>
                    Event
                  </th>
                  <th scope="col" className={TH}>
                    Status
                  </th>
                  <th scope="col" className={TH}>
                    Attempt
                  </th>
                  <th scope="col" className={TH}>
                    Answer
                  </th>
                </tr>
              </thead>
              <tbody className="divide-y divide-slate-100 dark:divide-slate-800">
                {d.pages
                  .flatMap((p) => p.items)
                  .map((x) => (
                    <tr key={x.id}>
                      <td className={TD}>{formatDate(x.attemptedAt)}</td>
                      <td className={TD}>
                        <span className="font-mono text-xs">{x.eventType}</span>
                      </td>
                      <td className={TD}>
                        <Badge tone={DELIVERY_STATUS[x.status].tone}>{DELIVERY_STATUS[x.status].text}</Badge>
                      </td>
                      <td className={`${TD} tabular-nums`}>{x.attempt}</td>
                      <td className={TD}>
                        {x.statusCode !== null ? `HTTP ${x.statusCode}` : ''}
                        {x.error ? ` ${x.error}` : ''} · {x.durationMs} ms
                      </td>
                    </tr>
                  ))}
              </tbody>
            </table>
          </div>
        )}
      </QueryState>
      {deliveries.hasNextPage ? (
        <Button
          variant="secondary"
          onClick={() => void deliveries.fetchNextPage()}
          disabled={deliveries.isFetchingNextPage}
        >
          Load more
        </Button>
      ) : null}
    </section>
  );
}

/** Outbound webhooks (admin): the registered receivers, each one's deliveries, register and disable. */
export function Webhooks() {
  const { client } = useSession();
  const queryClient = useQueryClient();
  const [selected, setSelected] = useState<Webhook | null>(null);
  const [disabling, setDisabling] = useState<Webhook | null>(null);
  const webhooks = useInfiniteQuery({
    queryKey: WEBHOOK_KEYS.list,
    queryFn: ({ pageParam }) =>
      client.listWebhooks({ query: { limit: 50, ...(pageParam ? { cursor: pageParam } : {}) } }),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.nextCursor ?? undefined,
  });
  const disable = useMutation({
    mutationFn: (id: string) => client.disableWebhook({ params: { id } }),
    onSuccess: () => {
      setDisabling(null);
      void queryClient.invalidateQueries({ queryKey: WEBHOOK_KEYS.list });
    },
  });
  return (
    <Page title="Webhooks">
      <RegisterWebhook />
      <QueryState
        query={webhooks}
        what="webhooks"
        isEmpty={(d) => d.pages.every((p) => p.items.length === 0)}
        empty="No webhooks registered. Register one above to have events POSTed to your own service."
      >
        {(d) => (
          <div className="overflow-x-auto rounded-xl border border-slate-200 bg-white dark:border-slate-800 dark:bg-slate-900">
            <table className="w-full min-w-[48rem] text-sm">
              <caption className="sr-only">Registered webhooks, newest first</caption>
              <thead className="bg-slate-50 text-left text-xs uppercase tracking-wide text-slate-600 dark:bg-slate-800/60 dark:text-slate-300">
                <tr>
                  <th scope="col" className={TH}>
                    URL
                  </th>
                  <th scope="col" className={TH}>
                    Events
                  </th>
                  <th scope="col" className={TH}>
                    State
                  </th>
                  <th scope="col" className={TH}>
                    Registered
                  </th>
                  <th scope="col" className={TH}>
                    <span className="sr-only">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody className="divide-y divide-slate-100 dark:divide-slate-800">
                {d.pages
                  .flatMap((p) => p.items)
                  .map((w) => (
                    <tr key={w.id}>
                      <td className={`${TD} break-all`}>
                        <div className="font-medium">{w.url}</div>
                        {w.description ? (
                          <div className="text-xs text-slate-600 dark:text-slate-400">{w.description}</div>
                        ) : null}
                        <div className="text-xs text-slate-600 dark:text-slate-400">
                          secret {w.secretHint}
                        </div>
                      </td>
                      <td className={TD}>
                        <span className="font-mono text-xs">{w.events.join(', ')}</span>
                      </td>
                      <td className={TD}>
                        {w.active ? (
                          <Badge tone="green">Active</Badge>
                        ) : (
                          <Badge tone="slate">Disabled {formatDate(w.disabledAt)}</Badge>
                        )}
                      </td>
                      <td className={TD}>{formatDate(w.createdAt)}</td>
                      <td className={TD}>
                        <div className="flex flex-wrap gap-2">
                          <Button
                            variant="secondary"
                            onClick={() => setSelected(w)}
                            aria-label={`Deliveries to ${w.url}`}
                          >
                            Deliveries
                          </Button>
                          {w.active ? (
                            <Button
                              variant="danger"
                              onClick={() => setDisabling(w)}
                              aria-label={`Disable ${w.url}`}
                            >
                              Disable
                            </Button>
                          ) : null}
                        </div>
                      </td>
                    </tr>
                  ))}
              </tbody>
            </table>
          </div>
        )}
      </QueryState>
      {selected ? <Deliveries webhook={selected} /> : null}
      {disabling ? (
        <ConfirmDialog
          title="Disable this webhook?"
          confirmLabel="Disable"
          busy={disable.isPending}
          error={disable.error}
          onConfirm={() => disable.mutate(disabling.id)}
          onCancel={() => {
            disable.reset();
            setDisabling(null);
          }}
        >
          <p>
            <strong>{disabling.url}</strong> will receive no more events, and deliveries waiting to be retried
            are abandoned. Its delivery log is kept. This cannot be undone: register it again to resume.
          </p>
        </ConfirmDialog>
      ) : null}
    </Page>
  );
}
