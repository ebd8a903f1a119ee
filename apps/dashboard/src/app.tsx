import { createBrowserRouter, Navigate, RouterProvider } from 'react-router';
import { Layout } from './layout.tsx';
import { useSession } from './lib/auth.tsx';
import { Alerts } from './views/alerts.tsx';
import { Audit } from './views/audit.tsx';
import { IdeaDetail } from './views/idea.tsx';
import { Ideas } from './views/ideas.tsx';
import { Overview } from './views/overview.tsx';
import { PodDetail } from './views/pod.tsx';
import { Pods } from './views/pods.tsx';
import { ProjectDetail } from './views/project.tsx';
import { Projects } from './views/projects.tsx';
import { RunDetail } from './views/run.tsx';
import { Runs } from './views/runs.tsx';
import { SignIn } from './views/sign-in.tsx';
import { Wip } from './views/wip.tsx';

const router = createBrowserRouter([
  {
    element: <Layout />,
    children: [
      { path: '/', element: <Overview /> },
      { path: '/projects', element: <Projects /> },
      { path: '/projects/:id', element: <ProjectDetail /> },
      { path: '/wip', element: <Wip /> },
      { path: '/ideas', element: <Ideas /> },
      { path: '/ideas/:id', element: <IdeaDetail /> },
      { path: '/pods', element: <Pods /> },
      { path: '/pods/:slug', element: <PodDetail /> },
      { path: '/alerts', element: <Alerts /> },
      { path: '/runs', element: <Runs /> },
      { path: '/runs/:id', element: <RunDetail /> },
      { path: '/audit', element: <Audit /> },
      { path: '*', element: <Navigate to="/" replace /> },
    ],
  },
]);

export function App() {
  const { token } = useSession();
  if (!token) return <SignIn />;
  return <RouterProvider router={router} />;
}
