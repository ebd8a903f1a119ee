import { Empty, Page } from '../components/ui.tsx';

export function Projects() {
  return (
    <Page title="Projects">
      <Empty>Not built yet.</Empty>
    </Page>
  );
}
