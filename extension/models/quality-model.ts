import type { TranslationBundle } from '@jupyterlab/translation';
import type { QualityMetricName, QualityReport } from '../../gateway/src/protocol/monitoring.js';
import { metricNamesFor, metricValue } from '../../gateway/src/protocol/index.js';
import { bucketLabel, type WindowId } from './figures.js';
import { WindowedView } from './remote-view.js';

/** The quality tab's data: every version together, and each version's own series. */
export interface QualityView {
  report: QualityReport;
  /** Per version, newest first: the buckets of that version alone. */
  perVersion: { version: number; series: QualityReport['series'] }[];
}

/** The windows the quality tab offers, with the bucket each is drawn in. */
export const QUALITY_WINDOWS: { id: WindowId; bucket: 'hour' | 'day' }[] = [
  { id: '24h', bucket: 'hour' },
  { id: '7d', bucket: 'day' },
  { id: '30d', bucket: 'day' },
];

/** How many versions get their own line: the newest ones. */
const MAX_VERSION_LINES = 5;

/** Live quality of one deployment over a window, per version. */
export class QualityModel extends WindowedView<QualityView> {
  private _metric: QualityMetricName | null = null;

  /** The figure the chart draws: the one chosen, else the task's first. */
  get metric(): QualityMetricName | null {
    const task = this.value?.report.overall?.task;
    if (!task) return this._metric;
    const names = metricNamesFor(task);
    return this._metric && names.includes(this._metric) ? this._metric : names[0]!;
  }

  setMetric(name: QualityMetricName): void {
    this._metric = name;
    this.emitChanged();
  }

  protected async fetch(): Promise<QualityView> {
    const bucket = QUALITY_WINDOWS.find((w) => w.id === this.window)?.bucket ?? 'hour';
    const range = this.range();
    const report = await this.client.quality(this.name, { ...range, bucket });
    const versions = report.versions
      .map((v) => v.version)
      .sort((a, b) => b - a)
      .slice(0, MAX_VERSION_LINES);
    const perVersion = await Promise.all(
      versions.map(async (version) => ({
        version,
        series: (await this.client.quality(this.name, { ...range, bucket, version })).series,
      })),
    );
    return { report, perVersion };
  }
}

/** A figure's name as people read it. */
export function metricLabel(name: QualityMetricName, trans: TranslationBundle): string {
  const labels: Record<QualityMetricName, string> = {
    accuracy: trans._p('quality metric', 'accuracy'),
    f1_macro: trans._p('quality metric', 'F1 (macro)'),
    precision_macro: trans._p('quality metric', 'precision (macro)'),
    recall_macro: trans._p('quality metric', 'recall (macro)'),
    roc_auc: trans._p('quality metric', 'ROC AUC'),
    log_loss: trans._p('quality metric', 'log loss'),
    mae: trans._p('quality metric', 'MAE'),
    rmse: trans._p('quality metric', 'RMSE'),
    r2: trans._p('quality metric', 'R²'),
    mape: trans._p('quality metric', 'MAPE'),
  };
  return labels[name] ?? name;
}

/** The chart's data: one line per version over the union of their buckets, oldest first. */
export interface QualitySeries {
  labels: string[];
  lines: { version: number; data: (number | null)[] }[];
}

export function qualitySeries(view: QualityView, metric: QualityMetricName): QualitySeries {
  const starts = [...new Set(view.perVersion.flatMap((v) => v.series.map((p) => p.start)))].sort(
    (a, b) => Date.parse(a) - Date.parse(b),
  );
  const bucket = view.report.bucket;
  return {
    labels: starts.map((s) => bucketLabel(s, bucket)),
    lines: [...view.perVersion]
      .sort((a, b) => a.version - b.version)
      .map(({ version, series }) => {
        const at = new Map(series.map((p) => [p.start, metricValue(p.metrics, metric)]));
        return { version, data: starts.map((s) => at.get(s) ?? null) };
      }),
  };
}

/** The overall table: one row per figure, a column for all versions and one per version. */
export interface FigureTable {
  versions: number[];
  rows: { metric: QualityMetricName; overall: number | null; perVersion: (number | null)[] }[];
  /** The labels behind each column. */
  labelled: { overall: number; perVersion: number[] };
}

export function figureTable(report: QualityReport): FigureTable | null {
  const overall = report.overall;
  if (!overall) return null;
  const versions = [...report.versions].sort((a, b) => b.version - a.version);
  return {
    versions: versions.map((v) => v.version),
    rows: metricNamesFor(overall.task).map((metric) => ({
      metric,
      overall: metricValue(overall, metric),
      perVersion: versions.map((v) => metricValue(v.metrics, metric)),
    })),
    labelled: { overall: overall.labelled, perVersion: versions.map((v) => v.metrics.labelled) },
  };
}
