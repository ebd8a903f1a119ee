import { Link, useLocation } from 'react-router';
import { Card, Page } from '../components/ui.tsx';

/** What an unknown address shows: a page of its own (not a silent jump to the overview), with ways on. */
export function NotFound() {
  const { pathname } = useLocation();
  return (
    <Page title="Page not found">
      <Card>
        <p className="text-sm">
          There is no page at <code className="break-all font-mono">{pathname}</code>. The link may be
          mistyped, or the page may have moved.
        </p>
        <ul className="mt-4 flex flex-wrap gap-x-6 gap-y-2 text-sm font-medium">
          <li>
            <Link to="/" className="text-teal-700 underline dark:text-teal-400">
              Go to the overview
            </Link>
          </li>
          <li>
            <Link to="/projects" className="text-teal-700 underline dark:text-teal-400">
              Projects
            </Link>
          </li>
          <li>
            <Link to="/pods" className="text-teal-700 underline dark:text-teal-400">
              Pods
            </Link>
          </li>
        </ul>
      </Card>
    </Page>
  );
}
