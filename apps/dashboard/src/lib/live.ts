import type { StreamedEvent } from '@clos/contract/client';
import { type QueryClient, useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { useSession } from './auth.tsx';

export type LiveState = 'connecting' | 'live' | 'reconnecting' | 'off';

/**
 * Which cached queries an event makes stale, by the first segment of its type. Query keys start with
 * the resource they read ('projects', 'wip', …), so one event refreshes every view that shows it.
 */
export function staleKeysFor(type: string): string[][] {
  const family = type.split('.')[0];
  const keys: Record<string, string[][]> = {
    project: [['projects'], ['dashboard']],
    stage: [['projects'], ['dashboard']],
    gate: [['projects'], ['dashboard']],
    wip: [['wip'], ['pods'], ['dashboard']],
    idea: [['ideas'], ['projects'], ['dashboard']],
    pod: [['pods'], ['dashboard']],
    rotation: [['pods']],
    rhythm: [['pods'], ['rhythm']],
    commitment: [['rhythm'], ['pods']],
    demo: [['demos'], ['pods']],
    deployment: [['deployments'], ['dashboard'], ['pods']],
    alert: [['alerts'], ['dashboard']],
    workflow: [['runs']],
  };
  // Everything that changed is also in the audit log and may have started a workflow run.
  return [...(keys[family ?? ''] ?? [['dashboard']]), ['audit'], ['runs']];
}

export function applyEvent(queryClient: QueryClient, event: StreamedEvent | { reset: string }): void {
  if ('reset' in event) {
    void queryClient.invalidateQueries();
    return;
  }
  for (const key of staleKeysFor(event.type)) void queryClient.invalidateQueries({ queryKey: key });
}

/**
 * Keeps the page live: reads `/api/v1/stream` for as long as the session lasts and marks what each
 * event changes as stale, so open views refetch within a moment. A dropped connection resumes after
 * the last event received (`Last-Event-ID`), so nothing is missed.
 */
export function useLiveEvents(): LiveState {
  const { client, method } = useSession();
  const queryClient = useQueryClient();
  const [state, setState] = useState<LiveState>(method ? 'connecting' : 'off');

  useEffect(() => {
    if (!method) {
      setState('off');
      return;
    }
    const stop = new AbortController();
    setState('connecting');
    (async () => {
      let opened = 0;
      try {
        // A fetch-based stream: browsers' EventSource cannot send the Authorization header. Signed in
        // by SSO, the client's same-origin fetch sends the session cookie instead.
        const events = client.events({
          signal: stop.signal,
          onStatus: (status) => {
            if (status === 'closed') return setState('reconnecting');
            setState('live');
            // After a reconnection, what happened while away may predate the replay window of the
            // views' caches: refetch what is shown.
            if (opened++ > 0) void queryClient.invalidateQueries();
          },
        });
        for await (const event of events) applyEvent(queryClient, event);
      } catch {
        if (!stop.signal.aborted) setState('reconnecting');
      }
    })();
    // The iterator reconnects by itself; this shows the state between events.
    const onOffline = () => setState('reconnecting');
    const onOnline = () => setState('connecting');
    window.addEventListener('offline', onOffline);
    window.addEventListener('online', onOnline);
    return () => {
      stop.abort();
      window.removeEventListener('offline', onOffline);
      window.removeEventListener('online', onOnline);
    };
  }, [client, method, queryClient]);
  return state;
}
