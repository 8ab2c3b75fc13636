import { nullTranslator } from '@jupyterlab/translation';
import { describe, expect, it } from 'vitest';
import type { MonitoringEvent } from '../../gateway/src/protocol/monitoring.js';
import { GatewayClient } from '../client/gateway-client.js';
import {
  accuracyRule,
  alerts,
  driftReport,
  driftRule,
  monitoringFetch,
  qualityReport,
  referenceSummary,
  type SeenRequest,
} from '../testing/monitoring.js';
import {
  AlertsModel,
  describeCondition,
  draftOf,
  ruleInputOf,
  ruleProblems,
  sortAlerts,
} from './alert-rules.js';
import {
  blobFromContents,
  contentsFormatOf,
  dataContentTypeOf,
  feedbackMessage,
  referenceMessage,
} from './data-files.js';
import { DriftModel, driftRows, histogramSeries, PREDICTION_ROW } from './drift-model.js';
import { bucketLabel, formatFigure, windowRange } from './figures.js';
import { MONITOR_TABS, shouldPoll, StaleTabs, tabsAffectedBy } from './monitor-tabs.js';
import { metricValue } from '../../gateway/src/protocol/index.js';
import { figureTable, QualityModel, qualitySeries } from './quality-model.js';
import { singleFlight } from './remote-view.js';
import { routedVersionLabel, routedVersions } from './routed-versions.js';
import { irisDetail } from '../testing/deployments.js';

const trans = nullTranslator.load('slipway');
const NOW = new Date('2026-11-22T10:00:00.000Z');
const clientSeeing = (seen: SeenRequest[] = []) =>
  new GatewayClient(
    { baseUrl: 'http://gw.test', token: 't' },
    { trans, fetch: monitoringFetch(seen) },
  );

describe('the quality tab model', () => {
  it('fetches every version together, then each version for its own line', async () => {
    const seen: SeenRequest[] = [];
    const model = new QualityModel('iris', clientSeeing(seen), () => NOW);
    await model.refresh();
    expect(model.error).toBeNull();
    expect(seen.map((s) => s.query.version ?? 'all')).toEqual(['all', '2', '1']);
    expect(seen[0]!.query).toMatchObject({
      bucket: 'hour',
      from: '2026-11-21T10:00:00.000Z',
      to: NOW.toISOString(),
    });
    expect(model.metric).toBe('accuracy');
    const series = qualitySeries(model.value!, 'accuracy');
    expect(series.labels).toHaveLength(2);
    expect(series.lines).toEqual([
      { version: 1, data: [0.8, null] },
      { version: 2, data: [null, 0.9] },
    ]);

    seen.length = 0;
    await model.setWindow('7d');
    expect(seen[0]!.query).toMatchObject({ bucket: 'day', from: '2026-11-15T10:00:00.000Z' });
  });

  it('keeps a chosen figure only while the task has it', async () => {
    const model = new QualityModel('iris', clientSeeing(), () => NOW);
    model.setMetric('mae');
    expect(model.metric).toBe('mae');
    await model.refresh();
    expect(model.metric).toBe('accuracy');
    model.setMetric('f1_macro');
    expect(model.metric).toBe('f1_macro');
  });

  it('tabulates the figures per version with the labels behind them', () => {
    const table = figureTable(qualityReport())!;
    expect(table.versions).toEqual([2, 1]);
    expect(table.rows[0]).toEqual({ metric: 'accuracy', overall: 0.85, perVersion: [0.9, 0.8] });
    expect(table.labelled).toEqual({ overall: 20, perVersion: [10, 10] });
    expect(figureTable({ ...qualityReport(), overall: null })).toBeNull();
  });

  it('reads each figure of either task', () => {
    const regression = {
      task: 'regression' as const,
      labelled: 3,
      mae: 1,
      rmse: 2,
      r2: null,
      mape: 0.1,
    };
    expect(metricValue(regression, 'rmse')).toBe(2);
    expect(metricValue(regression, 'r2')).toBeNull();
    expect(metricValue(regression, 'accuracy')).toBeNull();
    expect(metricValue(qualityReport().overall, 'log_loss')).toBe(0.25);
  });

  it('keeps the last figures and says what failed', async () => {
    let down = false;
    const fetchOk = monitoringFetch();
    const client = new GatewayClient(
      { baseUrl: 'http://gw.test', token: 't' },
      { trans, fetch: (i, init) => (down ? Promise.reject(new TypeError('x')) : fetchOk(i, init)) },
    );
    const model = new QualityModel('iris', client, () => NOW);
    await model.refresh();
    down = true;
    await model.refresh();
    expect(model.error).toMatch(/not reachable/);
    expect(model.value?.report.overall?.labelled).toBe(20);
  });
});

