import { Empty, Page } from '../components/ui.tsx';

export function ProjectDetail() {
  return (
    <Page title="ProjectDetail">
      <Empty>Not built yet.</Empty>
    </Page>
  );
}
