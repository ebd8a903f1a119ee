// @vitest-environment happy-dom
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { act, cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { readCookie, sessionFetch } from '../src/lib/api.ts';
import { SESSION_ENDED, SessionProvider, useSession } from '../src/lib/auth.tsx';
import { ssoHref } from '../src/views/sign-in.tsx';
import { fakeMe } from './render.tsx';

const ORIGIN = 'http://127.0.0.1:4000';
const SSO_ME = fakeMe({
  session: {
    id: '00000000-0000-4000-8000-00000000005e',
    expiresAt: '2026-03-02T17:00:00.000Z',
    idleMinutes: 60,
    mfa: true,
    mappedRole: 'admin',
    downgradeReason: null,
  },
});

interface Sent {
  url: string;
  method: string;
  headers: Record<string, string>;
  credentials: RequestCredentials | undefined;
}

const json = (status: number, body: unknown) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
const unauthorized = () =>
  json(401, { error: { code: 'unauthorized', message: 'sign in first', requestId: 'r1' } });

/** A fake server: records each request and answers with `answer` (by path and method). */
function stubServer(answer: (path: string, sent: Sent) => Response) {
  const sent: Sent[] = [];
  const fetch = vi.fn(async (url: string, init: RequestInit = {}) => {
    const request: Sent = {
      url,
      method: String(init.method ?? 'GET'),
      headers: Object.fromEntries(new Headers(init.headers).entries()),
      credentials: init.credentials,
    };
    sent.push(request);
    return answer(new URL(url).pathname, request);
  });
  vi.stubGlobal('fetch', fetch);
  return sent;
}

/** What the server's callback leaves in the browser (the CSRF cookie is readable by script). */
function setCookie(cookie: string) {
  // biome-ignore lint/suspicious/noDocumentCookie: the test plays the server setting its cookie
  document.cookie = cookie;
}

/** What the app shows: the sign-in notice, or who is signed in and how, with buttons to act. */
function Probe() {
  const session = useSession();
  if (!session.method) return <p data-testid="signed-out">{session.notice ?? 'signed out'}</p>;
  return (
    <div>
      <p data-testid="signed-in">
        {session.method} {session.me?.user?.email} {session.token ?? 'no-token'}
      </p>
      <button
        type="button"
        onClick={() =>
          void session.client
            .registerPod({ body: { slug: 'orbit', name: 'Orbit', timezone: 'UTC' } })
            .catch(() => {})
        }
      >
        change
      </button>
      <button type="button" onClick={() => void session.signOut()}>
        sign out
      </button>
    </div>
  );
}

function renderApp() {
  const queryClient = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  return render(
    <QueryClientProvider client={queryClient}>
      <SessionProvider>
        <Probe />
      </SessionProvider>
    </QueryClientProvider>,
  );
}

beforeEach(() => {
  (window as unknown as { happyDOM: { setURL(url: string): void } }).happyDOM.setURL(`${ORIGIN}/access`);
  sessionStorage.clear();
  setCookie('clos_csrf=; max-age=0; path=/');
});
afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
  vi.restoreAllMocks();
});

