import { Empty, Page } from '../components/ui.tsx';

export function Ideas() {
  return (
    <Page title="Ideas">
      <Empty>Not built yet.</Empty>
    </Page>
  );
}