describe('the drift tab model', () => {
  it('lists the features then the prediction, and selects one by its key', async () => {
    const model = new DriftModel('iris', clientSeeing(), () => NOW);
    expect(model.selected).toBeNull();
    await model.refresh();
    expect(driftRows(model.value!).map((f) => f.name)).toEqual([
      'petal_length',
      'colour',
      'output_label',
    ]);
    model.select('colour');
    expect(model.selected?.name).toBe('colour');
    model.select(PREDICTION_ROW);
    expect(model.selected).toEqual(driftReport.prediction);
    model.select('gone');
    expect(model.selected).toBeNull();
  });

  it('with one version routed, offers no choice and measures every call, as before', async () => {
    const seen: SeenRequest[] = [];
    const model = new DriftModel('iris', clientSeeing(seen), () => NOW);
    await model.refresh();
    expect(model.versions).toEqual([]);
    expect(model.version).toBeNull();
    expect(seen.map((s) => s.path)).toEqual([
      '/api/deployments/iris',
      '/api/deployments/iris/drift',
    ]);
    expect(seen[1]!.query).toEqual({ from: '2026-11-21T10:00:00.000Z', to: NOW.toISOString() });
  });

  it('with a split and a shadow, measures the live version unless another is chosen', async () => {
    const seen: SeenRequest[] = [];
    let detail = irisDetail({
      version: 3,
      traffic: { split: { '3': 90, '2': 10 }, sticky: null },
      shadow: { version: 1 },
    });
    const client = new GatewayClient(
      { baseUrl: 'http://gw.test', token: 't' },
      { trans, fetch: monitoringFetch(seen, () => detail) },
    );
    const model = new DriftModel('iris', client, () => NOW);
    const driftAsked = () => seen.filter((s) => s.path.endsWith('/drift')).map((s) => s.query);
    await model.refresh();
    expect(model.versions.map((r) => routedVersionLabel(r, trans))).toEqual([
      'v3 (live, 90%)',
      'v2 (split, 10%)',
      'v1 (shadow)',
    ]);
    expect(model.version).toBe(3);
    expect(driftAsked().at(-1)).toMatchObject({ version: '3' });
    expect(model.value?.version).toBe(3);

    await model.setVersion(1);
    expect(model.version).toBe(1);
    expect(driftAsked().at(-1)).toMatchObject({ version: '1' });

    // The shadow stopped: the choice falls back to the live version.
    detail = { ...detail, shadow: null };
    await model.refresh();
    expect(model.versions.map((r) => r.version)).toEqual([3, 2]);
    expect(model.version).toBe(3);
    expect(driftAsked().at(-1)).toMatchObject({ version: '3' });

    // The split ended too: one version again, every call measured, no version asked.
    detail = { ...detail, traffic: null };
    await model.refresh();
    expect(model.versions).toEqual([]);
    expect(driftAsked().at(-1)).not.toHaveProperty('version');
  });

  it('labels numeric bins as intervals and categories as they are', () => {
    expect(histogramSeries(driftReport.features[0]!.histogram).labels).toEqual([
      '[1, 3)',
      '[3, 5)',
      '[5, 7]',
    ]);
    expect(histogramSeries(driftReport.prediction!.histogram)).toEqual({
      labels: ['0', '1', '2'],
      reference: [0.33, 0.33, 0.34],
      current: [0.1, 0.2, 0.7],
    });
  });
});

