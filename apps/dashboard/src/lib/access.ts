/** The access page's logic: users with their pods, API tokens and SSO sessions, and the forms' parsing. */
import type { RouteResponse, Routes } from '@clos/contract';
import { ROLES } from '@clos/core';
import { useInfiniteQuery, useQuery } from '@tanstack/react-query';
import { useMemo } from 'react';
import { useSession } from './auth.tsx';
import { usePodList } from './pod-list.ts';

export type User = RouteResponse<Routes['listUsers']>['items'][number];
export type ApiToken = RouteResponse<Routes['listTokens']>['items'][number];
export type UserSession = RouteResponse<Routes['listSessions']>['items'][number];
export type Role = User['role'];

/** Highest first, as an admin reads a role picker. */
export const ROLE_CHOICES: readonly Role[] = [...ROLES].reverse();

/** Every query of this page starts with one of these, so a change refreshes what it affects. */
export const ACCESS_KEYS = {
  users: ['users'],
  tokens: ['tokens'],
  sessions: ['sessions'],
  memberships: ['pods', 'memberships'],
} as const;

/** `a, b\nc` → `['a', 'b', 'c']`: a list typed into one field, by commas or lines, without repeats. */
export function parseList(text: string): string[] {
  const items = text
    .split(/[,\n]/)
    .map((s) => s.trim())
    .filter((s) => s !== '');
  return [...new Set(items)];
}

/** How a user signs in: SSO once they have signed in with the provider, else API tokens only. */
export function signInMethod(user: Pick<User, 'oidcSubject'>): 'SSO' | 'Token' {
  return user.oidcSubject ? 'SSO' : 'Token';
}

/** Revoked, expired (by `now`) or active. */
export function tokenState(
  token: Pick<ApiToken, 'revokedAt' | 'expiresAt'>,
  now: Date,
): 'revoked' | 'expired' | 'active' {
  if (token.revokedAt) return 'revoked';
  if (token.expiresAt && new Date(token.expiresAt).getTime() <= now.getTime()) return 'expired';
  return 'active';
}

/**
 * The expiry to send for a date picked in the form (`2026-09-30`): the end of that day where the
 * admin is, so a token "valid until the 30th" works all of the 30th. Empty: never expires.
 */
export function expiryFromDate(date: string): string | null {
  if (!date) return null;
  const [y, m, d] = date.split('-').map(Number);
  if (!y || !m || !d) return null;
  return new Date(y, m - 1, d, 23, 59, 59, 999).toISOString();
}

/** What ends with a change of role, for the confirmation. */
export function roleChangeConsequences(user: Pick<User, 'name' | 'role'>, next: Role): string[] {
  const out = [
    `${user.name} acts as ${next} from now on; their open sessions end and they sign in again.`,
    `Their API tokens keep their own role but can do no more than ${next} allows.`,
  ];
  if (user.role === 'admin')
    out.push('They can no longer manage users, tokens or read the compliance reports.');
  return out;
}

/** The membership of every user, by user id: pod slugs, from each pod's member list. */
export function usePodMemberships(enabled: boolean) {
  const { client } = useSession();
  const pods = usePodList();
  const slugs = (pods.data?.items ?? []).map((p) => p.slug);
  const members = useQuery({
    queryKey: [...ACCESS_KEYS.memberships, slugs],
    queryFn: async () => {
      // One request per pod: the API lists members by pod, and companies have tens of pods, not thousands.
      const lists = await Promise.all(
        slugs.map(async (slug) => ({
          slug,
          items: (await client.listPodMembers({ params: { slug } })).items,
        })),
      );
      const byUser = new Map<string, string[]>();
      for (const { slug, items } of lists)
        for (const m of items) byUser.set(m.userId, [...(byUser.get(m.userId) ?? []), slug]);
      return byUser;
    },
    enabled: enabled && pods.isSuccess,
  });
  return { pods, members };
}

/** A paged list (users, tokens, sessions) read 200 at a time, with "Load more". */
function usePaged<T>(
  key: readonly unknown[],
  enabled: boolean,
  load: (cursor?: string) => Promise<{ items: T[]; nextCursor: string | null }>,
) {
  const query = useInfiniteQuery({
    queryKey: key,
    queryFn: ({ pageParam }) => load(pageParam),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.nextCursor ?? undefined,
    enabled,
  });
  const items = useMemo(() => query.data?.pages.flatMap((p) => p.items) ?? [], [query.data]);
  return { query, items };
}

export function useUsers(enabled: boolean) {
  const { client } = useSession();
  return usePaged([...ACCESS_KEYS.users, 'all'], enabled, (cursor) =>
    client.listUsers({ query: { limit: 200, ...(cursor ? { cursor } : {}) } }),
  );
}

export function useTokens(enabled: boolean) {
  const { client } = useSession();
  return usePaged([...ACCESS_KEYS.tokens], enabled, (cursor) =>
    client.listTokens({ query: { limit: 200, ...(cursor ? { cursor } : {}) } }),
  );
}

export function useOpenSessions(enabled: boolean) {
  const { client } = useSession();
  return usePaged([...ACCESS_KEYS.sessions, 'active'], enabled, (cursor) =>
    client.listSessions({ query: { limit: 200, active: 'true', ...(cursor ? { cursor } : {}) } }),
  );
}
