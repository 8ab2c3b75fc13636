import type { TranslationBundle } from '@jupyterlab/translation';
import type { DriftReport, FeatureDrift } from '../../gateway/src/protocol/monitoring.js';
import {
  DRIFT_WINDOWS,
  driftRows,
  histogramSeries,
  methodLabel,
  rowKey,
  type DriftModel,
} from '../models/drift-model.js';
import { formatFigure, formatShare } from '../models/figures.js';
import { routedVersionLabel } from '../models/routed-versions.js';
import { DriftHistogramChart } from './DriftHistogramChart.js';
import { el } from './dom.js';
import { MonitorPage } from './MonitorPage.js';
import { monitorTable, picker, windowPicker } from './table.js';

/**
 * The Drift tab: the dataset's verdict, a row per feature (and the prediction), and for the
 * row clicked its reference and current histograms side by side. While calls go to more than
 * one version, a picker says whose inputs: the live version's, a split's other or the shadow's.
 */
export class DriftTab extends MonitorPage<DriftModel> {
  private readonly chart: DriftHistogramChart;
  private readonly controls = el('div', { class: 'jp-SlipwayMonitor-controls' });
  private readonly verdict = el('p', { class: 'jp-SlipwayDrift-verdict', role: 'status' });
  private readonly rows = el('tbody');
  private readonly detail = el('div', { class: 'jp-SlipwayDrift-detail', hidden: true });
  private readonly detailTitle = el('h3');
  private readonly hint = el('p', { class: 'jp-SlipwayMonitor-help', hidden: true });

  constructor(model: DriftModel, trans: TranslationBundle) {
    super(model, trans, 'drift', trans._p('monitor tab', 'Drift'));
    this.chart = this.own(new DriftHistogramChart(trans));
    this.detail.append(this.detailTitle, this.chart.node);
    this.hint.textContent = trans.__(
      'To set a reference, right-click a CSV, JSON lines or Parquet file of typical inputs (one column per feature) in the file browser → Set as Reference for…',
    );
    this.node.append(
      this.controls,
      this.error,
      this.verdict,
      this.hint,
      monitorTable(
        trans.__('Feature drift'),
        [
          trans._p('column', 'feature'),
          trans._p('column', 'method'),
          trans._p('column', 'statistic'),
          trans._p('column', 'threshold'),
          trans._p('column', 'verdict'),
          trans._p('column', 'PSI'),
        ],
        this.rows,
      ),
      this.detail,
    );
    this.render();
  }

  protected render(): void {
    const { trans, model } = this;
    // No reference yet is a state to explain, not a failure: the gateway's words say which.
    const noReference = model.errorCode === 'no_reference';
    this.renderError(noReference);
    this.hint.hidden = !noReference;
    this.controls.replaceChildren(windowPicker(DRIFT_WINDOWS, model, trans));
    const version = model.version;
    if (version !== null)
      this.controls.append(
        picker(
          trans.__('Version'),
          model.versions.map((r) => ({
            value: String(r.version),
            text: routedVersionLabel(r, trans),
          })),
          String(version),
          (v) => void model.setVersion(Number(v)),
        ),
      );
    const report = noReference ? null : model.value;
    if (!report) {
      this.verdict.className = 'jp-SlipwayDrift-verdict';
      this.verdict.textContent = noReference ? (model.error ?? '') : this.loadingText();
      this.rows.replaceChildren();
      this.detail.hidden = true;
      return;
    }
    this.verdict.className = `jp-SlipwayDrift-verdict ${report.datasetDrift ? 'jp-mod-drift' : ''}`;
    this.verdict.textContent = this.verdictText(report);
    const selected = model.selected;
    this.rows.replaceChildren(...driftRows(report).map((f) => this.row(f, report, selected)));
    this.detail.hidden = !selected;
    if (selected) {
      this.detailTitle.textContent =
        selected === report.prediction
          ? trans.__('Prediction: reference and current')
          : trans.__('%1: reference and current', selected.name);
      this.chart.update(histogramSeries(selected.histogram));
    }
  }

  private verdictText(r: DriftReport): string {
    const trans = this.trans;
    const share = formatShare(r.driftShare, trans);
    const threshold = formatShare(r.driftShareThreshold, trans);
    return r.datasetDrift
      ? trans.__(
          'Dataset drift: %1 of the features drifted (threshold %2). %3 reference rows, %4 current.',
          share,
          threshold,
          r.referenceRows,
          r.currentRows,
        )
      : trans.__(
          'No dataset drift: %1 of the features drifted (threshold %2). %3 reference rows, %4 current.',
          share,
          threshold,
          r.referenceRows,
          r.currentRows,
        );
  }

  private row(f: FeatureDrift, report: DriftReport, selected: FeatureDrift | null) {
    const trans = this.trans;
    const key = rowKey(f, report);
    const isPrediction = f === report.prediction;
    const name = isPrediction ? trans.__('prediction') : f.name;
    const open = el(
      'button',
      {
        type: 'button',
        class: 'jp-SlipwayDrift-feature',
        'aria-pressed': String(f === selected),
        title: trans.__('Show the histograms of %1', name),
        onClick: () => this.model.select(f === selected ? null : key),
      },
      [name],
    );
    return el(
      'tr',
      {
        class:
          [f.drift ? 'jp-mod-drift' : '', f === selected ? 'jp-mod-selected' : '']
            .join(' ')
            .trim() || undefined,
      },
      [
        el('th', { scope: 'row' }, [open]),
        el('td', {}, [methodLabel(f.method, trans)]),
        el('td', {}, [
          f.pValue === null
            ? formatFigure(f.statistic)
            : trans.__('%1 (p = %2)', formatFigure(f.statistic), formatFigure(f.pValue)),
        ]),
        el('td', {}, [formatFigure(f.threshold)]),
        el('td', {}, [
          f.drift ? trans._p('drift verdict', 'drift') : trans._p('drift verdict', 'no drift'),
        ]),
        el('td', {}, [formatFigure(f.psi)]),
      ],
    );
  }
}
