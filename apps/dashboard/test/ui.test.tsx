// @vitest-environment happy-dom
import { ClosApiError } from '@clos/contract/client';
import { QueryClient, QueryClientProvider, useQuery } from '@tanstack/react-query';
import { cleanup, render, screen } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { QueryState } from '../src/components/ui.tsx';
import { errorMessage } from '../src/lib/api.ts';
import { staleKeysFor } from '../src/lib/live.ts';

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
