import { useQuery } from '@tanstack/react-query';
import { useSession } from './auth.tsx';

/**
 * Every pod (up to 200), shared by the views that offer a pod filter or picker: one query key, so
 * one request serves them all and pod events refresh them together.
 */
export function usePodList() {
  const { client } = useSession();
  return useQuery({
    queryKey: ['pods', 'list'],
    queryFn: () => client.listPods({ query: { limit: 200 } }),
  });
}
