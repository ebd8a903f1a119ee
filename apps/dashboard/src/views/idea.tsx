import { Empty, Page } from '../components/ui.tsx';

export function IdeaDetail() {
  return (
    <Page title="IdeaDetail">
      <Empty>Not built yet.</Empty>
    </Page>
  );
}
