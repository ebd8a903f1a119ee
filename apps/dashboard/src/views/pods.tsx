import { Empty, Page } from '../components/ui.tsx';

export function Pods() {
  return (
    <Page title="Pods">
      <Empty>Not built yet.</Empty>
    </Page>
  );
}
