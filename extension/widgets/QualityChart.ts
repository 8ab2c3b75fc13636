import type { TranslationBundle } from '@jupyterlab/translation';
import type { QualitySeries } from '../models/quality-model.js';
import { Chart, chartBox, seriesColors, themeColor } from './charts.js';

/** One figure (accuracy, MAE…) per time bucket, one line per version. */
export class QualityChart {
  readonly node: HTMLDivElement;
  private readonly canvas: HTMLCanvasElement;
  private chart: Chart | null = null;

  constructor(private readonly trans: TranslationBundle) {
    ({ node: this.node, canvas: this.canvas } = chartBox(
      trans.__('Quality over time, one line per version'),
    ));
  }

  /** Draws `series`; `metricLabel` names the axis. */
  update(series: QualitySeries, metricLabel: string): void {
    this.chart ??= this.create();
    const colors = seriesColors(this.node);
    this.chart.data.labels = series.labels;
    this.chart.data.datasets = series.lines.map((line, i) => ({
      type: 'line' as const,
      label: this.trans.__('v%1', line.version),
      data: line.data,
      borderColor: colors[i % colors.length],
      backgroundColor: colors[i % colors.length],
      spanGaps: true,
      pointRadius: 3,
      tension: 0.2,
    }));
    const y = this.chart.options.scales?.y as { title: { text: string } } | undefined;
    if (y) y.title.text = metricLabel;
    this.chart.update('none');
  }

  dispose(): void {
    this.chart?.destroy();
    this.chart = null;
  }

  private create(): Chart {
    this.node.append(this.canvas);
    const text = themeColor(this.node, '--jp-ui-font-color1', '#333');
    const grid = themeColor(this.node, '--jp-border-color2', '#ddd');
    return new Chart(this.canvas, {
      type: 'line',
      data: { labels: [], datasets: [] },
      options: {
        animation: false,
        responsive: true,
        maintainAspectRatio: false,
        plugins: { legend: { labels: { color: text } } },
        scales: {
          x: { ticks: { color: text }, grid: { color: grid } },
          y: {
            type: 'linear',
            title: { display: true, text: '', color: text },
            ticks: { color: text },
            grid: { color: grid },
          },
        },
      },
    });
  }
}
