import type { ClosClient } from '@clos/contract/client';
import { useQuery } from '@tanstack/react-query';
import { useSession } from './auth.tsx';

export type PolicyView = Awaited<ReturnType<ClosClient['getPolicy']>>;

/**
 * The operating model in force (`GET /api/v1/policy`): stages and gates, WIP types, idea rules. It
 * changes only when the server restarts with a new configuration, so it is cached for long.
 */
export function usePolicy() {
  const { client } = useSession();
  return useQuery({ queryKey: ['policy'], queryFn: () => client.getPolicy(), staleTime: 10 * 60_000 });
}
