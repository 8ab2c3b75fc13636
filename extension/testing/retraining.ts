/** Test support: the retraining loop as the gateway answers it, for the model and widget suites. */
import type {
  CanaryView,
  GateResult,
  RetrainRun,
  TrainerInfo,
  VersionTimeline,
} from '../../gateway/src/protocol/retraining.js';
import type { SeenRequest } from './monitoring.js';

export const RUN_ID = '1a2b3c4d-0000-4000-8000-000000000001';

export const gate: GateResult = {
  metric: 'accuracy',
  lowerIsBetter: false,
  liveVersion: 2,
  live: 0.9,
  candidate: 0.95,
  improvement: 0.05,
  margin: 0.01,
  n: 40,
  passed: true,
  reason: null,
  evaluatedAt: '2026-11-22T11:00:00.000Z',
};

export const canary: CanaryView = {
  version: 4,
  liveVersion: 2,
  percent: 10,
  startedAt: '2026-11-22T12:00:00.000Z',
  policy: {
    percent: 10,
    minCalls: 100,
    minLabels: 0,
    maxErrorRateIncrease: 0.02,
    maxLatencyRatio: 1.5,
    maxQualityDrop: 0.02,
  },
  metric: 'accuracy',
  status: 'running',
  analysis: {
    at: '2026-11-22T12:05:00.000Z',
    live: { version: 2, calls: 900, errorRate: 0.01, p95Ms: 12, labels: 30, quality: 0.9 },
    canary: { version: 4, calls: 60, errorRate: 0, p95Ms: 11, labels: 3, quality: 1 },
    verdict: 'wait',
    reasons: ['60 of 100 calls'],
  },
};

/** v4 a canary, v3 a candidate from retraining that passed its gate, v2 live, v1 previous. */
export function timeline(over: Partial<VersionTimeline> = {}): VersionTimeline {
  return {
    name: 'iris',
    versions: [
      {
        version: 4,
        format: 'onnx',
        state: 'canary',
        trafficPercent: 10,
        origin: { kind: 'upload', filename: 'iris-v4.onnx' },
        gate: null,
        createdAt: '2026-11-22T11:30:00.000Z',
        events: [
          { version: 4, kind: 'canary_started', at: '2026-11-22T12:00:00.000Z', detail: {} },
        ],
      },
      {
        version: 3,
        format: 'onnx',
        state: 'candidate',
        trafficPercent: null,
        origin: { kind: 'retraining', runId: RUN_ID, trigger: 'button' },
        gate,
        createdAt: '2026-11-22T11:00:00.000Z',
        events: [
          { version: 3, kind: 'candidate', at: '2026-11-22T11:00:00.000Z', detail: {} },
          { version: 3, kind: 'gate', at: '2026-11-22T11:00:01.000Z', detail: {} },
        ],
      },
      {
        version: 2,
        format: 'onnx',
        state: 'live',
        trafficPercent: 90,
        origin: { kind: 'upload', filename: 'iris.onnx' },
        gate: null,
        createdAt: '2026-11-22T10:05:00.000Z',
        events: [],
      },
      {
        version: 1,
        format: 'onnx',
        state: 'previous',
        trafficPercent: null,
        origin: { kind: 'upload', filename: null },
        gate: null,
        createdAt: '2026-11-22T10:00:00.000Z',
        events: [],
      },
    ],
    canary,
    ...over,
  };
}

/** A run of the button: finished, its candidate v3 waiting for a person to promote it. */
export function retrainRun(over: Partial<RetrainRun> = {}): RetrainRun {
  return {
    id: RUN_ID,
    deployment: 'iris',
    trigger: 'button',
    triggerDetail: null,
    status: 'succeeded',
    window: { from: '2026-11-21T11:00:00.000Z', to: '2026-11-22T11:00:00.000Z' },
    trainingRows: 160,
    holdoutRows: 40,
    parameters: {},
    liveVersion: 2,
    candidateVersion: 3,
    gate,
    decision: 'awaiting_promotion',
    error: null,
    log: [],
    createdAt: '2026-11-22T10:59:00.000Z',
    finishedAt: '2026-11-22T11:00:05.000Z',
    durationMs: 65_000,
    notebookUrl: `/api/deployments/iris/retrain-runs/${RUN_ID}/notebook`,
    ...over,
  };
}