describe('the alerts tab model', () => {
  it('fetches alerts (firing first) and rules; saving refreshes', async () => {
    const seen: SeenRequest[] = [];
    const model = new AlertsModel('iris', clientSeeing(seen));
    await model.refresh();
    expect(model.value!.alerts.map((a) => a.id)).toEqual(['a2', 'a1']);
    expect(model.value!.rules).toEqual([accuracyRule, driftRule]);
    seen.length = 0;
    await model.saveRule(ruleInputOf(draftOf(accuracyRule), accuracyRule), 'r1');
    await model.deleteRule('r2');
    expect(seen.map((s) => `${s.method} ${s.path}`)).toEqual([
      'PUT /api/deployments/iris/alert-rules/r1',
      'GET /api/deployments/iris/alerts',
      'GET /api/deployments/iris/alert-rules',
      'DELETE /api/deployments/iris/alert-rules/r2',
      'GET /api/deployments/iris/alerts',
      'GET /api/deployments/iris/alert-rules',
    ]);
  });

  it('sorts firing alerts first, newest first', () => {
    const older = { ...alerts[1]!, id: 'a0', firedAt: '2026-11-22T07:00:00.000Z' };
    expect(sortAlerts([alerts[0]!, older, alerts[1]!]).map((a) => a.id)).toEqual([
      'a2',
      'a0',
      'a1',
    ]);
  });

  it('turns a rule into the form and back', () => {
    const edited = draftOf(accuracyRule);
    // The secret is never returned: saving a rule with a webhook needs it again.
    expect(Object.keys(ruleProblems(edited, trans))).toEqual(['webhookSecret']);
    const draft = { ...edited, webhookSecret: '0123456789abcdef' };
    expect(draft).toMatchObject({
      name: 'accuracy floor',
      kind: 'quality',
      threshold: '0.9',
      minLabels: '10',
      windowMinutes: '60',
      webhookUrl: 'https://hooks.example.test/slipway',
      webhookSecret: '0123456789abcdef',
    });
    expect(ruleProblems(draft, trans)).toEqual({});
    expect(ruleInputOf(draft)).toEqual({
      name: 'accuracy floor',
      condition: accuracyRule.condition,
      windowMinutes: 60,
      enabled: true,
      webhook: { url: 'https://hooks.example.test/slipway', secret: '0123456789abcdef' },
    });
    expect(ruleInputOf(draftOf(driftRule)).condition).toEqual({ kind: 'drift' });
    expect(
      ruleInputOf(draftOf({ ...driftRule, version: 3 }), { ...driftRule, version: 3 }),
    ).toMatchObject({
      version: 3,
      enabled: false,
    });
    const errorRate = {
      ...draftOf(),
      name: 'errors',
      kind: 'error_rate' as const,
      errorRatePercent: '2.5',
    };
    expect(ruleInputOf(errorRate).condition).toEqual({ kind: 'error_rate', above: 0.025 });
    expect(
      draftOf({ ...driftRule, condition: { kind: 'error_rate', above: 0.025 } }).errorRatePercent,
    ).toBe('2.5');
  });

  it('names what is wrong with a draft, field by field', () => {
    const bad = {
      ...draftOf(),
      name: ' ',
      threshold: 'high',
      minLabels: '0',
      windowMinutes: '1.5',
      webhookUrl: 'ftp://x',
      webhookSecret: 'short',
    };
    expect(Object.keys(ruleProblems(bad, trans)).sort()).toEqual([
      'minLabels',
      'name',
      'threshold',
      'webhookSecret',
      'webhookUrl',
      'windowMinutes',
    ]);
    // A field of another kind is not checked.
    expect(ruleProblems({ ...draftOf(), name: 'x', kind: 'drift', threshold: '' }, trans)).toEqual(
      {},
    );
  });

  it('describes conditions in words, the error figures firing above', () => {
    expect(describeCondition(accuracyRule.condition, trans)).toBe(
      'accuracy below 0.9 (from 10 labels)',
    );
    expect(
      describeCondition({ kind: 'quality', metric: 'rmse', threshold: 3, minLabels: 5 }, trans),
    ).toBe('RMSE above 3 (from 5 labels)');
    expect(describeCondition({ kind: 'drift', feature: 'age' }, trans)).toBe('drift of age');
    expect(describeCondition({ kind: 'drift' }, trans)).toBe('dataset drift');
    expect(describeCondition({ kind: 'error_rate', above: 0.05 }, trans)).toBe(
      'error rate above 5%',
    );
    expect(describeCondition({ kind: 'latency_p95', aboveMs: 250 }, trans)).toBe(
      'p95 latency above 250 ms',
    );
    expect(describeCondition({ kind: 'traffic', below: 10 }, trans)).toBe('fewer than 10 calls');
  });
});

