import type { ClosClient } from '@clos/contract/client';
import { type Permission, POD_SCOPED_PERMISSIONS } from '@clos/core';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import {
  createContext,
  type ReactNode,
  useCallback,
  useContext,
  useEffect,
  useMemo,
  useRef,
  useState,
} from 'react';
import {
  apiClient,
  endBrowserSession,
  errorMessage,
  isUnauthorized,
  sessionApiClient,
  sessionFetch,
} from './api.ts';

const STORAGE_KEY = 'clos.token';

/** What the sign-in page says after a session ended by itself (deactivated, expired, ended by an admin). */
export const SESSION_ENDED = 'Your session has ended; sign in again.';

/** The browser session behind `me` when signed in with SSO. */
export interface MeSession {
  id: string;
  expiresAt: string;
  idleMinutes: number;
  mfa: boolean;
  /** The role the provider's claims map to; `role` is below it when MFA is missing. */
  mappedRole: string;
  /** Why the role in force is below the mapped one, and how to fix it; null when it is not. */
  downgradeReason: string | null;
}

/** Who the token or session belongs to and what it may do (`GET /api/v1/me`). */
export interface Me {
  user: { id: string; email: string; name: string; role: string } | null;
  tokenId: string | null;
  role: string;
  /** The pods the token is limited to; empty: every pod. */
  pods: { id: string; slug: string; name: string }[];
  permissions: string[];
  /** The SSO session; null for an API token. */
  session: MeSession | null;
}

/** How this tab is signed in: an API token it holds, or the SSO session cookie the browser holds. */
export type SignInMethod = 'token' | 'sso';

export interface Session {
  /** The API token, when signed in with one; null with an SSO session or when signed out. */
  token: string | null;
  /** Null: not signed in (the sign-in page shows). */
  method: SignInMethod | null;
  client: ClosClient;
  me: Me | null;
  /** Why the tab was signed out without asking (shown on the sign-in page); null otherwise. */
  notice: string | null;
  /** Signs in with a token, after checking it with the server. Throws the server's refusal. */
  signIn(token: string): Promise<void>;
  /**
   * Signs out: forgets the token, or ends the SSO session and goes to the provider's sign-out page.
   * Rejects when the server could not end the session.
   */
  signOut(): Promise<void>;
  /** May this token do `permission` (on `podId`, for pod-scoped permissions)? The server decides anyway. */
  can(permission: string, podId?: string | null): boolean;
  /** A plain GET of this origin with the session's credentials, for answers that are files, not JSON. */
  download(path: string): Promise<Response>;
}

/** Exported for tests, which provide a fake session without signing in. */
export const SessionContext = createContext<Session | null>(null);

async function fetchMe(client: ClosClient): Promise<Me> {
  return (await client.getMe()) as Me;
}

type Auth = { kind: 'token'; token: string } | { kind: 'cookie' } | { kind: 'none' };

/**
 * Signs the tab in. A token lives in sessionStorage: it survives a reload but not closing the tab,
 * and is never written to disk by the app itself (the stream and the API read it from memory).
 * Without a token, the browser may hold an SSO session cookie: `GET /api/v1/me` without
 * Authorization tells, and a 401 there (or later, on any request) means there is none (any more).
 */
