/** Test support: monitoring reports as the gateway answers them, for the model and widget suites. */
import type { Metrics } from '../../gateway/src/protocol/index.js';
import { irisDetail } from './deployments.js';
import type {
  Alert,
  AlertRule,
  ClassificationMetrics,
  DriftReport,
  QualityReport,
  ReferenceSummary,
} from '../../gateway/src/protocol/monitoring.js';

/** iris's /metrics over an hour without calls. */
export const noTraffic = {
  name: 'iris',
  from: '2026-11-22T09:05:00.000Z',
  to: '2026-11-22T10:05:00.000Z',
  count: 0,
  errors: 0,
  serverErrors: 0,
  errorRate: 0,
  latencyMs: { p50: null, p95: null, p99: null, mean: null },
  ignoredFields: [],
  truncatedCalls: 0,
  series: [],
} as unknown as Metrics;

/** A three-class classifier's metrics from `labelled` labels. */
export function irisMetrics(accuracy: number, labelled: number): ClassificationMetrics {
  return {
    task: 'classification',
    labelled,
    accuracy,
    classes: ['setosa', 'versicolor', 'virginica'],
    perClass: [],
    macro: { precision: accuracy, recall: accuracy, f1: accuracy },
    rocAuc: null,
    logLoss: 0.25,
    confusionMatrix: [
      [5, 0, 0],
      [0, 4, 1],
      [0, 2, 3],
    ],
  };
}

/** The report of every version, or of one (`version`): v1 at 0.8, v2 at 0.9. */
export function qualityReport(version?: number): QualityReport {
  const base = {
    name: 'iris',
    from: '2026-11-21T10:00:00.000Z',
    to: '2026-11-22T10:00:00.000Z',
    bucket: 'hour' as const,
  };
  if (version === 1)
    return {
      ...base,
      version,
      overall: irisMetrics(0.8, 10),
      versions: [{ version: 1, metrics: irisMetrics(0.8, 10) }],
      series: [{ start: '2026-11-22T08:00:00.000Z', metrics: irisMetrics(0.8, 10) }],
    };
  if (version === 2)
    return {
      ...base,
      version,
      overall: irisMetrics(0.9, 10),
      versions: [{ version: 2, metrics: irisMetrics(0.9, 10) }],
      series: [{ start: '2026-11-22T09:00:00.000Z', metrics: irisMetrics(0.9, 10) }],
    };
  return {
    ...base,
    overall: irisMetrics(0.85, 20),
    versions: [
      { version: 1, metrics: irisMetrics(0.8, 10) },
      { version: 2, metrics: irisMetrics(0.9, 10) },
    ],
    series: [
      { start: '2026-11-22T08:00:00.000Z', metrics: irisMetrics(0.8, 10) },
      { start: '2026-11-22T09:00:00.000Z', metrics: irisMetrics(0.9, 10) },
    ],
  };
}

export const driftReport: DriftReport = {
  name: 'iris',
  from: '2026-11-21T10:00:00.000Z',
  to: '2026-11-22T10:00:00.000Z',
  referenceRows: 150,
  currentRows: 40,
  driftShare: 0.5,
  driftShareThreshold: 0.5,
  datasetDrift: true,
  features: [
    {
      name: 'petal_length',
      kind: 'numeric',
      method: 'ks',
      statistic: 0.62,
      pValue: 0.00001,
      threshold: 0.05,
      drift: true,
      psi: 1.7,
      referenceCount: 150,
      currentCount: 40,
      histogram: { edges: [1, 3, 5, 7], reference: [0.33, 0.33, 0.34], current: [0, 0.1, 0.9] },
    },
    {
      name: 'colour',
      kind: 'categorical',
      method: 'jensenshannon',
      statistic: 0.02,
      pValue: null,
      threshold: 0.1,
      drift: false,
      psi: 0.01,
      referenceCount: 150,
      currentCount: 40,
      histogram: { categories: ['red', 'blue'], reference: [0.5, 0.5], current: [0.45, 0.55] },
    },
  ],
  prediction: {
    name: 'output_label',
    kind: 'categorical',
    method: 'chisquare',
    statistic: 12.5,
    pValue: 0.002,
    threshold: 0.05,
    drift: true,
    psi: 0.8,
    referenceCount: 150,
    currentCount: 40,
    histogram: { categories: [0, 1, 2], reference: [0.33, 0.33, 0.34], current: [0.1, 0.2, 0.7] },
  },
};

