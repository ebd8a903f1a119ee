import { Empty, Page } from '../components/ui.tsx';

export function Alerts() {
  return (
    <Page title="Alerts">
      <Empty>Not built yet.</Empty>
    </Page>
  );
}
