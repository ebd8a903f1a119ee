import { useQuery } from '@tanstack/react-query';
import { useParams } from 'react-router';
import { Page, QueryState } from '../components/ui.tsx';
import { useSession } from '../lib/auth.tsx';
import { Demo } from './pod/demo.tsx';
import { Health } from './pod/health.tsx';
import { Members } from './pod/members.tsx';
import { Projects, PrQueue } from './pod/projects.tsx';
import { Rhythm } from './pod/rhythm.tsx';
import { Rotation } from './pod/rotation.tsx';
import { Wip } from './pod/wip.tsx';

/**
 * One pod: health over time, WIP gauges, its projects with their gates and its pull-request queue,
 * members and rotations, today's rhythm, this week's demo.
 */
export function PodDetail() {
  const { slug = '' } = useParams();
  const { client } = useSession();
  const status = useQuery({
    queryKey: ['pods', slug, 'status'],
    queryFn: () => client.getPodStatus({ params: { slug } }),
  });
  return (
    <Page title={status.data?.pod.name ?? slug}>
      <QueryState query={status} what="the pod">
        {(s) => (
          <>
            <p className="-mt-4 text-sm text-slate-500">
              {s.pod.slug} · {s.pod.timezone}
            </p>
            <div className="grid gap-6 lg:grid-cols-2 [&>*]:min-w-0">
              <Health slug={slug} status={s} />
              <Wip status={s} />
            </div>
            <div className="grid gap-6 lg:grid-cols-[3fr_2fr] [&>*]:min-w-0">
              <Projects slug={slug} />
              <PrQueue status={s} />
            </div>
            <Rhythm slug={slug} status={s} />
            <div className="grid gap-6 lg:grid-cols-2 [&>*]:min-w-0">
              <Members slug={slug} status={s} />
              <Demo slug={slug} status={s} />
            </div>
            <Rotation slug={slug} />
          </>
        )}
      </QueryState>
    </Page>
  );
}