export const accuracyRule: AlertRule = {
  id: 'r1',
  deployment: 'iris',
  name: 'accuracy floor',
  condition: { kind: 'quality', metric: 'accuracy', threshold: 0.9, minLabels: 10 },
  windowMinutes: 60,
  enabled: true,
  webhook: { url: 'https://hooks.example.test/slipway' },
  state: 'firing',
  lastValue: 0.85,
  lastEvaluatedAt: '2026-11-22T10:00:00.000Z',
  createdAt: '2026-11-22T09:00:00.000Z',
};

export const driftRule: AlertRule = {
  id: 'r2',
  deployment: 'iris',
  name: 'dataset drift',
  condition: { kind: 'drift' },
  windowMinutes: 1440,
  enabled: false,
  state: 'insufficient_data',
  lastValue: null,
  lastEvaluatedAt: null,
  createdAt: '2026-11-22T09:00:00.000Z',
};

export const alerts: Alert[] = [
  {
    id: 'a1',
    ruleId: 'r1',
    ruleName: 'accuracy floor',
    deployment: 'iris',
    state: 'resolved',
    value: 0.7,
    message: 'accuracy 0.7 < 0.9 over 12 labels',
    firedAt: '2026-11-22T08:00:00.000Z',
    resolvedAt: '2026-11-22T08:30:00.000Z',
  },
  {
    id: 'a2',
    ruleId: 'r1',
    ruleName: 'accuracy floor',
    deployment: 'iris',
    state: 'firing',
    value: 0.85,
    message: 'accuracy 0.85 < 0.9 over 20 labels',
    firedAt: '2026-11-22T09:55:00.000Z',
    resolvedAt: null,
  },
];

export const referenceSummary: ReferenceSummary = {
  name: 'iris',
  rows: 150,
  source: 'upload',
  createdAt: '2026-11-22T10:00:00.000Z',
  features: [
    { name: 'petal_length', kind: 'numeric', count: 150 },
    { name: 'colour', kind: 'categorical', count: 150 },
  ],
};

/** What a fake gateway was asked. */
export interface SeenRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  headers: Record<string, string>;
  body: string | null;
}

/**
 * A fetch answering the monitoring endpoints of `iris` from the fixtures above, recording
 * every request; other paths go to `other` (the traffic tab's endpoints in widget tests),
 * which by default answers only the deployment's detail: one version routed.
 */
export function monitoringFetch(
  seen: SeenRequest[] = [],
  other: (path: string, query: URLSearchParams) => unknown = (path) => {
    if (path === '/api/deployments/iris') return irisDetail();
    throw new Error(`unexpected ${path}`);
  },
): typeof fetch {
  return async (input, init) => {
    const url = new URL(String(input));
    const method = init?.method ?? 'GET';
    const headers = Object.fromEntries(new Headers(init?.headers).entries());
    const body =
      init?.body === undefined || init.body === null
        ? null
        : init.body instanceof Blob
          ? await init.body.text()
          : String(init.body);
    seen.push({
      method,
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      headers,
      body,
    });
    const json = (status: number, value: unknown) =>
      new Response(value === undefined ? null : JSON.stringify(value), { status });
    const p = url.pathname;
    const version = url.searchParams.get('version');
    if (p === '/api/deployments/iris/quality')
      return json(200, qualityReport(version ? Number(version) : undefined));
    if (p === '/api/deployments/iris/drift')
      return json(200, version ? { ...driftReport, version: Number(version) } : driftReport);
    if (p === '/api/deployments/iris/alerts') return json(200, { alerts });
    if (p === '/api/deployments/iris/alert-rules' && method === 'GET')
      return json(200, { rules: [accuracyRule, driftRule] });
    if (p === '/api/deployments/iris/alert-rules' && method === 'POST')
      return json(201, { ...accuracyRule, ...JSON.parse(body!), id: 'r3' });
    if (p.startsWith('/api/deployments/iris/alert-rules/') && method === 'PUT')
      return json(200, { ...accuracyRule, ...JSON.parse(body!), id: p.split('/').pop() });
    if (p.startsWith('/api/deployments/iris/alert-rules/') && method === 'DELETE')
      return new Response(null, { status: 204 });
    if (p === '/api/deployments/iris/feedback')
      return json(200, {
        accepted: 2,
        rejected: 1,
        items: [
          { id: 'c1', status: 'accepted', replaced: false },
          { id: 'c2', status: 'accepted', replaced: false },
          { id: 'nope', status: 'not_found', message: 'no prediction nope' },
        ],
      });
    if (p === '/api/deployments/iris/reference') return json(200, referenceSummary);
    if (p.startsWith('/api/deployments/missing/'))
      return json(404, { error: { code: 'not_found', message: 'no deployment missing' } });
    return json(200, other(p, url.searchParams));
  };
}
