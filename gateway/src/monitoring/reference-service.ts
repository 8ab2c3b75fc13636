import type { DeploymentRepository } from '../db/deployment-repository.js';
import type { MonitoringRepository } from '../db/monitoring-repository.js';
import { NotFoundError } from '../errors.js';
import type { InvocationLog } from './invocation-log.js';
import type { ReferenceSummary } from '../protocol/monitoring.js';
import type { RuntimeKind } from '../runtimes/types.js';
import { monitoredFeatures, PREDICTION_FEATURE } from './features.js';
import { predictionView } from './prediction-view.js';
import { countOf, merge, summarize, type ValueSummary } from './summaries/value-summary.js';
import { readTable, type ColumnSpec, type TableFormat } from './tables/index.js';

/**
 * A deployment's reference sample: a file with one column per watched feature of the live
 * version (a vector input's elements as `x[0]`, `x[1]`, …) and, optionally, `prediction`; read
 * on a thread, checked against the signature (a missing column or a value of the wrong type
 * is a 400 naming it), and kept as per-feature summaries only.
 */
export class ReferenceService {
  constructor(
    private readonly deps: {
      monitoring: MonitoringRepository;
      repo: DeploymentRepository;
      /** Flushed first: a reference from the first calls grows as they reach the database. */
      log: Pick<InvocationLog, 'flush'>;
      kindOf: (format: string) => RuntimeKind | undefined;
      onReference?: (name: string, rows: number) => void;
    },
  ) {}

  async upload(
    name: string,
    path: string,
    format: TableFormat,
    signal?: AbortSignal,
  ): Promise<ReferenceSummary> {
    const deployment = await this.deps.repo.get(name);
    if (!deployment) throw new NotFoundError(`deployment ${name}`);
    const live = deployment.live;
    const features = monitoredFeatures(live.signature);
    const view = predictionView(
      live.signature,
      live.config,
      this.deps.kindOf(live.format) ?? 'model',
    );
    const columns: ColumnSpec[] = features.map((f) => ({
      name: f.name,
      type: f.kind === 'numeric' ? 'number' : 'label',
      required: true,
    }));
    if (view.task !== null)
      columns.push({
        name: 'prediction',
        type: view.task === 'regression' ? 'number' : 'label',
        required: false,
      });
    const kinds = new Map(features.map((f) => [f.name, f.kind]));
    kinds.set('prediction', view.task === 'regression' ? 'numeric' : 'categorical');
    const profile: Record<string, ValueSummary> = {};
    let rows = 0;
    for await (const batch of readTable(path, { format, columns, signal })) {
      rows += batch.length;
      for (const c of columns) {
        const key = c.name === 'prediction' ? PREDICTION_FEATURE : c.name;
        const part = summarize(
          kinds.get(c.name)!,
          batch.map((r) => r[c.name] ?? null),
        );
        profile[key] = profile[key] ? merge(profile[key], part) : part;
      }
    }
    // A prediction column the file did not have holds only missing values: leave it out.
    if (profile[PREDICTION_FEATURE] && countOf(profile[PREDICTION_FEATURE]) === 0)
      delete profile[PREDICTION_FEATURE];
    const createdAt = await this.deps.monitoring.putReference(name, rows, profile);
    this.deps.onReference?.(name, rows);
    return summaryOf(name, { rows, source: 'upload', features: profile, createdAt });
  }

  async get(name: string): Promise<ReferenceSummary> {
    await this.deps.log.flush();
    const ref = await this.deps.monitoring.reference(name);
    if (!ref) throw new NotFoundError(`reference data of deployment ${name}`);
    return summaryOf(name, ref);
  }
}

function summaryOf(
  name: string,
  ref: {
    rows: number;
    source: 'upload' | 'first_calls';
    features: Record<string, ValueSummary>;
    createdAt: Date;
  },
): ReferenceSummary {
  return {
    name,
    rows: ref.rows,
    source: ref.source,
    createdAt: ref.createdAt.toISOString(),
    features: Object.entries(ref.features).map(([feature, s]) => ({
      name: feature === PREDICTION_FEATURE ? 'prediction' : feature,
      kind: s.k === 'c' ? 'categorical' : 'numeric',
      count: countOf(s),
    })),
  };
}
