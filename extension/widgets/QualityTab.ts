import type { TranslationBundle } from '@jupyterlab/translation';
import { metricNamesFor } from '../../gateway/src/protocol/index.js';
import type { ClassificationMetrics } from '../../gateway/src/protocol/monitoring.js';
import { formatFigure } from '../models/figures.js';
import {
  figureTable,
  metricLabel,
  QUALITY_WINDOWS,
  qualitySeries,
  type QualityModel,
} from '../models/quality-model.js';
import { el } from './dom.js';
import { MonitorPage } from './MonitorPage.js';
import { QualityChart } from './QualityChart.js';
import { monitorTable, picker, windowPicker } from './table.js';

/**
 * The Quality tab: a figure over time per version, the overall figures with the labels behind
 * them, and the confusion matrix of a classifier.
 */
export class QualityTab extends MonitorPage<QualityModel> {
  private readonly chart: QualityChart;
  private readonly status = el('p', { class: 'jp-SlipwayMonitor-status', role: 'status' });
  private readonly controls = el('div', { class: 'jp-SlipwayMonitor-controls' });
  private readonly figures = el('div', { class: 'jp-SlipwayQuality-figures' });
  private readonly matrix = el('div', { class: 'jp-SlipwayQuality-matrix' });

  constructor(model: QualityModel, trans: TranslationBundle) {
    super(model, trans, 'quality', trans._p('monitor tab', 'Quality'));
    this.chart = this.own(new QualityChart(trans));
    this.node.append(
      this.controls,
      this.error,
      this.status,
      this.chart.node,
      this.figures,
      this.matrix,
    );
    this.render();
  }

  protected render(): void {
    const { trans, model } = this;
    const view = model.value;
    this.renderError();
    const task = view?.report.overall?.task;
    const metric = model.metric;
    this.controls.replaceChildren(
      windowPicker(
        QUALITY_WINDOWS.map((w) => w.id),
        model,
        trans,
      ),
    );
    if (task && metric)
      this.controls.append(
        picker(
          trans.__('Figure'),
          metricNamesFor(task).map((m) => ({ value: m, text: metricLabel(m, trans) })),
          metric,
          (m) => model.setMetric(m),
        ),
      );
    if (!view) {
      this.status.textContent = this.loadingText();
      return;
    }
    const table = figureTable(view.report);
    this.chart.node.hidden = !table;
    if (!table || !metric) {
      this.status.textContent = trans.__(
        'No labelled predictions in this window. Send ground truth: right-click a CSV, JSON lines or Parquet file with id and actual columns → Send as Ground Truth to…',
      );
      this.figures.replaceChildren();
      this.matrix.replaceChildren();
      return;
    }
    this.status.textContent = trans._n(
      'From %1 labelled prediction.',
      'From %1 labelled predictions.',
      table.labelled.overall,
    );
    this.chart.update(qualitySeries(view, metric), metricLabel(metric, trans));
    const body = el('tbody', {}, [
      ...table.rows.map((r) =>
        el('tr', {}, [
          el('th', { scope: 'row' }, [metricLabel(r.metric, trans)]),
          el('td', {}, [formatFigure(r.overall)]),
          ...r.perVersion.map((v) => el('td', {}, [formatFigure(v)])),
        ]),
      ),
      el('tr', { class: 'jp-SlipwayQuality-labelled' }, [
        el('th', { scope: 'row' }, [trans.__('labels')]),
        el('td', {}, [String(table.labelled.overall)]),
        ...table.labelled.perVersion.map((n) => el('td', {}, [String(n)])),
      ]),
    ]);
    this.figures.replaceChildren(
      el('h3', {}, [trans.__('Overall')]),
      monitorTable(
        trans.__('Quality figures'),
        [
          trans._p('column', 'figure'),
          trans._p('column', 'all versions'),
          ...table.versions.map((v) => trans.__('v%1', v)),
        ],
        body,
      ),
    );
    const overall = view.report.overall;
    this.matrix.replaceChildren(
      ...(overall?.task === 'classification' ? this.confusionMatrix(overall) : []),
    );
  }

  private confusionMatrix(m: ClassificationMetrics): HTMLElement[] {
    const trans = this.trans;
    const classes = m.classes.map(String);
    const body = el(
      'tbody',
      {},
      m.confusionMatrix.map((row, i) =>
        el('tr', {}, [
          el('th', { scope: 'row' }, [classes[i] ?? '']),
          ...row.map((n, j) =>
            el('td', { class: i === j ? 'jp-mod-diagonal' : undefined }, [String(n)]),
          ),
        ]),
      ),
    );
    return [
      el('h3', {}, [trans.__('Confusion matrix')]),
      el('p', { class: 'jp-SlipwayMonitor-help' }, [
        trans.__('Rows: the actual class; columns: the predicted class.'),
      ]),
      monitorTable(
        trans.__('Confusion matrix'),
        [trans._p('column', 'actual \\ predicted'), ...classes],
        body,
      ),
    ];
  }
}