export function SessionProvider({ children }: { children: ReactNode }) {
  const queryClient = useQueryClient();
  const [auth, setAuth] = useState<Auth>(() => {
    const stored = sessionStorage.getItem(STORAGE_KEY);
    return stored ? { kind: 'token', token: stored } : { kind: 'cookie' };
  });
  const [notice, setNotice] = useState<string | null>(null);
  const token = auth.kind === 'token' ? auth.token : null;

  // Set once the session cookie has been accepted: a 401 after that means the session ended, while
  // the first one only means there was none.
  const cookieSignedIn = useRef(false);
  const sessionEnded = useCallback(() => {
    if (!cookieSignedIn.current) return;
    cookieSignedIn.current = false;
    queueMicrotask(() => {
      queryClient.clear();
      setNotice(SESSION_ENDED);
      setAuth({ kind: 'none' });
    });
  }, [queryClient]);

  const client = useMemo(
    () => (auth.kind === 'cookie' ? sessionApiClient(sessionEnded) : apiClient(token)),
    [auth.kind, token, sessionEnded],
  );
  const me = useQuery({
    queryKey: ['me', auth.kind, token],
    queryFn: () => fetchMe(client),
    enabled: auth.kind !== 'none',
    staleTime: 60_000,
    retry: false,
  });
  if (auth.kind === 'cookie' && me.isSuccess) cookieSignedIn.current = true;

  // A token the server no longer accepts (revoked, expired) signs the tab out; no session cookie (a
  // 401) means signing in; another failure is said on the sign-in page.
  useEffect(() => {
    if (!me.isError) return;
    // A refetch that failed on the way (a network blip) leaves the tab signed in; a 401 does not.
    if (me.data && !isUnauthorized(me.error)) return;
    if (auth.kind === 'token') sessionStorage.removeItem(STORAGE_KEY);
    if (auth.kind === 'cookie' && !isUnauthorized(me.error))
      setNotice(`Could not check for a signed-in session: ${errorMessage(me.error)}`);
    setAuth({ kind: 'none' });
  }, [me.isError, me.error, me.data, auth.kind]);

  const signIn = useCallback(
    async (value: string) => {
      const trimmed = value.trim();
      const identity = await fetchMe(apiClient(trimmed));
      queryClient.clear();
      queryClient.setQueryData(['me', 'token', trimmed], identity);
      sessionStorage.setItem(STORAGE_KEY, trimmed);
      cookieSignedIn.current = false;
      setNotice(null);
      setAuth({ kind: 'token', token: trimmed });
    },
    [queryClient],
  );
  const signOut = useCallback(async () => {
    if (auth.kind === 'cookie') {
      const next = await endBrowserSession();
      cookieSignedIn.current = false;
      window.location.assign(next);
      return;
    }
    sessionStorage.removeItem(STORAGE_KEY);
    queryClient.clear();
    setNotice(null);
    // Not back to looking for a session cookie: signing out means the sign-in page.
    setAuth({ kind: 'none' });
  }, [auth.kind, queryClient]);

  const download = useCallback(
    (path: string) => {
      const url = `${window.location.origin}${path}`;
      // With the session cookie, through the same fetch as the API client: a 401 there ends the tab's session too.
      if (auth.kind === 'cookie') return sessionFetch(sessionEnded)(url, { method: 'GET' });
      return fetch(url, { headers: token ? { authorization: `Bearer ${token}` } : {} });
    },
    [auth.kind, token, sessionEnded],
  );

  const identity = auth.kind === 'none' ? null : (me.data ?? null);
  const can = useCallback(
    (permission: string, podId?: string | null) => {
      if (!identity?.permissions.includes(permission)) return false;
      if (!POD_SCOPED_PERMISSIONS.has(permission as Permission) || identity.pods.length === 0 || !podId)
        return true;
      return identity.pods.some((p) => p.id === podId);
    },
    [identity],
  );
  const method: SignInMethod | null = identity ? (auth.kind === 'token' ? 'token' : 'sso') : null;

  const value = useMemo<Session>(
    () => ({
      token: method === 'token' ? token : null,
      method,
      client,
      me: identity,
      notice,
      signIn,
      signOut,
      can,
      download,
    }),
    [method, token, client, identity, notice, signIn, signOut, can, download],
  );
  if (auth.kind !== 'none' && !me.data)
    return (
      <p role="status" className="p-6 text-sm text-slate-500">
        Signing in…
      </p>
    );
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

export function useSession(): Session {
  const session = useContext(SessionContext);
  if (!session) throw new Error('useSession outside SessionProvider');
  return session;
}
