import type { TranslationBundle } from '@jupyterlab/translation';
import type { HistogramSeries } from '../models/drift-model.js';
import { Chart, chartBox, themeColor } from './charts.js';

/** A feature's reference and current distributions as bars side by side, per bin or category. */
export class DriftHistogramChart {
  readonly node: HTMLDivElement;
  private readonly canvas: HTMLCanvasElement;
  private chart: Chart | null = null;

  constructor(private readonly trans: TranslationBundle) {
    ({ node: this.node, canvas: this.canvas } = chartBox(
      trans.__('Reference and current distributions'),
    ));
  }

  update(series: HistogramSeries): void {
    this.chart ??= this.create();
    const data = this.chart.data;
    data.labels = series.labels;
    data.datasets[0]!.data = series.reference;
    data.datasets[1]!.data = series.current;
    this.chart.update('none');
  }

  dispose(): void {
    this.chart?.destroy();
    this.chart = null;
  }

  private create(): Chart {
    const trans = this.trans;
    this.node.append(this.canvas);
    const c = (v: string, f: string) => themeColor(this.node, v, f);
    const text = c('--jp-ui-font-color1', '#333');
    const grid = c('--jp-border-color2', '#ddd');
    return new Chart(this.canvas, {
      type: 'bar',
      data: {
        labels: [],
        datasets: [
          {
            label: trans.__('reference'),
            data: [] as number[],
            backgroundColor: c('--jp-layout-color4', '#9e9e9e'),
          },
          {
            label: trans.__('current'),
            data: [] as number[],
            backgroundColor: c('--jp-brand-color1', '#1976d2'),
          },
        ],
      },
      options: {
        animation: false,
        responsive: true,
        maintainAspectRatio: false,
        plugins: { legend: { labels: { color: text } } },
        scales: {
          x: { ticks: { color: text }, grid: { color: grid } },
          y: {
            type: 'linear',
            beginAtZero: true,
            title: { display: true, text: trans.__('share of rows'), color: text },
            ticks: { color: text },
            grid: { color: grid },
          },
        },
      },
    });
  }
}
