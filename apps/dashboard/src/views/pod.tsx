import { Empty, Page } from '../components/ui.tsx';

export function PodDetail() {
  return (
    <Page title="PodDetail">
      <Empty>Not built yet.</Empty>
    </Page>
  );
}
