import type { TranslationBundle } from '@jupyterlab/translation';
import type { ChartSeries } from '../models/monitor-model.js';
import {
  Chart,
  chartOptions,
  MonitorChart,
  themeColor,
  valueAxis,
  type AxisColors,
} from './charts.js';

/** Latency p50/p95/p99 (lines, ms) over calls per minute (bars), one point per minute. */
export class LatencyChart extends MonitorChart<ChartSeries> {
  constructor(private readonly trans: TranslationBundle) {
    super(trans.__('Latency percentiles and calls per minute'));
    // Unlike the report charts, the canvas is in the box before the first draw.
    this.node.append(this.canvas);
  }

  update(series: ChartSeries): void {
    this.show(series);
  }

  protected draw(chart: Chart, series: ChartSeries): void {
    const data = chart.data;
    data.labels = series.labels;
    data.datasets[0]!.data = series.p50;
    data.datasets[1]!.data = series.p95;
    data.datasets[2]!.data = series.p99;
    data.datasets[3]!.data = series.count;
    data.datasets[4]!.data = series.errors;
  }

  protected create(colors: AxisColors): Chart {
    const trans = this.trans;
    const c = (v: string, f: string) => themeColor(this.node, v, f);
    const line = (label: string, color: string) => ({
      type: 'line' as const,
      label,
      data: [] as (number | null)[],
      borderColor: color,
      backgroundColor: color,
      yAxisID: 'ms',
      spanGaps: true,
      pointRadius: 2,
      tension: 0.2,
    });
    const bar = (label: string, color: string) => ({
      type: 'bar' as const,
      label,
      data: [] as number[],
      backgroundColor: color,
      yAxisID: 'calls',
    });
    return new Chart(this.canvas, {
      data: {
        labels: [],
        datasets: [
          line(trans.__('p50 ms'), c('--jp-brand-color1', '#1976d2')),
          line(trans.__('p95 ms'), c('--jp-warn-color1', '#f57c00')),
          line(trans.__('p99 ms'), c('--jp-error-color1', '#d32f2f')),
          bar(trans.__('calls'), c('--jp-layout-color3', '#bdbdbd')),
          bar(trans.__('errors'), c('--jp-error-color2', '#e57373')),
        ],
      },
      options: chartOptions(colors, {
        ms: {
          ...valueAxis(colors, trans.__('latency (ms)')),
          position: 'left',
          beginAtZero: true,
        },
        calls: {
          ...valueAxis(colors, trans.__('calls / min')),
          position: 'right',
          beginAtZero: true,
          ticks: { color: colors.text, precision: 0 },
          grid: { drawOnChartArea: false },
        },
      }),
    });
  }
}
