import { Empty, Page } from '../components/ui.tsx';

export function Wip() {
  return (
    <Page title="Wip">
      <Empty>Not built yet.</Empty>
    </Page>
  );
}
