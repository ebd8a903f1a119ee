import type { ClosClient } from '@clos/contract/client';
import { type Permission, POD_SCOPED_PERMISSIONS } from '@clos/core';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { createContext, type ReactNode, useCallback, useContext, useMemo, useState } from 'react';
import { apiClient } from './api.ts';

const STORAGE_KEY = 'clos.token';

/** Who the token belongs to and what it may do (`GET /api/v1/me`). */
export interface Me {
  user: { id: string; email: string; name: string; role: string } | null;
  tokenId: string | null;
  role: string;
  /** The pods the token is limited to; empty: every pod. */
  pods: { id: string; slug: string; name: string }[];
  permissions: string[];
}

export interface Session {
  token: string | null;
  client: ClosClient;
  me: Me | null;
  /** Signs in with a token, after checking it with the server. Throws the server's refusal. */
  signIn(token: string): Promise<void>;
  signOut(): void;
  /** May this token do `permission` (on `podId`, for pod-scoped permissions)? The server decides anyway. */
  can(permission: string, podId?: string | null): boolean;
}

/** Exported for tests, which provide a fake session without signing in. */
export const SessionContext = createContext<Session | null>(null);

async function fetchMe(token: string): Promise<Me> {
  const client = apiClient(token) as ClosClient & { getMe(): Promise<Me> };
  return client.getMe();
}

/**
 * The token lives in sessionStorage: it survives a reload but not closing the tab, and is never
 * written to disk by the app itself (the stream and the API read it from memory).
 */
export function SessionProvider({ children }: { children: ReactNode }) {
  const queryClient = useQueryClient();
  const [token, setToken] = useState<string | null>(() => sessionStorage.getItem(STORAGE_KEY));
  const me = useQuery({
    queryKey: ['me', token],
    queryFn: () => fetchMe(token!),
    enabled: token !== null,
    staleTime: 60_000,
    retry: false,
  });
  const client = useMemo(() => apiClient(token), [token]);

  const signIn = useCallback(
    async (value: string) => {
      const trimmed = value.trim();
      const identity = await fetchMe(trimmed);
      queryClient.clear();
      queryClient.setQueryData(['me', trimmed], identity);
      sessionStorage.setItem(STORAGE_KEY, trimmed);
      setToken(trimmed);
    },
    [queryClient],
  );
  const signOut = useCallback(() => {
    sessionStorage.removeItem(STORAGE_KEY);
    queryClient.clear();
    setToken(null);
  }, [queryClient]);

  const identity = me.data ?? null;
  const can = useCallback(
    (permission: string, podId?: string | null) => {
      if (!identity?.permissions.includes(permission)) return false;
      if (!POD_SCOPED_PERMISSIONS.has(permission as Permission) || identity.pods.length === 0 || !podId)
        return true;
      return identity.pods.some((p) => p.id === podId);
    },
    [identity],
  );

  // A token the server no longer accepts (revoked, expired) signs the session out.
  if (token && me.isError) {
    sessionStorage.removeItem(STORAGE_KEY);
    queueMicrotask(() => setToken(null));
  }

  const value = useMemo<Session>(
    () => ({ token: identity ? token : null, client, me: identity, signIn, signOut, can }),
    [token, client, identity, signIn, signOut, can],
  );
  if (token && me.isPending) return <p className="p-6 text-sm text-slate-500">Signing in…</p>;
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

export function useSession(): Session {
  const session = useContext(SessionContext);
  if (!session) throw new Error('useSession outside SessionProvider');
  return session;
}
