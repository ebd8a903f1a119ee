import { Empty, Page } from '../components/ui.tsx';

export function Audit() {
  return (
    <Page title="Audit">
      <Empty>Not built yet.</Empty>
    </Page>
  );
}
