import type { ChartOption } from '../src/components/chart.tsx';

/**
 * Stands in for `src/components/chart.tsx` in component tests: happy-dom has no canvas for ECharts to
 * draw on. It keeps what the page exposes (a labelled image) and the option, for tests to read.
 * Use: `vi.mock('../src/components/chart.tsx', () => import('./chart-stub.tsx'));`
 */
export function Chart({ option, label }: { option: ChartOption; label: string; height?: number }) {
  return <div role="img" aria-label={label} data-option={JSON.stringify(option)} />;
}

export type { ChartOption };
