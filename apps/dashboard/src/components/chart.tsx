import type { EChartsCoreOption } from 'echarts/core';
import { useEffect, useRef } from 'react';
import { useDarkMode } from '../lib/theme.ts';

export type ChartOption = EChartsCoreOption;

type ECharts = typeof import('echarts/core');
let loading: Promise<ECharts> | undefined;

/**
 * ECharts is most of the app's code (about 200 KB compressed): it is fetched once, when the first
 * chart mounts, so a page without charts never loads it and one with charts shows its figures first.
 * Only the charts the views use are registered: the full bundle is several times larger.
 */
function loadECharts(): Promise<ECharts> {
  // Each import destructured where it resolves: the bundler then keeps only the named parts.
  loading ??= Promise.all([
    import('echarts/charts').then(({ BarChart, FunnelChart, GaugeChart, HeatmapChart, LineChart }) => [
      BarChart,
      FunnelChart,
      GaugeChart,
      HeatmapChart,
      LineChart,
    ]),
    import('echarts/components').then(
      ({ GridComponent, LegendComponent, TooltipComponent, VisualMapComponent }) => [
        GridComponent,
        LegendComponent,
        TooltipComponent,
        VisualMapComponent,
      ],
    ),
    import('echarts/renderers').then(({ CanvasRenderer }) => [CanvasRenderer]),
    import('echarts/core'),
  ]).then(([charts, components, renderers, core]) => {
    core.use([...charts, ...components, ...renderers]);
    return core;
  });
  // A failed fetch (a new build replaced the chunk, the network dropped) is tried again next time.
  loading.catch(() => {
    loading = undefined;
  });
  return loading;
}

/**
 * An ECharts chart that follows the container's size and the colour scheme. Charts are canvases, so
 * `label` (and the data shown as text elsewhere on the page) is what assistive technology reads.
 */
export function Chart({
  option,
  label,
  height = 280,
}: {
  option: ChartOption;
  label: string;
  height?: number;
}) {
  const ref = useRef<HTMLDivElement>(null);
  const dark = useDarkMode();
  useEffect(() => {
    let gone = false;
    let stop = () => {};
    void loadECharts().then(
      (echarts) => {
        if (gone || !ref.current) return;
        const chart = echarts.init(ref.current, dark ? 'dark' : undefined, { renderer: 'canvas' });
        chart.setOption({ backgroundColor: 'transparent', ...option });
        const resize = new ResizeObserver(() => chart.resize());
        resize.observe(ref.current);
        stop = () => {
          resize.disconnect();
          chart.dispose();
        };
      },
      // The chart stays an empty, labelled frame; the figures beside it still tell the story.
      () => {},
    );
    return () => {
      gone = true;
      stop();
    };
  }, [option, dark]);
  return <div ref={ref} role="img" aria-label={label} style={{ height, width: '100%' }} />;
}