describe('the SSO session', () => {
  it('signs in by the session cookie when no token is stored: no Authorization, CSRF on changes only', async () => {
    setCookie('clos_csrf=csrf-value-1; path=/');
    const sent = stubServer((path) => (path === '/api/v1/me' ? json(200, SSO_ME) : json(201, {})));
    renderApp();
    expect((await screen.findByTestId('signed-in')).textContent).toBe('sso ada@example.com no-token');
    expect(sent[0]).toMatchObject({ url: `${ORIGIN}/api/v1/me`, method: 'GET', credentials: 'same-origin' });
    expect(sent[0]!.headers.authorization).toBeUndefined();
    expect(sent[0]!.headers['x-csrf-token']).toBeUndefined();

    fireEvent.click(screen.getByRole('button', { name: 'change' }));
    await waitFor(() => expect(sent).toHaveLength(2));
    expect(sent[1]).toMatchObject({ method: 'POST', url: `${ORIGIN}/api/v1/pods` });
    expect(sent[1]!.headers['x-csrf-token']).toBe('csrf-value-1');
    expect(sent[1]!.headers.authorization).toBeUndefined();
  });

  it('shows the sign-in page, without a message, when there is no session (401)', async () => {
    const sent = stubServer(() => unauthorized());
    renderApp();
    expect((await screen.findByTestId('signed-out')).textContent).toBe('signed out');
    expect(sent).toHaveLength(1);
  });

  it('prefers a stored token, sent as Bearer, and asks for no session', async () => {
    sessionStorage.setItem('clos.token', 'tok-1');
    const sent = stubServer(() => json(200, fakeMe()));
    renderApp();
    expect((await screen.findByTestId('signed-in')).textContent).toBe('token ada@example.com tok-1');
    expect(sent[0]!.headers.authorization).toBe('Bearer tok-1');
  });

  it('goes back to the sign-in page saying the session ended when a request answers 401', async () => {
    setCookie('clos_csrf=csrf-value-2; path=/');
    let ended = false;
    stubServer((path) => {
      if (ended) return unauthorized();
      return path === '/api/v1/me' ? json(200, SSO_ME) : json(201, {});
    });
    renderApp();
    await screen.findByTestId('signed-in');
    // An admin deactivated them meanwhile: their next request is refused.
    ended = true;
    fireEvent.click(screen.getByRole('button', { name: 'change' }));
    expect((await screen.findByTestId('signed-out')).textContent).toBe(SESSION_ENDED);
  });

  it('signs out by POST /auth/logout with the CSRF header, then goes where the server says', async () => {
    setCookie('clos_csrf=csrf-value-3; path=/');
    const sent = stubServer((path) =>
      path === '/auth/logout'
        ? json(200, { signedOut: true, redirectUrl: 'http://127.0.0.1:9000/session/end?x=1' })
        : json(200, SSO_ME),
    );
    const assign = vi.fn();
    vi.spyOn(window.location, 'assign').mockImplementation(assign);
    renderApp();
    await screen.findByTestId('signed-in');
    await act(async () => {
      fireEvent.click(screen.getByRole('button', { name: 'sign out' }));
    });
    await waitFor(() => expect(assign).toHaveBeenCalledWith('http://127.0.0.1:9000/session/end?x=1'));
    const logout = sent.find((s) => s.url.endsWith('/auth/logout'))!;
    expect(logout).toMatchObject({ method: 'POST' });
    expect(logout.headers['x-csrf-token']).toBe('csrf-value-3');
  });
});

describe('session helpers', () => {
  it('reads one cookie among several, decoded', () => {
    expect(readCookie('clos_csrf', 'a=1; clos_csrf=x%2By; b=2')).toBe('x+y');
    expect(readCookie('clos_csrf', 'clos_csrf_old=1')).toBeNull();
  });

  it('adds the CSRF header to POST, PATCH and DELETE, not to GET, and reports a 401', async () => {
    setCookie('clos_csrf=abc; path=/');
    const seen: Record<string, string | null> = {};
    const onUnauthorized = vi.fn();
    const wrapped = sessionFetch(onUnauthorized, async (_url, init) => {
      seen[String(init.method)] = new Headers(init.headers).get('x-csrf-token');
      return new Response('', { status: init.method === 'DELETE' ? 401 : 200 });
    });
    for (const method of ['GET', 'POST', 'PATCH', 'DELETE']) await wrapped(`${ORIGIN}/x`, { method });
    expect(seen).toEqual({ GET: null, POST: 'abc', PATCH: 'abc', DELETE: 'abc' });
    expect(onUnauthorized).toHaveBeenCalledTimes(1);
  });

  it('sends the SSO sign-in back to the page that was asked for', () => {
    expect(ssoHref('/auth/login', { pathname: '/projects/1', search: '?tab=gates' })).toBe(
      '/auth/login?returnTo=%2Fprojects%2F1%3Ftab%3Dgates',
    );
  });
});
