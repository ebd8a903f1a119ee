import { createBrowserRouter, RouterProvider } from 'react-router';
import { Layout } from './layout.tsx';
import { useSession } from './lib/auth.tsx';
import { SignIn } from './views/sign-in.tsx';

// Each view is its own chunk, loaded when first visited: the charts library is most of the code and
// only some views draw charts.
const view = (load: () => Promise<Record<string, unknown>>, name: string) => async () => ({
  Component: (await load())[name] as () => React.ReactNode,
});

const router = createBrowserRouter([
  {
    element: <Layout />,
    children: [
      { path: '/', lazy: view(() => import('./views/overview.tsx'), 'Overview') },
      { path: '/projects', lazy: view(() => import('./views/projects.tsx'), 'Projects') },
      { path: '/projects/:id', lazy: view(() => import('./views/project.tsx'), 'ProjectDetail') },
      { path: '/wip', lazy: view(() => import('./views/wip.tsx'), 'Wip') },
      { path: '/ideas', lazy: view(() => import('./views/ideas.tsx'), 'Ideas') },
      { path: '/ideas/:id', lazy: view(() => import('./views/idea.tsx'), 'IdeaDetail') },
      { path: '/pods', lazy: view(() => import('./views/pods.tsx'), 'Pods') },
      { path: '/pods/:slug', lazy: view(() => import('./views/pod.tsx'), 'PodDetail') },
      { path: '/alerts', lazy: view(() => import('./views/alerts.tsx'), 'Alerts') },
      { path: '/scorecard', lazy: view(() => import('./views/scorecard.tsx'), 'Scorecard') },
      { path: '/runs', lazy: view(() => import('./views/runs.tsx'), 'Runs') },
      { path: '/runs/:id', lazy: view(() => import('./views/run.tsx'), 'RunDetail') },
      { path: '/audit', lazy: view(() => import('./views/audit.tsx'), 'Audit') },
      { path: '/access', lazy: view(() => import('./views/access.tsx'), 'Access') },
      { path: '/compliance', lazy: view(() => import('./views/compliance.tsx'), 'Compliance') },
      { path: '/webhooks', lazy: view(() => import('./views/webhooks.tsx'), 'Webhooks') },
      { path: '/integrations', lazy: view(() => import('./views/integrations.tsx'), 'Integrations') },
      { path: '*', lazy: view(() => import('./views/not-found.tsx'), 'NotFound') },
    ],
  },
]);

export function App() {
  const { method } = useSession();
  if (!method) return <SignIn />;
  return <RouterProvider router={router} />;
}
