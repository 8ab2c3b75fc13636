import type { TranslationBundle } from '@jupyterlab/translation';
import type {
  QualityMetricName,
  QualityMetrics,
  QualityReport,
} from '../../gateway/src/protocol/monitoring.js';
import type { GatewayClient } from '../client/gateway-client.js';
import { bucketLabel, windowRange, type WindowId } from './figures.js';
import { RemoteView } from './remote-view.js';

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
export class QualityModel extends RemoteView<QualityView> {
  private _window: WindowId = '24h';
  private _metric: QualityMetricName | null = null;

  constructor(
    readonly name: string,
    private readonly client: GatewayClient,
    private readonly now: () => Date = () => new Date(),
  ) {
    super();
  }

  get window(): WindowId {
    return this._window;
  }

  /** The figure the chart draws: the one chosen, else the task's first. */
  get metric(): QualityMetricName | null {
    const task = this.value?.report.overall?.task;
    if (!task) return this._metric;
    const names = metricNamesFor(task);
    return this._metric && names.includes(this._metric) ? this._metric : names[0]!;
  }

  setWindow(id: WindowId): Promise<void> {
    this._window = id;
    return this.refresh();
  }

  setMetric(name: QualityMetricName): void {
    this._metric = name;
    this.emitChanged();
  }

  protected async fetch(): Promise<QualityView> {
    const bucket = QUALITY_WINDOWS.find((w) => w.id === this._window)?.bucket ?? 'hour';
    const range = windowRange(this._window, this.now());
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

const CLASSIFICATION: QualityMetricName[] = [
  'accuracy',
  'f1_macro',
  'precision_macro',
  'recall_macro',
  'roc_auc',
  'log_loss',
];
const REGRESSION: QualityMetricName[] = ['mae', 'rmse', 'r2', 'mape'];

/** The figures of a task, in the order the table lists them. */
export function metricNamesFor(task: QualityMetrics['task']): QualityMetricName[] {
  return task === 'classification' ? CLASSIFICATION : REGRESSION;
}

/** The error figures: lower is better, and a rule on them fires above its threshold. */
export function lowerIsBetter(name: QualityMetricName): boolean {
  return name === 'log_loss' || name === 'mae' || name === 'rmse' || name === 'mape';
}

/** One figure of a report's metrics; null when the metrics are of the other task or have none. */
export function metricValue(m: QualityMetrics | null | undefined, name: QualityMetricName) {
  if (!m) return null;
  if (m.task === 'classification') {
    switch (name) {
      case 'accuracy':
        return m.accuracy;
      case 'f1_macro':
        return m.macro.f1;
      case 'precision_macro':
        return m.macro.precision;
      case 'recall_macro':
        return m.macro.recall;
      case 'roc_auc':
        return m.rocAuc;
      case 'log_loss':
        return m.logLoss;
      default:
        return null;
    }
  }
  switch (name) {
    case 'mae':
      return m.mae;
    case 'rmse':
      return m.rmse;
    case 'r2':
      return m.r2;
    case 'mape':
      return m.mape;
    default:
      return null;
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
