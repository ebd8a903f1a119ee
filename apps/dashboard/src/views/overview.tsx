import { Empty, Page } from '../components/ui.tsx';

export function Overview() {
  return (
    <Page title="Overview">
      <Empty>Not built yet.</Empty>
    </Page>
  );
}
