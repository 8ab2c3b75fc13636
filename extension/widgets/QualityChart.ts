import type { TranslationBundle } from '@jupyterlab/translation';
import type { QualitySeries } from '../models/quality-model.js';
import {
  Chart,
  chartOptions,
  MonitorChart,
  seriesColors,
  valueAxis,
  type AxisColors,
} from './charts.js';

/** One figure (accuracy, MAE…) per time bucket, one line per version. */
export class QualityChart extends MonitorChart<{ series: QualitySeries; metricLabel: string }> {
  constructor(private readonly trans: TranslationBundle) {
    super(trans.__('Quality over time, one line per version'));
  }

  /** Draws `series`; `metricLabel` names the axis. */
  update(series: QualitySeries, metricLabel: string): void {
    this.show({ series, metricLabel });
  }

  protected draw(
    chart: Chart,
    { series, metricLabel }: { series: QualitySeries; metricLabel: string },
  ): void {
    const colors = seriesColors(this.node);
    chart.data.labels = series.labels;
    chart.data.datasets = series.lines.map((line, i) => ({
      type: 'line' as const,
      label: this.trans.__('v%1', line.version),
      data: line.data,
      borderColor: colors[i % colors.length],
      backgroundColor: colors[i % colors.length],
      spanGaps: true,
      pointRadius: 3,
      tension: 0.2,
    }));
    const y = chart.options.scales?.y as { title: { text: string } } | undefined;
    if (y) y.title.text = metricLabel;
  }

  protected create(colors: AxisColors): Chart {
    return new Chart(this.canvas, {
      type: 'line',
      data: { labels: [], datasets: [] },
      options: chartOptions(colors, { y: valueAxis(colors, '') }),
    });
  }
}
