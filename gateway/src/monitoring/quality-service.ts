import type { LabelledRow, MonitoringRepository } from '../db/monitoring-repository.js';
import type { QualityMetrics, QualityReport } from '../protocol/monitoring.js';
import type { InvocationLog } from './invocation-log.js';
import type { PredictionView } from './prediction-view.js';
import { classificationMetrics, regressionMetrics } from './quality/index.js';

export interface QualityQuery {
  from: Date;
  to: Date;
  version?: number;
  bucket: 'hour' | 'day';
}

const BUCKET_MS = { hour: 3_600_000, day: 86_400_000 } as const;

/**
 * Model quality from the labels that arrived, over a window of prediction times: the whole
 * window, each version in it, and each hour or day. Computed from the labelled predictions
 * themselves, so every figure is exactly scikit-learn's.
 */
export class QualityService {
  constructor(
    private readonly deps: {
      monitoring: MonitoringRepository;
      log: InvocationLog;
      /** How the live version's answers are read (task, classes). */
      view: (name: string, version?: number) => Promise<PredictionView>;
      /** Told of every report (the Prometheus gauges). */
      onReport?: (report: QualityReport) => void;
    },
  ) {}

  async report(name: string, q: QualityQuery): Promise<QualityReport> {
    await this.deps.log.flush();
    const [rows, view] = await Promise.all([
      this.deps.monitoring.labelled(name, q),
      this.deps.view(name, q.version),
    ]);
    const measure = (part: LabelledRow[]) => metricsOf(part, view.task);
    const byVersion = groupBy(rows, (r) => r.version);
    const size = BUCKET_MS[q.bucket];
    const byBucket = groupBy(rows, (r) => Math.floor(r.time.getTime() / size) * size);
    const report: QualityReport = {
      name,
      ...(q.version !== undefined && { version: q.version }),
      from: q.from.toISOString(),
      to: q.to.toISOString(),
      bucket: q.bucket,
      overall: measure(rows),
      versions: [...byVersion.entries()]
        .sort((a, b) => a[0] - b[0])
        .flatMap(([version, part]) => {
          const metrics = measure(part);
          return metrics ? [{ version, metrics }] : [];
        }),
      series: [...byBucket.entries()]
        .sort((a, b) => a[0] - b[0])
        .flatMap(([start, part]) => {
          const metrics = measure(part);
          return metrics ? [{ start: new Date(start).toISOString(), metrics }] : [];
        }),
    };
    this.deps.onReport?.(report);
    return report;
  }
}

/** Metrics of labelled rows; rows whose answer had no readable prediction are left out. */
export function metricsOf(
  rows: readonly LabelledRow[],
  task: PredictionView['task'],
): QualityMetrics | null {
  const usable = rows.filter((r) => r.predicted !== null);
  if (usable.length === 0 || task === null) return null;
  if (task === 'regression') {
    const numeric = usable.filter(
      (r): r is LabelledRow & { predicted: number; actual: number } =>
        typeof r.predicted === 'number' && typeof r.actual === 'number',
    );
    return numeric.length > 0 ? regressionMetrics(numeric) : null;
  }
  return classificationMetrics(
    usable.map((r) => ({
      actual: r.actual,
      predicted: r.predicted!,
      ...(r.scores && { probabilities: r.scores }),
    })),
  );
}

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