export const failedRun: RetrainRun = retrainRun({
  id: '9f8e7d6c-0000-4000-8000-000000000002',
  trigger: 'alert',
  triggerDetail: 'accuracy floor',
  status: 'failed',
  candidateVersion: null,
  gate: null,
  decision: null,
  error: { code: 'trainer_failed', message: 'NameError in cell 3' },
  notebookUrl: null,
  createdAt: '2026-11-22T09:00:00.000Z',
});

export const trainer: TrainerInfo = {
  deployment: 'iris',
  filename: 'train.ipynb',
  artifactSha256: 'c',
  parameters: ['training_data_path', 'output_model_path'],
  trainingFile: null,
  createdAt: '2026-11-22T09:00:00.000Z',
};

export const executedNotebook = {
  nbformat: 4,
  nbformat_minor: 5,
  metadata: {},
  cells: [{ cell_type: 'code', source: 'print(1)', metadata: {}, outputs: [] }],
};

/** What the fake gateway answers; tests change it between requests. */
export interface RetrainingState {
  runs: RetrainRun[];
  trainer: TrainerInfo | null;
  timeline: VersionTimeline;
  /** A run already under way: `POST …/retrain` answers 409. */
  busy?: boolean;
}

/** A fetch answering the retraining endpoints of `iris` from `state`, recording every request. */
export function retrainingFetch(state: RetrainingState, seen: SeenRequest[] = []): typeof fetch {
  return async (input, init) => {
    const url = new URL(String(input));
    const method = init?.method ?? 'GET';
    const body = typeof init?.body === 'string' ? init.body : null;
    seen.push({
      method,
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      headers: Object.fromEntries(new Headers(init?.headers).entries()),
      body,
    });
    const json = (status: number, value: unknown) =>
      new Response(JSON.stringify(value), { status });
    const p = url.pathname.replace('/api/deployments/iris', '');
    if (p === '/versions') return json(200, state.timeline);
    if (/^\/versions\/\d+\/(promote|retire)$/.test(p)) return json(200, state.timeline);
    if (/^\/versions\/\d+\/canary$/.test(p)) return json(201, canary);
    if (p === '/canary') return json(200, { ...canary, status: 'rolled_back' });
    if (p === '/shadow')
      return json(200, {
        name: 'iris',
        liveVersion: 2,
        version: 3,
        sent: 0,
        dropped: 0,
        inFlight: 0,
      });
    if (p === '/rollback') return json(200, {});
    if (p === '/retrain') {
      if (state.busy)
        return json(409, {
          ...retrainRun({ status: 'skipped', candidateVersion: null, decision: null }),
          error: { code: 'already_running', message: 'a retraining run of iris is under way' },
        });
      const run = retrainRun({
        id: 'new-run',
        status: 'running',
        candidateVersion: null,
        decision: null,
        durationMs: null,
      });
      state.runs = [run, ...state.runs];
      return json(202, run);
    }
    if (p === '/retrain-runs') return json(200, { runs: state.runs });
    const cancel = /^\/retrain-runs\/([^/]+)\/cancel$/.exec(p);
    if (cancel) return json(200, retrainRun({ id: cancel[1], status: 'cancelled' }));
    if (/^\/retrain-runs\/[^/]+\/notebook$/.test(p)) return json(200, executedNotebook);
    if (p === '/trainer')
      return state.trainer
        ? json(200, state.trainer)
        : json(404, { error: { code: 'not_found', message: 'iris has no training notebook' } });
    return json(404, { error: { code: 'not_found', message: `no route ${url.pathname}` } });
  };
}
