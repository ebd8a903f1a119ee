import { useQuery } from '@tanstack/react-query';
import { useMemo } from 'react';
import { useSession } from './auth.tsx';

/**
 * Emails by user id, to name holders and evaluators. Listing users needs `users:manage`, so other
 * tokens get an empty map and callers fall back to "you" or the id.
 */
export function useUserEmails(): ReadonlyMap<string, string> {
  const { client, can } = useSession();
  const allowed = can('users:manage');
  const users = useQuery({
    queryKey: ['users'],
    queryFn: () => client.listUsers({ query: { limit: 200 } }),
    enabled: allowed,
    staleTime: 60_000,
  });
  return useMemo(() => new Map((users.data?.items ?? []).map((u) => [u.id, u.email])), [users.data]);
}
