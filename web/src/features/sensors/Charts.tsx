import { useEffect, useRef } from 'react';
import { useTranslation } from 'react-i18next';
import * as echarts from 'echarts/core';
import { HeatmapChart as Heatmap, LineChart } from 'echarts/charts';
import { GridComponent, TooltipComponent, VisualMapComponent } from 'echarts/components';
import { CanvasRenderer } from 'echarts/renderers';
import { formatDateTime } from '../../app/format.ts';
import type { ObservationReport } from './report.ts';

echarts.use([LineChart, Heatmap, GridComponent, TooltipComponent, VisualMapComponent, CanvasRenderer]);

function useChart(option: echarts.EChartsCoreOption): React.RefObject<HTMLDivElement | null> {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (!box.current) return;
    const chart = echarts.init(box.current);
    chart.setOption(option);
    const resize = (): void => chart.resize();
    window.addEventListener('resize', resize);
    return () => {
      window.removeEventListener('resize', resize);
      chart.dispose();
    };
  }, [option]);
  return box;
}

/** Packets over time (ECharts line), with a text summary for screen readers. */
export function SeriesChart({ report, label }: { report: ObservationReport; label: string }) {
  const { t } = useTranslation();
  const box = useChart({
    grid: { left: 60, right: 20, top: 20, bottom: 40 },
    tooltip: { trigger: 'axis' },
    xAxis: { type: 'category', data: report.series.map((p) => formatDateTime(p.time)) },
    yAxis: { type: 'value' },
    series: [{ type: 'line', name: label, data: report.series.map((p) => p.packets), showSymbol: false, areaStyle: {} }],
  });
  const peak = report.series.reduce((m, p) => Math.max(m, p.packets), 0);
  return <div ref={box} className="chart" role="img" aria-label={t('sensors.seriesLabel', { points: report.series.length, peak })} />;
}

/** Ports × time heat map (ECharts heatmap). */
export function HeatmapChart({ report }: { report: ObservationReport }) {
  const { t } = useTranslation();
  const h = report.heatmap;
  const data: [number, number, number][] = [];
  let max = 0;
  h.counts.forEach((row, y) =>
    row.forEach((v, x) => {
      data.push([x, y, v]);
      max = Math.max(max, v);
    }),
  );
  const box = useChart({
    grid: { left: 70, right: 20, top: 10, bottom: 70 },
    tooltip: { position: 'top' },
    xAxis: { type: 'category', data: h.times.map((x) => formatDateTime(x)) },
    yAxis: { type: 'category', data: h.ports },
    visualMap: { min: 0, max: Math.max(1, max), calculable: false, orient: 'horizontal', left: 'center', bottom: 0, inRange: { color: ['#f5f7fa', '#0b4fa8', '#13315c'] } },
    series: [{ type: 'heatmap', data }],
  });
  return <div ref={box} className="chart" role="img" aria-label={t('sensors.heatmapLabel', { ports: h.ports.length })} />;
}