describe('live refresh', () => {
  const event = (e: MonitoringEvent) => e;

  it('maps each event to the tabs it makes stale', () => {
    expect(tabsAffectedBy(event({ type: 'feedback', deployment: 'iris', accepted: 1 }))).toEqual([
      'quality',
    ]);
    expect(tabsAffectedBy(event({ type: 'invocations', deployment: 'iris', count: 1 }))).toEqual([
      'traffic',
      'drift',
    ]);
    expect(tabsAffectedBy(event({ type: 'alert', alert: alerts[0]! }))).toEqual(['alerts']);
    expect(tabsAffectedBy(event({ type: 'reference', deployment: 'iris', rows: 3 }))).toEqual([
      'drift',
    ]);
    expect(
      tabsAffectedBy(event({ type: 'deployment', deployment: 'iris', change: 'rolled_back' })),
    ).toEqual([...MONITOR_TABS]);
    expect(tabsAffectedBy(event({ type: 'versions', deployment: 'iris' }))).toEqual([
      'traffic',
      'drift',
      'versions',
    ]);
  });

  it('refreshes the shown tab now and the others when shown', () => {
    const stale = new StaleTabs();
    const calls = { type: 'invocations', deployment: 'iris', count: 4 } as const;
    expect(stale.onEvent(calls, 'drift')).toEqual(['drift']);
    expect(stale.take('traffic')).toBe(true);
    expect(stale.take('traffic')).toBe(false);
    expect(stale.take('drift')).toBe(false);
    expect(stale.onEvent(calls, null)).toEqual([]);
    expect(stale.has('drift')).toBe(true);
    expect(stale.onOpen('alerts')).toEqual(['alerts']);
    expect(['traffic', 'quality', 'drift'].every((t) => stale.has(t as never))).toBe(true);
    expect(stale.has('alerts')).toBe(false);
  });

  it('polls traffic always, the report tabs only without a stream and at their pace', () => {
    const plan = { refreshSeconds: 2, reportSeconds: 30 };
    const at = (s: number) => new Date(NOW.getTime() + s * 1000);
    expect(shouldPoll('traffic', { live: true, refreshedAt: NOW, now: at(1) }, plan)).toBe(true);
    expect(shouldPoll('quality', { live: true, refreshedAt: null, now: at(1) }, plan)).toBe(false);
    expect(shouldPoll('quality', { live: false, refreshedAt: null, now: at(1) }, plan)).toBe(true);
    expect(shouldPoll('drift', { live: false, refreshedAt: NOW, now: at(10) }, plan)).toBe(false);
    expect(shouldPoll('drift', { live: false, refreshedAt: NOW, now: at(30) }, plan)).toBe(true);
  });

  it('merges refreshes asked for while one runs into one more', async () => {
    const resolvers: (() => void)[] = [];
    let runs = 0;
    const refresh = singleFlight(() => {
      runs++;
      return new Promise<void>((r) => resolvers.push(r));
    });
    const first = refresh();
    const second = refresh();
    const third = refresh();
    expect(second).toBe(third);
    expect(runs).toBe(1);
    resolvers[0]!();
    await first;
    await Promise.resolve();
    expect(runs).toBe(2);
    resolvers[1]!();
    await second;
    expect(runs).toBe(2);
  });
});

