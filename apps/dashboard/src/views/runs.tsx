import { Empty, Page } from '../components/ui.tsx';

export function Runs() {
  return (
    <Page title="Runs">
      <Empty>Not built yet.</Empty>
    </Page>
  );
}
