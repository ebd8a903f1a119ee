// @vitest-environment happy-dom
import { ClosApiError } from '@clos/contract/client';
import { QueryClient, QueryClientProvider, useQuery } from '@tanstack/react-query';
import { cleanup, render, screen } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { labelTableCells, QueryState, shouldRetry, Table } from '../src/components/ui.tsx';
import { errorMessage } from '../src/lib/api.ts';
import { staleKeysFor } from '../src/lib/live.ts';
import { NotFound } from '../src/views/not-found.tsx';
import { fakeClient, renderView } from './render.tsx';

afterEach(cleanup);

describe('errorMessage', () => {
  it('shows the server message with every field problem it named', () => {
    const error = new ClosApiError({
      status: 400,
      code: 'invalid_request',
      message: 'The request is invalid',
      details: [{ path: 'body.scores.impact', message: 'must be ≤ 5' }],
      requestId: 'r1',
      route: 'evaluateIdea',
    });
    expect(errorMessage(error)).toBe('The request is invalid: body.scores.impact: must be ≤ 5');
  });
});

describe('staleKeysFor', () => {
  it('refreshes the views that show what an event changed, and the audit log', () => {
    expect(staleKeysFor('stage.advanced')).toEqual(
      expect.arrayContaining([['projects'], ['dashboard'], ['audit']]),
    );
    expect(staleKeysFor('wip.limit_reached')).toEqual(expect.arrayContaining([['wip'], ['pods']]));
  });
});

function Probe({ fn, empty }: { fn: () => Promise<string[]>; empty?: boolean }) {
  const query = useQuery({ queryKey: ['probe', String(empty)], queryFn: fn, retry: false });
  return (
    <QueryState query={query} what="things" isEmpty={(d) => d.length === 0} empty="No things yet.">
      {(d) => (
        <ul>
          {d.map((x) => (
            <li key={x}>{x}</li>
          ))}
        </ul>
      )}
    </QueryState>
  );
}

const wrap = (ui: React.ReactNode) =>
  render(<QueryClientProvider client={new QueryClient()}>{ui}</QueryClientProvider>);

describe('QueryState', () => {
  it('shows loading, then the data', async () => {
    wrap(<Probe fn={async () => ['one']} />);
    expect(screen.getByRole('status').textContent).toContain('Loading things');
    expect(await screen.findByText('one')).toBeTruthy();
  });

  it('shows the empty state', async () => {
    wrap(<Probe fn={async () => []} empty />);
    expect(await screen.findByText('No things yet.')).toBeTruthy();
  });

  it('shows the server’s message and a retry on failure', async () => {
    wrap(
      <Probe
        fn={async () => {
          throw new ClosApiError({
            status: 403,
            code: 'forbidden',
            message: 'needs pods:manage',
            requestId: null,
            route: 'x',
          });
        }}
      />,
    );
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toContain('needs pods:manage');
    expect(screen.getByRole('button', { name: 'Try again' })).toBeTruthy();
  });
});

const apiError = (status: number) =>
  new ClosApiError({
    status,
    code: status < 500 ? 'invalid_request' : 'internal_error',
    message: `HTTP ${status}`,
    requestId: null,
    route: 'getProject',
  });

let missingCalls = 0;

/** A query for a project that does not exist, with the query options it is given. */
function Missing() {
  const query = useQuery({
    queryKey: ['missing'],
    queryFn: async () => {
      missingCalls++;
      throw new ClosApiError({
        status: 404,
        code: 'not_found',
        message: 'project 123 not found',
        requestId: null,
        route: 'getProject',
      });
    },
  });
  return <QueryState query={query}>{() => null}</QueryState>;
}

describe('shouldRetry', () => {
  it('never retries an answer in the 4xx range: a bad id is "not found" at once', () => {
    for (const status of [400, 401, 403, 404, 409, 422, 429])
      expect(shouldRetry(0, apiError(status))).toBe(false);
  });

  it('retries a 5xx or a network failure twice', () => {
    for (const error of [apiError(500), apiError(503), new TypeError('Failed to fetch')]) {
      expect(shouldRetry(0, error)).toBe(true);
      expect(shouldRetry(1, error)).toBe(true);
      expect(shouldRetry(2, error)).toBe(false);
    }
  });

  it('shows "not found" without waiting for retries, with the app’s own query options', async () => {
    missingCalls = 0;
    const client = new QueryClient({ defaultOptions: { queries: { retry: shouldRetry, retryDelay: 1 } } });
    render(
      <QueryClientProvider client={client}>
        <Missing />
      </QueryClientProvider>,
    );
    expect((await screen.findByRole('alert')).textContent).toContain('project 123 not found');
    expect(missingCalls).toBe(1);
  });
});

describe('tables on a phone', () => {
  it('labels each body cell with its column heading, spans included', () => {
    document.body.innerHTML = `<main><table>
      <thead><tr><th>Name</th><th colspan="2">Holder</th><th><span>Since</span></th></tr></thead>
      <tbody>
        <tr><td>ratio</td><td>Ada</td><td>ada@example.com</td><td>today</td></tr>
        <tr><td colspan="4">No more</td></tr>
      </tbody></table></main>`;
    labelTableCells(document.body);
    const [first, wide] = [...document.querySelectorAll('tbody tr')];
    expect([...first!.children].map((c) => c.getAttribute('data-label'))).toEqual([
      'Name',
      'Holder',
      'Holder',
      'Since',
    ]);
    // A cell across the whole row has no one column to name.
    expect(wide!.children[0]!.hasAttribute('data-label')).toBe(false);
    document.body.innerHTML = '';
  });

  it('Table draws a captioned table whose cells carry their labels', async () => {
    render(
      <Table caption="Tokens" head={['Name', 'Last used']}>
        <tr>
          <td>ci</td>
          <td>yesterday</td>
        </tr>
      </Table>,
    );
    const table = screen.getByRole('table', { name: 'Tokens' });
    expect(screen.getAllByRole('columnheader').map((h) => h.textContent)).toEqual(['Name', 'Last used']);
    const cells = table.querySelectorAll('tbody td');
    expect([...cells].map((c) => c.getAttribute('data-label'))).toEqual(['Name', 'Last used']);
  });
});

describe('NotFound', () => {
  it('names the address and offers the way back to the overview', () => {
    renderView(<NotFound />, { client: fakeClient({}), url: '/no/such/page', path: '*' });
    expect(screen.getByRole('heading', { level: 1 }).textContent).toBe('Page not found');
    expect(screen.getByText('/no/such/page')).toBeTruthy();
    expect(screen.getByRole('link', { name: 'Go to the overview' }).getAttribute('href')).toBe('/');
  });
});