describe('data files', () => {
  it('knows the three formats by extension, and how to read each', () => {
    expect(dataContentTypeOf('labels/Day 1.CSV')).toBe('text/csv');
    expect(dataContentTypeOf('x.jsonl')).toBe('application/x-ndjson');
    expect(dataContentTypeOf('x.parquet')).toBe('application/vnd.apache.parquet');
    expect(dataContentTypeOf('x.json')).toBeNull();
    expect(contentsFormatOf('application/vnd.apache.parquet')).toBe('base64');
    expect(contentsFormatOf('text/csv')).toBe('text');
  });

  it('turns base64 and text contents into the bytes', async () => {
    const parquet = blobFromContents('UEFS\nMQ==', 'base64', 'application/vnd.apache.parquet');
    expect(new Uint8Array(await parquet.arrayBuffer())).toEqual(
      new Uint8Array([0x50, 0x41, 0x52, 0x31]),
    );
    expect(parquet.type).toBe('application/vnd.apache.parquet');
    expect(await blobFromContents('id,actual\né,1\n', 'text', 'text/csv').text()).toBe(
      'id,actual\né,1\n',
    );
  });

  it('says what became of the upload', () => {
    expect(feedbackMessage('iris', { accepted: 5, rejected: 0 }, trans)).toBe(
      'Ground truth for iris: 5 accepted, 0 rejected.',
    );
    expect(
      feedbackMessage(
        'iris',
        {
          accepted: 1,
          rejected: 1,
          items: [
            { id: 'a', status: 'accepted', replaced: false },
            { id: 'b', status: 'invalid', message: 'not a class' },
          ],
        },
        trans,
      ),
    ).toBe('Ground truth for iris: 1 accepted, 1 rejected. First rejected: b (not a class)');
    expect(referenceMessage(referenceSummary, trans)).toBe(
      'Reference for iris: 150 rows, 2 features.',
    );
  });
});

describe('figures', () => {
  it('formats for tables', () => {
    expect(formatFigure(null)).toBe('–');
    expect(formatFigure(0.123456)).toBe('0.123');
    expect(formatFigure(0.00001)).toBe('1.00e-5');
    expect(formatFigure(42)).toBe('42');
    expect(formatFigure(1234.5678)).toBe('1230');
  });

  it('labels buckets and computes windows', () => {
    const local = new Date(2026, 10, 22, 9, 0);
    expect(bucketLabel(local.toISOString(), 'hour')).toBe('11-22 09:00');
    expect(bucketLabel(local.toISOString(), 'day')).toBe('2026-11-22');
    expect(windowRange('1h', NOW).from.toISOString()).toBe('2026-11-22T09:00:00.000Z');
  });
});

describe('the versions a deployment routes calls to', () => {
  it('is the live version alone without a split or a shadow, or from an older gateway', () => {
    const only = [{ version: 2, role: 'live', percent: null }];
    expect(routedVersions(irisDetail())).toEqual(only);
    const { traffic: _t, shadow: _s, ...older } = irisDetail();
    expect(routedVersions(older)).toEqual(only);
  });

  it('lists the live version, the split by version, then the shadow', () => {
    const routed = routedVersions(
      irisDetail({
        version: 4,
        traffic: { split: { '3': 10, '4': 80, '2': 10 }, sticky: 'x-user' },
        shadow: { version: 1 },
      }),
    );
    expect(routed).toEqual([
      { version: 4, role: 'live', percent: 80 },
      { version: 2, role: 'split', percent: 10 },
      { version: 3, role: 'split', percent: 10 },
      { version: 1, role: 'shadow', percent: null },
    ]);
    // A split that leaves the live version out: it still answers calls that name it.
    expect(
      routedVersions(irisDetail({ traffic: { split: { '1': 100 }, sticky: null } })).map((r) =>
        routedVersionLabel(r, trans),
      ),
    ).toEqual(['v2 (live)', 'v1 (split, 100%)']);
  });
});
