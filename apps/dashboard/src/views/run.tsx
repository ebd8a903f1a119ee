import { Empty, Page } from '../components/ui.tsx';

export function RunDetail() {
  return (
    <Page title="RunDetail">
      <Empty>Not built yet.</Empty>
    </Page>
  );
}
