import type { ClosClient } from '@clos/contract/client';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { render } from '@testing-library/react';
import type { ReactNode } from 'react';
import { MemoryRouter, Route, Routes } from 'react-router';
import { type Me, type Session, SessionContext } from '../src/lib/auth.tsx';

/** Every permission a role may hold; tests narrow it with `permissions`. */
export const ALL_PERMISSIONS = [
  'read',
  'pods:create',
  'pods:manage',
  'projects:manage',
  'projects:work',
  'gates:approve',
  'wip:use',
  'ideas:contribute',
  'ideas:decide',
  'users:manage',
  'tokens:manage',
  'webhooks:manage',
  'reports:read',
];

/** A signed-in identity for tests: an admin over every pod unless told otherwise. */
export function fakeMe(overrides: Partial<Me> = {}): Me {
  return {
    user: {
      id: '00000000-0000-4000-8000-000000000001',
      email: 'ada@example.com',
      name: 'Ada',
      role: 'admin',
    },
    tokenId: null,
    role: 'admin',
    pods: [],
    permissions: ALL_PERMISSIONS,
    session: null,
    ...overrides,
  };
}

/**
 * A client whose methods are the given fakes; calling any other method fails the test with its name,
 * so a view reading something unexpected is noticed rather than left loading forever.
 */
export function fakeClient(
  methods: Partial<Record<keyof ClosClient, (...args: never[]) => unknown>>,
): ClosClient {
  return new Proxy({} as ClosClient, {
    get(_target, key) {
      if (typeof key !== 'string') return undefined;
      const fn = (methods as Record<string, unknown>)[key];
      if (fn) return fn;
      return () => Promise.reject(new Error(`fake client: ${key} is not faked`));
    },
  });
}

/** The same pod-scope rule as the real session (`src/lib/auth.tsx`). */
const POD_SCOPED = new Set([
  'pods:manage',
  'projects:manage',
  'projects:work',
  'gates:approve',
  'wip:use',
  'ideas:decide',
]);

function sessionFor(client: ClosClient, me: Me, download?: Session['download']): Session {
  return {
    token: me.session ? null : 'test-token',
    method: me.session ? 'sso' : 'token',
    client,
    me,
    notice: null,
    signIn: async () => {},
    signOut: async () => {},
    download: download ?? (async (path) => Promise.reject(new Error(`fake session: download ${path}`))),
    can: (permission, podId) => {
      if (!me.permissions.includes(permission)) return false;
      if (!POD_SCOPED.has(permission) || me.pods.length === 0 || !podId) return true;
      return me.pods.some((p) => p.id === podId);
    },
  };
}

/**
 * Renders a view as the app would: signed in with `me`, data from `client`, at `url` matched by
 * `path` (for views reading route parameters). Returns the query client to inspect the cache.
 */
export function renderView(
  ui: ReactNode,
  options: { client: ClosClient; me?: Me; url?: string; path?: string; download?: Session['download'] },
) {
  const queryClient = new QueryClient({
    defaultOptions: { queries: { retry: false }, mutations: { retry: false } },
  });
  const session = sessionFor(options.client, options.me ?? fakeMe(), options.download);
  const url = options.url ?? '/';
  const result = render(
    <QueryClientProvider client={queryClient}>
      <SessionContext.Provider value={session}>
        <MemoryRouter initialEntries={[url]}>
          <Routes>
            <Route path={options.path ?? url.split('?')[0]} element={ui} />
          </Routes>
        </MemoryRouter>
      </SessionContext.Provider>
    </QueryClientProvider>,
  );
  return { ...result, queryClient };
}
