import { BarChart, FunnelChart, GaugeChart, HeatmapChart, LineChart } from 'echarts/charts';
import { GridComponent, LegendComponent, TooltipComponent, VisualMapComponent } from 'echarts/components';
import * as echarts from 'echarts/core';
import { CanvasRenderer } from 'echarts/renderers';
import { useEffect, useRef } from 'react';
import { useDarkMode } from '../lib/theme.ts';

// Only the charts the views use: ECharts' full bundle is several times larger.
echarts.use([
  BarChart,
  FunnelChart,
  GaugeChart,
  HeatmapChart,
  LineChart,
  GridComponent,
  LegendComponent,
  TooltipComponent,
  VisualMapComponent,
  CanvasRenderer,
]);

export type ChartOption = echarts.EChartsCoreOption;

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
    if (!ref.current) return;
    const chart = echarts.init(ref.current, dark ? 'dark' : undefined, { renderer: 'canvas' });
    chart.setOption({ backgroundColor: 'transparent', ...option });
    const resize = new ResizeObserver(() => chart.resize());
    resize.observe(ref.current);
    return () => {
      resize.disconnect();
      chart.dispose();
    };
  }, [option, dark]);
  return <div ref={ref} role="img" aria-label={label} style={{ height, width: '100%' }} />;
}
