import type { TranslationBundle } from '@jupyterlab/translation';
import type { ChartSeries } from '../models/monitor-model.js';
import { Chart, themeColor } from './charts.js';

/** Latency p50/p95/p99 (lines, ms) over calls per minute (bars), one point per minute. */
export class LatencyChart {
  private chart: Chart | null = null;
  readonly node: HTMLDivElement;
  private readonly canvas: HTMLCanvasElement;

  constructor(private readonly trans: TranslationBundle) {
    this.node = document.createElement('div');
    this.node.className = 'jp-SlipwayMonitor-chart';
    this.canvas = document.createElement('canvas');
    this.canvas.setAttribute('role', 'img');
    this.canvas.setAttribute('aria-label', trans.__('Latency percentiles and calls per minute'));
    this.node.append(this.canvas);
  }

  update(series: ChartSeries): void {
    if (!this.chart) {
      this.chart = this.create();
    }
    const data = this.chart.data;
    data.labels = series.labels;
    data.datasets[0].data = series.p50;
    data.datasets[1].data = series.p95;
    data.datasets[2].data = series.p99;
    data.datasets[3].data = series.count;
    data.datasets[4].data = series.errors;
    this.chart.update('none');
  }

  dispose(): void {
    this.chart?.destroy();
    this.chart = null;
  }

  private create(): Chart {
    const trans = this.trans;
    const c = (v: string, f: string) => themeColor(this.node, v, f);
    const text = c('--jp-ui-font-color1', '#333');
    const grid = c('--jp-border-color2', '#ddd');
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
      options: {
        animation: false,
        responsive: true,
        maintainAspectRatio: false,
        plugins: { legend: { labels: { color: text } } },
        scales: {
          x: { ticks: { color: text }, grid: { color: grid } },
          ms: {
            type: 'linear',
            position: 'left',
            beginAtZero: true,
            title: { display: true, text: trans.__('latency (ms)'), color: text },
            ticks: { color: text },
            grid: { color: grid },
          },
          calls: {
            type: 'linear',
            position: 'right',
            beginAtZero: true,
            title: { display: true, text: trans.__('calls / min'), color: text },
            ticks: { color: text, precision: 0 },
            grid: { drawOnChartArea: false },
          },
        },
      },
    });
  }
}
