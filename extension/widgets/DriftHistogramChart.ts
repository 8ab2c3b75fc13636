import type { TranslationBundle } from '@jupyterlab/translation';
import type { HistogramSeries } from '../models/drift-model.js';
import {
  Chart,
  chartOptions,
  MonitorChart,
  themeColor,
  valueAxis,
  type AxisColors,
} from './charts.js';

/** A feature's reference and current distributions as bars side by side, per bin or category. */
export class DriftHistogramChart extends MonitorChart<HistogramSeries> {
  constructor(private readonly trans: TranslationBundle) {
    super(trans.__('Reference and current distributions'));
  }

  update(series: HistogramSeries): void {
    this.show(series);
  }

  protected draw(chart: Chart, series: HistogramSeries): void {
    chart.data.labels = series.labels;
    chart.data.datasets[0]!.data = series.reference;
    chart.data.datasets[1]!.data = series.current;
  }

  protected create(colors: AxisColors): Chart {
    const trans = this.trans;
    return new Chart(this.canvas, {
      type: 'bar',
      data: {
        labels: [],
        datasets: [
          {
            label: trans.__('reference'),
            data: [] as number[],
            backgroundColor: themeColor(this.node, '--jp-layout-color4', '#9e9e9e'),
          },
          {
            label: trans.__('current'),
            data: [] as number[],
            backgroundColor: themeColor(this.node, '--jp-brand-color1', '#1976d2'),
          },
        ],
      },
      options: chartOptions(colors, {
        y: { ...valueAxis(colors, trans.__('share of rows')), beginAtZero: true },
      }),
    });
  }
}
