// @vitest-environment happy-dom
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { cleanup, render, screen, within } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Layout } from '../src/layout.tsx';
import { SESSION_ENDED, type Session, SessionContext } from '../src/lib/auth.tsx';
import { SignIn } from '../src/views/sign-in.tsx';
import { ALL_PERMISSIONS, fakeClient, fakeMe, renderView } from './render.tsx';

const ORIGIN = 'http://127.0.0.1:4000';

function renderSignIn(notice: string | null = null) {
  const session: Session = {
    token: null,
    method: null,
    client: fakeClient({}),
    me: null,
    notice,
    signIn: async () => {},
    signOut: async () => {},
    can: () => false,
    download: async () => new Response(''),
  };
  const queryClient = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  return render(
    <QueryClientProvider client={queryClient}>
      <SessionContext.Provider value={session}>
        <SignIn />
      </SessionContext.Provider>
    </QueryClientProvider>,
  );
}

function stubMethods(sso: { name: string; loginUrl: string } | null) {
  vi.stubGlobal(
    'fetch',
    vi.fn(async (url: string) => {
      expect(new URL(url).pathname).toBe('/api/v1/auth/methods');
      return new Response(JSON.stringify({ sso, tokens: true }), {
        status: 200,
        headers: { 'content-type': 'application/json' },
      });
    }),
  );
}

beforeEach(() => {
  (window as unknown as { happyDOM: { setURL(url: string): void } }).happyDOM.setURL(
    `${ORIGIN}/access?tab=1`,
  );
});
afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

describe('the sign-in page', () => {
  it('offers the identity provider first, returning to the page asked for, and keeps the token form', async () => {
    stubMethods({ name: 'Test IdP', loginUrl: '/auth/login' });
    renderSignIn();
    const sso = await screen.findByRole('link', { name: 'Sign in with Test IdP' });
    expect(sso.getAttribute('href')).toBe('/auth/login?returnTo=%2Faccess%3Ftab%3D1');
    expect(screen.getByText('or use an API token')).toBeTruthy();
    expect(screen.getByLabelText('API token')).toBeTruthy();
  });

  it('shows only the token form without SSO, and why a session ended', async () => {
    stubMethods(null);
    renderSignIn(SESSION_ENDED);
    expect(screen.getByRole('status').textContent).toBe('Your session has ended; sign in again.');
    expect(await screen.findByRole('button', { name: 'Sign in' })).toBeTruthy();
    // Give the methods answer time to render: still no SSO link.
    await new Promise((r) => setTimeout(r, 20));
    expect(screen.queryByRole('link', { name: /Sign in with/ })).toBeNull();
  });
});

/** An event stream that stays open without events until the test ends. */
async function* quietStream(options?: { signal?: AbortSignal }) {
  await new Promise<void>((resolve) => options?.signal?.addEventListener('abort', () => resolve()));
  yield* [];
}

describe('the frame of every page', () => {
  const methods = async () => ({ sso: { name: 'Test IdP', loginUrl: '/auth/login' }, tokens: true as const });

  it('warns on every page why an admin acts with a lower role, and says how they signed in', async () => {
    const reason =
      'Your identity provider reported no second factor for this sign-in, so you act as pod-lead instead of admin. Sign out, then sign in again with multi-factor authentication.';
    renderView(<Layout />, {
      url: '/',
      client: fakeClient({ getAuthMethods: methods, events: quietStream as never }),
      me: fakeMe({
        role: 'pod-lead',
        permissions: ['read', 'pods:manage'],
        session: {
          id: '00000000-0000-4000-8000-00000000005e',
          expiresAt: '2026-03-02T17:00:00.000Z',
          idleMinutes: 60,
          mfa: false,
          mappedRole: 'admin',
          downgradeReason: reason,
        },
      }),
    });
    const banner = screen.getByText('Reduced access.').closest('[role="status"]')!;
    expect(banner.textContent).toContain(reason);
    // Above the page's content, outside the header's navigation.
    expect(banner.compareDocumentPosition(document.getElementById('main')!)).toBe(
      Node.DOCUMENT_POSITION_FOLLOWING,
    );
    const account = screen.getByRole('region', { name: 'Account' });
    expect(account.textContent).toContain('ada@example.com');
    expect(await within(account).findByText('pod-lead (not admin) · signed in with Test IdP')).toBeTruthy();
    // No admin pages for the role in force.
    const nav = screen.getAllByRole('navigation', { name: 'Main' })[0]!;
    expect(within(nav).queryByRole('link', { name: 'Access' })).toBeNull();
    expect(within(nav).queryByRole('link', { name: 'Compliance' })).toBeNull();
  });

  it('shows Access and Compliance to admins, and no banner for a token', () => {
    renderView(<Layout />, {
      url: '/',
      client: fakeClient({ events: quietStream as never }),
      me: fakeMe({ permissions: ALL_PERMISSIONS }),
    });
    const nav = screen.getAllByRole('navigation', { name: 'Main' })[0]!;
    expect(within(nav).getByRole('link', { name: 'Access' }).getAttribute('href')).toBe('/access');
    expect(within(nav).getByRole('link', { name: 'Compliance' }).getAttribute('href')).toBe('/compliance');
    expect(screen.queryByText(/Reduced access/)).toBeNull();
    expect(screen.getByRole('region', { name: 'Account' }).textContent).toContain(
      'admin · signed in with an API token',
    );
  });
});
