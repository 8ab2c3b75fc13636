import type { LabelledRow, MonitoringRepository } from '../db/monitoring-repository.js';
import type { QualityMetrics, QualityReport } from '../protocol/monitoring.js';
import type { InvocationLog } from './invocation-log.js';
import type { PredictionView } from './prediction-view.js';
import {
  mergeQuality,
  metricsFromSummary,
  summarizeQuality,
  type QualitySummary,
} from './quality/index.js';

export interface QualityQuery {
  from: Date;
  to: Date;
  version?: number;
  bucket: 'hour' | 'day';
}

const BUCKET_MS = { hour: 3_600_000, day: 86_400_000 } as const;

/**
 * Model quality from the labels that arrived, over a window of prediction times (whole hours,
 * the one `from` falls in first): the whole window, each version in it, and each hour or day.
 * Each hour of each version is a mergeable summary of its labelled predictions, rebuilt when
 * labels in that hour change; a report merges summaries and never re-reads the predictions.
 * Figures equal scikit-learn's on the same rows (ROC AUC approximately once an hour holds more
 * than 4,096 distinct scores of a class; the report then names it in `approximate`).
 */
export class QualityService {
  /** Refreshes under way, per deployment: one at a time. */
  private readonly refreshing = new Map<string, Promise<void>>();

  constructor(
    private readonly deps: {
      monitoring: MonitoringRepository;
      log: Pick<InvocationLog, 'flush'>;
      /** How a version's answers are read (its task). */
      view: (name: string, version?: number) => Promise<PredictionView>;
      /** Told of every report (the Prometheus gauges). */
      onReport?: (report: QualityReport) => void;
    },
  ) {}

  async report(name: string, q: QualityQuery): Promise<QualityReport> {
    await this.deps.log.flush();
    await this.refresh(name);
    const rollups = await this.deps.monitoring.qualityRollups(name, q);
    const merged = (parts: { summary: unknown }[]) =>
      parts.reduce<QualitySummary | null>((acc, p) => {
        const s = p.summary as QualitySummary;
        return acc ? mergeQuality(acc, s) : s;
      }, null);
    const measure = (parts: { summary: unknown }[]) => {
      const m = merged(parts);
      return m ? metricsFromSummary(m) : null;
    };
    const size = BUCKET_MS[q.bucket];
    const overall = measure(rollups);
    const report: QualityReport = {
      name,
      ...(q.version !== undefined && { version: q.version }),
      from: q.from.toISOString(),
      to: q.to.toISOString(),
      bucket: q.bucket,
      overall: overall?.metrics ?? null,
      ...(overall && overall.approximate.length > 0 && { approximate: overall.approximate }),
      versions: [...groupBy(rollups, (r) => r.version).entries()]
        .sort((a, b) => a[0] - b[0])
        .flatMap(([version, part]) => {
          const m = measure(part);
          return m ? [{ version, metrics: m.metrics }] : [];
        }),
      series: [...groupBy(rollups, (r) => Math.floor(r.hour.getTime() / size) * size).entries()]
        .sort((a, b) => a[0] - b[0])
        .flatMap(([start, part]) => {
          const m = measure(part);
          return m ? [{ start: new Date(start).toISOString(), metrics: m.metrics }] : [];
        }),
    };
    this.deps.onReport?.(report);
    return report;
  }

  /**
   * Rebuilds the summaries of the hours whose labels changed since they were summarised. Called
   * before every report, and after feedback in the background, so that a report finds little to
   * do. One refresh per deployment at a time; a call during one waits for it and runs again.
   */
  refresh(name: string): Promise<void> {
    const prev = this.refreshing.get(name) ?? Promise.resolve();
    const next = prev.catch(() => {}).then(() => this.refreshNow(name));
    this.refreshing.set(name, next);
    void next
      .finally(() => {
        if (this.refreshing.get(name) === next) this.refreshing.delete(name);
      })
      .catch(() => {});
    return next;
  }

  private async refreshNow(name: string): Promise<void> {
    const { monitoring } = this.deps;
    for (const key of await monitoring.staleQuality(name)) {
      const [rows, view] = await Promise.all([
        monitoring.labelledInHour(name, key.version, key.hour),
        this.deps.view(name, key.version),
      ]);
      await monitoring.putQuality(name, key, summaryOf(rows, view.task));
    }
  }
}

/** The summary of an hour's labelled rows; rows whose answer had no readable prediction are left out. */
export function summaryOf(
  rows: readonly LabelledRow[],
  task: PredictionView['task'],
): QualitySummary | null {
  const usable = rows.filter((r) => r.predicted !== null);
  if (usable.length === 0 || task === null) return null;
  if (task === 'regression') {
    const numeric = usable.filter(
      (r): r is LabelledRow & { predicted: number; actual: number } =>
        typeof r.predicted === 'number' && typeof r.actual === 'number',
    );
    return numeric.length > 0
      ? summarizeQuality(
          numeric.map((r) => ({ actual: r.actual, predicted: r.predicted })),
          'regression',
        )
      : null;
  }
  return summarizeQuality(
    usable.map((r) => ({
      actual: r.actual,
      predicted: r.predicted!,
      ...(r.scores && { probabilities: r.scores }),
    })),
    'classification',
  );
}

export type { QualityMetrics };

function groupBy<T, K>(rows: readonly T[], key: (r: T) => K): Map<K, T[]> {
  const out = new Map<K, T[]>();
  for (const r of rows) {
    const k = key(r);
    const list = out.get(k);
    if (list) list.push(r);
    else out.set(k, [r]);
  }
  return out;
}
