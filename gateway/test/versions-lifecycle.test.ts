import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DeploymentRepository } from '../src/db/deployment-repository.js';
import { retrainRuns } from '../src/db/schema.js';
import { canaryVerdict } from '../src/deployments/canary-verdict.js';
import { DEFAULT_CANARY as DEFAULT_CANARY_POLICY } from '../src/retraining/policy.js';
import type {
  CanarySide,
  CanaryView,
  GateResult,
  RetrainingPolicy,
  VersionTimeline,
  VersionTimelineEntry,
} from '../src/protocol/retraining.js';
import { sharedTestDatabase } from './support/databases.js';
import { publishForm, startTestGateway, type TestGateway } from './support/test-gateway.js';

// Three real ONNX models: a logistic regression (live), a gradient-boosted classifier that
// answers 5 of the same 16 records differently, and a regressor whose input the others' records
// do not have (every call to it fails).
const LOGISTIC = 'spark_logistic';
const GBT = 'spark_gbt_classifier';
const REGRESSOR = 'regressor_gbr';

const fixture = (name: string) => new URL(`./fixtures/onnx/${name}`, import.meta.url);

interface Expected {
  records: Record<string, unknown>[];
  predictions: { prediction: number }[];
}

const database = sharedTestDatabase();
let gw: TestGateway;
let invokeKey: string;
let records: Record<string, unknown>[];
/** The logistic model's answers: the ground truth the labels say. */
let truth: number[];
/** What the split's next draw returns. */
let draw: () => number;

beforeEach(async () => {
  draw = alternate();
  gw = await startTestGateway({ database: database(), random: () => draw() });
  const expected: Expected = JSON.parse(
    await readFile(fixture(`${LOGISTIC}.expected.json`), 'utf8'),
  );
  records = expected.records;
  truth = expected.predictions.map((p) => p.prediction);
});
afterEach(async () => {
  await gw.stop();
});

/** Draws that alternate between the first and the second half of the buckets. */
function alternate(): () => number {
  let i = 0;
  return () => (i++ % 2 === 0 ? 0.25 : 0.75);
}

/** How the monitor reads the two classifiers' answers: `prediction` is the class, 0 or 1. */
const CLASSIFIER_CONFIG = {
  monitoring: { prediction: '/prediction', task: 'classification', classes: [0, 1] },
};

async function publish(model: string): Promise<number> {
  const res = await gw.admin('/api/deployments', {
    method: 'POST',
    body: publishForm(
      {
        name: 'churn',
        // The classifiers and the regressor answer differently: each is meant as churn's next version.
        allowSignatureChange: 'true',
        ...(model !== REGRESSOR && { config: JSON.stringify(CLASSIFIER_CONFIG) }),
      },
      { bytes: await readFile(fixture(`${model}.onnx`)), filename: `${model}.onnx` },
    ),
  });
  expect(res.status).toBe(201);
  const body = await res.json();
  if (body.invokeKey) invokeKey = body.invokeKey;
  return body.version;
}

/**
 * Adds a candidate version as a retraining run does: beside live, not live, from a run row.
 * The model's file must already be stored (published once as an earlier version).
 */
async function addCandidate(model: string): Promise<number> {
  const repo = new DeploymentRepository(gw.database.db);
  const published = (await repo.versions('churn')).find((v) => v.filename === `${model}.onnx`)!;
  const runId = randomUUID();
  const now = new Date();
  await gw.database.db.insert(retrainRuns).values({
    id: runId,
    deploymentName: 'churn',
    trigger: 'alert',
    status: 'succeeded',
    windowFrom: new Date(now.getTime() - 3_600_000),
    windowTo: now,
    parameters: {},
    liveVersion: (await repo.get('churn'))!.liveVersion,
    log: [],
  });
  const version = await repo.addCandidate({
    name: 'churn',
    format: published.format,
    artifactSha256: published.artifactSha256,
    artifactSize: published.artifactSize,
    filename: `${model}.onnx`,
    config: published.config,
    signature: published.signature,
    retrainRunId: runId,
  });
  return version!;
}

const send = (method: string, path: string, body?: unknown) => gw.send(method, path, body);

async function timeline(): Promise<VersionTimeline> {
  const res = await gw.admin('/api/deployments/churn/versions');
  expect(res.status).toBe(200);
  return res.json();
}

const entry = (t: VersionTimeline, version: number): VersionTimelineEntry =>
  t.versions.find((v) => v.version === version)!;

/** One call of every record; answers which version served it and the prediction ids. */
async function call(): Promise<{ version: number; status: number; ids: string[] }> {
  const res = await gw.app.request('/fn/churn', {
    method: 'POST',
    headers: { authorization: `Bearer ${invokeKey}`, 'content-type': 'application/json' },
    body: JSON.stringify(records),
  });
  const body = await res.json();
  return {
    version: Number(res.headers.get('x-slipway-version')),
    status: res.status,
    ids: body.ids ?? [],
  };
}

async function callsUntil(count: number): Promise<Map<number, number>> {
  const served = new Map<number, number>();
  for (let i = 0; i < count; i++) {
    const { version } = await call();
    served.set(version, (served.get(version) ?? 0) + 1);
  }
  return served;
}

async function startCanary(version: number, body: unknown): Promise<CanaryView> {
  const res = await send('POST', `/api/deployments/churn/versions/${version}/canary`, body);
  expect(res.status).toBe(201);
  return res.json();
}

async function analyze(): Promise<CanaryView> {
  const res = await send('POST', '/api/deployments/churn/canary/analyze');
  expect(res.status).toBe(200);
  return res.json();
}

describe('GET /api/deployments/:name/versions', () => {
  it('says where each version stands, its share, origin and history, newest first', async () => {
    expect(await publish(LOGISTIC)).toBe(1);
    expect(await publish(GBT)).toBe(2);
    expect(await publish(REGRESSOR)).toBe(3);
    expect(await publish(LOGISTIC)).toBe(4);
    expect(await addCandidate(GBT)).toBe(5);
    expect((await send('PUT', '/api/deployments/churn/shadow', { version: 1 })).status).toBe(200);
    expect((await send('POST', '/api/deployments/churn/versions/3/retire')).status).toBe(200);
    const canary = await startCanary(2, { percent: 20 });
    expect(canary).toMatchObject({
      version: 2,
      liveVersion: 4,
      percent: 20,
      status: 'running',
      metric: 'accuracy',
      policy: { ...DEFAULT_CANARY_POLICY, percent: 20 },
      analysis: null,
    });

    const t = await timeline();
    expect(t.name).toBe('churn');
    expect(t.versions.map((v) => [v.version, v.state, v.trafficPercent])).toEqual([
      [5, 'candidate', null],
      [4, 'live', 80],
      [3, 'retired', null],
      [2, 'canary', 20],
      [1, 'shadow', null],
    ]);
    expect(entry(t, 5).origin).toEqual({
      kind: 'retraining',
      runId: expect.any(String),
      trigger: 'alert',
    });
    expect(entry(t, 4).origin).toEqual({ kind: 'upload', filename: `${LOGISTIC}.onnx` });
    expect(entry(t, 4).format).toBe('onnx');
    expect(entry(t, 5).events).toEqual([]);
    expect(entry(t, 4).events).toEqual([
      {
        version: 4,
        kind: 'published',
        at: expect.any(String),
        detail: { by: 'manual', previous: 3 },
      },
    ]);
    expect(entry(t, 3).events.map((e) => e.kind)).toEqual(['published', 'retired']);
    expect(entry(t, 2).events.map((e) => e.kind)).toEqual(['published', 'canary_started']);
    expect(entry(t, 2).events[1]!.detail).toMatchObject({ liveVersion: 4, percent: 20 });
    expect(entry(t, 1).events[0]!.detail).toEqual({ by: 'manual', previous: null });
    expect(t.canary).toEqual(canary);
    expect(await (await gw.admin('/api/deployments/churn/canary')).json()).toEqual(canary);

    // Stopped by hand: live answers every call again, the version is not retired.
    const stopped = await send('DELETE', '/api/deployments/churn/canary');
    expect(stopped.status).toBe(200);
    expect((await stopped.json()).status).toBe('rolled_back');
    const after = await timeline();
    expect(entry(after, 2).state).toBe('previous');
    expect(entry(after, 4).trafficPercent).toBeNull();
    expect(entry(after, 2).events.at(-1)).toMatchObject({
      kind: 'canary_rolled_back',
      detail: { by: 'manual', reason: 'stopped by hand', liveVersion: 4 },
    });
    expect(after.canary?.status).toBe('rolled_back');
    expect((await gw.admin('/api/deployments/churn/traffic').then((r) => r.json())).split).toBe(
      null,
    );
    expect((await send('DELETE', '/api/deployments/churn/canary')).status).toBe(409);
  });

  it('announces changes on the event stream, so that a monitor refreshes', async () => {
    await publish(LOGISTIC);
    await publish(GBT);
    const res = await gw.admin('/api/events?deployment=churn');
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    let text = '';
    // The stream is open once its first bytes arrived.
    while (!text.includes(': connected')) text += decoder.decode((await reader.read()).value);
    expect((await send('POST', '/api/deployments/churn/versions/1/retire')).status).toBe(200);
    while (!text.includes('event: versions')) text += decoder.decode((await reader.read()).value);
    expect(text).toContain('data: {"type":"versions","deployment":"churn"}');
    await reader.cancel();
  });

  it('answers 404 naming an unknown deployment, and 401 without the admin token', async () => {
    const res = await gw.admin('/api/deployments/nope/versions');
    expect(res.status).toBe(404);
    expect((await res.json()).error.message).toMatch(/deployment nope/);
    for (const [method, path] of [
      ['GET', '/api/deployments/churn/versions'],
      ['POST', '/api/deployments/churn/versions/1/promote'],
      ['POST', '/api/deployments/churn/versions/1/retire'],
      ['POST', '/api/deployments/churn/versions/1/canary'],
      ['GET', '/api/deployments/churn/canary'],
      ['POST', '/api/deployments/churn/canary/analyze'],
      ['DELETE', '/api/deployments/churn/canary'],
    ] as const)
      expect((await gw.app.request(path, { method })).status, `${method} ${path}`).toBe(401);
  });

  it('is in the OpenAPI document', async () => {
    const doc = await (await gw.admin('/api/openapi.json')).json();
    for (const [path, method] of [
      ['/api/deployments/{name}/versions', 'get'],
      ['/api/deployments/{name}/versions/{version}/promote', 'post'],
      ['/api/deployments/{name}/versions/{version}/retire', 'post'],
      ['/api/deployments/{name}/versions/{version}/canary', 'post'],
      ['/api/deployments/{name}/canary', 'get'],
      ['/api/deployments/{name}/canary', 'delete'],
      ['/api/deployments/{name}/canary/analyze', 'post'],
    ])
      expect(doc.paths[path]?.[method], `${method} ${path}`).toBeDefined();
  });
});

describe('promote and retire', () => {
  beforeEach(async () => {
    await publish(LOGISTIC);
    await publish(GBT);
  });

  it('promotes a candidate: live, no longer a candidate, recorded, answering the calls', async () => {
    const candidate = await addCandidate(LOGISTIC);
    const res = await send('POST', `/api/deployments/churn/versions/${candidate}/promote`);
    expect(res.status).toBe(200);
    const t: VersionTimeline = await res.json();
    expect(entry(t, candidate).state).toBe('live');
    expect(entry(t, candidate).events).toEqual([
      {
        version: 3,
        kind: 'promoted',
        at: expect.any(String),
        detail: { by: 'manual', previous: 2 },
      },
    ]);
    expect(entry(t, 2).state).toBe('previous');
    expect((await call()).version).toBe(candidate);
    const stage = (await new DeploymentRepository(gw.database.db).version('churn', candidate))!
      .stage;
    expect(stage).toBeNull();
  });

  it('refuses unknown versions (404), the live version and retired ones (409), each named', async () => {
    const unknown = await send('POST', '/api/deployments/churn/versions/9/promote');
    expect(unknown.status).toBe(404);
    expect((await unknown.json()).error.message).toBe('version 9 of deployment churn not found');
    expect((await send('POST', '/api/deployments/nope/versions/1/promote')).status).toBe(404);
    expect((await send('POST', '/api/deployments/churn/versions/9/retire')).status).toBe(404);

    const live = await send('POST', '/api/deployments/churn/versions/2/promote');
    expect(live.status).toBe(409);
    expect((await live.json()).error).toMatchObject({
      code: 'already_live',
      message: expect.stringMatching(/version 2 is already the live version/),
    });
    const retireLive = await send('POST', '/api/deployments/churn/versions/2/retire');
    expect(retireLive.status).toBe(409);
    expect((await retireLive.json()).error.message).toMatch(/version 2 is the live version/);

    expect((await send('POST', '/api/deployments/churn/versions/1/retire')).status).toBe(200);
    // Retiring again changes nothing.
    const again: VersionTimeline = await (
      await send('POST', '/api/deployments/churn/versions/1/retire')
    ).json();
    expect(entry(again, 1).events.map((e) => e.kind)).toEqual(['published', 'retired']);
    const retired = await send('POST', '/api/deployments/churn/versions/1/promote');
    expect(retired.status).toBe(409);
    expect((await retired.json()).error).toMatchObject({
      code: 'version_retired',
      message: expect.stringMatching(/version 1 of deployment churn is retired/),
    });
    const canary = await send('POST', '/api/deployments/churn/versions/1/canary', {});
    expect(canary.status).toBe(409);
    expect((await send('POST', '/api/deployments/churn/versions/2/canary')).status).toBe(409);
  });

  it('answers 400 naming the bad field', async () => {
    for (const [path, body, field] of [
      ['/api/deployments/churn/versions/abc/promote', undefined, 'version'],
      ['/api/deployments/churn/versions/0/retire', undefined, 'version'],
      ['/api/deployments/churn/versions/1/canary', { percent: 0 }, 'percent'],
      ['/api/deployments/churn/versions/1/canary', { percent: 100 }, 'percent'],
      ['/api/deployments/churn/versions/1/canary', { minCalls: 1.5 }, 'minCalls'],
      [
        '/api/deployments/churn/versions/1/canary',
        { maxErrorRateIncrease: 2 },
        'maxErrorRateIncrease',
      ],
      ['/api/deployments/churn/versions/1/canary', { metric: 'luck' }, 'metric'],
    ] as const) {
      const res = await send('POST', path, body);
      expect(res.status, `${path} ${JSON.stringify(body)}`).toBe(400);
      expect((await res.json()).error.message).toMatch(new RegExp(`^${field}: `));
    }
    const typo = await send('POST', '/api/deployments/churn/versions/1/canary', { percnt: 5 });
    expect(typo.status).toBe(400);
    expect((await typo.json()).error.message).toMatch(/percnt/);
    expect((await gw.admin('/api/deployments/churn/canary')).status).toBe(404);
    expect((await send('POST', '/api/deployments/churn/canary/analyze')).status).toBe(404);
  });

  it('takes a retired version out of the split and the shadow', async () => {
    await publish(LOGISTIC);
    await send('PUT', '/api/deployments/churn/traffic', { '1': 30, '2': 30, '3': 40 });
    await send('PUT', '/api/deployments/churn/shadow', { version: 2 });
    await send('POST', '/api/deployments/churn/versions/2/retire');
    const traffic = await (await gw.admin('/api/deployments/churn/traffic')).json();
    expect(traffic.split).toEqual({ '1': 30, '3': 70 });
    expect((await (await gw.admin('/api/deployments/churn/shadow')).json()).version).toBeNull();
    await send('POST', '/api/deployments/churn/versions/1/retire');
    expect((await (await gw.admin('/api/deployments/churn/traffic')).json()).split).toBeNull();
  });
});

describe('a canary', () => {
  beforeEach(async () => {
    await publish(GBT);
    await publish(REGRESSOR);
    await publish(LOGISTIC);
  });

  it('waits below minCalls, then is promoted when it does as well as live', async () => {
    const candidate = await addCandidate(LOGISTIC);
    // Latency is not what this test is about: a loaded machine's jitter must not decide.
    await startCanary(candidate, { percent: 50, minCalls: 10, maxLatencyRatio: 1000 });
    expect(await callsUntil(8)).toEqual(
      new Map([
        [3, 4],
        [candidate, 4],
      ]),
    );
    const waiting = await analyze();
    expect(waiting.status).toBe('running');
    expect(waiting.analysis).toMatchObject({
      verdict: 'wait',
      reasons: ['the canary answered 4 of the 10 calls needed'],
      live: { version: 3, calls: 4, errorRate: 0 },
      canary: { version: candidate, calls: 4, errorRate: 0 },
    });
    expect((await timeline()).versions[0]!.state).toBe('canary');

    await callsUntil(12);
    const promoted = await analyze();
    expect(promoted.status).toBe('promoted');
    expect(promoted.analysis).toMatchObject({
      verdict: 'promote',
      live: { calls: 10, errorRate: 0 },
      canary: { calls: 10, errorRate: 0 },
    });
    const t = await timeline();
    expect(entry(t, candidate).state).toBe('live');
    expect(entry(t, 3).state).toBe('previous');
    const decision = entry(t, candidate).events.at(-1)!;
    expect(decision).toMatchObject({
      kind: 'canary_promoted',
      detail: { by: 'canary', previous: 3, analysis: { verdict: 'promote' } },
    });
    expect(t.canary?.status).toBe('promoted');
    expect(await callsUntil(4)).toEqual(new Map([[candidate, 4]]));
    // An ended canary is answered as it is.
    expect(await analyze()).toEqual(promoted);
  });

  it('is rolled back and retired when it fails more calls than live', async () => {
    const candidate = await addCandidate(REGRESSOR);
    await startCanary(candidate, { percent: 50, minCalls: 3, maxLatencyRatio: 1000 });
    // A failed call's answer names no version: the log says which version failed.
    const statuses = [];
    for (let i = 0; i < 6; i++) statuses.push((await call()).status);
    expect(statuses).toEqual([200, 400, 200, 400, 200, 400]);
    const rolledBack = await analyze();
    expect(rolledBack.status).toBe('rolled_back');
    expect(rolledBack.analysis).toMatchObject({
      verdict: 'roll_back',
      reasons: [expect.stringMatching(/^error rate 100% against live's 0%/)],
      live: { calls: 3, errorRate: 0 },
      canary: { calls: 3, errorRate: 1 },
    });
    const t = await timeline();
    expect(entry(t, candidate).state).toBe('retired');
    expect(entry(t, 3).trafficPercent).toBeNull();
    expect(entry(t, candidate).events.map((e) => e.kind)).toEqual([
      'canary_started',
      'canary_rolled_back',
    ]);
    expect(entry(t, candidate).events[1]!.detail).toMatchObject({
      by: 'canary',
      liveVersion: 3,
      analysis: { canary: { errorRate: 1 } },
    });
    expect(await callsUntil(4)).toEqual(new Map([[3, 4]]));
  });

  it('is rolled back when its labelled predictions are worse than live', async () => {
    const candidate = await addCandidate(GBT);
    await startCanary(candidate, {
      percent: 50,
      minCalls: 1,
      minLabels: records.length,
      maxQualityDrop: 0.05,
      maxLatencyRatio: 1000,
    });
    const liveCall = await call();
    const canaryCall = await call();
    expect([liveCall.version, canaryCall.version]).toEqual([3, candidate]);
    const waiting = await analyze();
    expect(waiting.analysis).toMatchObject({
      verdict: 'wait',
      reasons: ['the canary has 0 of the 16 labels needed', 'live has 0 of the 16 labels needed'],
    });
    // The same ground truth for both sides' answers to the same records.
    const labels = [liveCall, canaryCall].flatMap((c) =>
      c.ids.map((id, i) => ({ id, actual: truth[i] })),
    );
    const fed = await gw.app.request('/fn/churn/feedback', {
      method: 'POST',
      headers: { authorization: `Bearer ${invokeKey}`, 'content-type': 'application/json' },
      body: JSON.stringify(labels),
    });
    expect(fed.status).toBe(200);
    const fedBody = await fed.json();
    expect(fedBody.accepted).toBe(32);

    const rolledBack = await analyze();
    expect(rolledBack.status).toBe('rolled_back');
    expect(rolledBack.analysis).toMatchObject({
      verdict: 'roll_back',
      reasons: [expect.stringMatching(/^accuracy 0\.6875 against live's 1 /)],
      live: { labels: 16, quality: 1 },
      canary: { labels: 16, quality: 0.6875 },
    });
    expect(entry(await timeline(), candidate).state).toBe('retired');
  });

  it('ends when a publish or a rollback changes live, and both are recorded', async () => {
    await startCanary(1, { percent: 10 });
    expect(await publish(LOGISTIC)).toBe(4);
    let t = await timeline();
    expect(t.canary?.status).toBe('rolled_back');
    expect(entry(t, 1).state).toBe('previous');
    expect(entry(t, 1).events.at(-1)).toMatchObject({
      kind: 'canary_rolled_back',
      detail: { by: 'manual', reason: 'version 4 was made live by a publish' },
    });
    expect(entry(t, 4).events).toMatchObject([
      { kind: 'published', detail: { by: 'manual', previous: 3 } },
    ]);

    await startCanary(1, { percent: 10 });
    expect((await send('POST', '/api/deployments/churn/rollback', { version: 2 })).status).toBe(
      200,
    );
    t = await timeline();
    expect(t.canary?.status).toBe('rolled_back');
    expect(entry(t, 2).state).toBe('live');
    expect(entry(t, 2).events.at(-1)).toMatchObject({
      kind: 'rolled_back',
      detail: { by: 'manual', previous: 4 },
    });
    expect(entry(t, 1).events.at(-1)!.detail.reason).toBe('version 2 was made live by a rollback');
  });

  it("takes what a start leaves out from the deployment's retraining policy", async () => {
    const put = await send('PUT', '/api/deployments/churn/retraining', {
      metric: 'f1_macro',
      canary: { percent: 30, minCalls: 7 },
    });
    expect(put.status).toBe(200);
    expect(await startCanary(1, { minLabels: 5 })).toMatchObject({
      percent: 30,
      metric: 'f1_macro',
      policy: { ...DEFAULT_CANARY_POLICY, percent: 30, minCalls: 7, minLabels: 5 },
    });
  });

  it('refuses a second canary while one runs, and ends when the split is changed by hand', async () => {
    await startCanary(1, {});
    const second = await send('POST', '/api/deployments/churn/versions/2/canary', {});
    expect(second.status).toBe(409);
    expect((await second.json()).error.message).toMatch(
      /already has a canary running \(version 1\)/,
    );
    expect((await send('DELETE', '/api/deployments/churn/traffic')).status).toBe(200);
    const ended = await analyze();
    expect(ended.status).toBe('rolled_back');
    expect(entry(await timeline(), 1).events.at(-1)).toMatchObject({
      kind: 'canary_rolled_back',
      detail: { by: 'manual', reason: 'the traffic split no longer sends calls to version 1' },
    });
  });
});

describe('a gated candidate', () => {
  const gate = (passed: boolean): GateResult => ({
    metric: 'accuracy',
    lowerIsBetter: false,
    liveVersion: 3,
    live: 0.8,
    candidate: passed ? 0.9 : 0.7,
    improvement: passed ? 0.1 : -0.1,
    margin: 0,
    n: 40,
    passed,
    reason: passed ? null : 'worse than live',
    evaluatedAt: new Date().toISOString(),
  });
  const policy = (promotion: RetrainingPolicy['promotion']): RetrainingPolicy => ({
    promotion,
    metric: null,
    margin: 0,
    windowHours: 24,
    holdoutFraction: 0.2,
    timeoutSeconds: 600,
    allowSignatureChange: false,
    canary: { ...DEFAULT_CANARY_POLICY, percent: 25 },
    schedule: null,
    parameters: {},
  });

  beforeEach(async () => {
    await publish(GBT);
    await publish(REGRESSOR);
    await publish(LOGISTIC);
  });

  it('is recorded with its gate, and promoted, tried or left as the policy says', async () => {
    const failed = await addCandidate(GBT);
    expect(await gw.versions.candidateGated('churn', failed, gate(false), policy('auto'))).toBe(
      'not_promoted',
    );
    const manual = await addCandidate(GBT);
    expect(await gw.versions.candidateGated('churn', manual, gate(true), policy('manual'))).toBe(
      'awaiting_promotion',
    );
    let t = await timeline();
    expect(entry(t, failed)).toMatchObject({
      state: 'candidate',
      gate: { passed: false },
      events: [{ kind: 'gate', detail: { passed: false, reason: 'worse than live' } }],
    });
    expect(entry(t, manual).state).toBe('candidate');

    const canary = await addCandidate(LOGISTIC);
    expect(await gw.versions.candidateGated('churn', canary, gate(true), policy('canary'))).toBe(
      'canary',
    );
    t = await timeline();
    expect(entry(t, canary).state).toBe('canary');
    expect(entry(t, canary).trafficPercent).toBe(25);
    expect(t.canary).toMatchObject({ version: canary, percent: 25, metric: 'accuracy' });

    const auto = await addCandidate(LOGISTIC);
    expect(await gw.versions.candidateGated('churn', auto, gate(true), policy('auto'))).toBe(
      'promoted',
    );
    t = await timeline();
    expect(entry(t, auto).state).toBe('live');
    expect(entry(t, auto).events.map((e) => e.kind)).toEqual(['gate', 'promoted']);
    expect(entry(t, auto).events[1]!.detail).toMatchObject({
      by: 'auto',
      gate: { passed: true },
    });
    // The canary that was running ended when another version was promoted.
    expect(t.canary?.status).toBe('rolled_back');
    expect(entry(t, canary).state).toBe('candidate');
  });
});

describe('canaryVerdict', () => {
  const side = (fields: Partial<CanarySide>): CanarySide => ({
    version: 1,
    calls: 100,
    errorRate: 0,
    p95Ms: 10,
    labels: 0,
    quality: null,
    ...fields,
  });
  const accuracy = { metric: 'accuracy', lowerIsBetter: false };
  const rmse = { metric: 'rmse', lowerIsBetter: true };

  it('rolls back a slower canary, but not for a few milliseconds of jitter', () => {
    const slow = canaryVerdict(DEFAULT_CANARY_POLICY, side({}), side({ p95Ms: 40 }), accuracy);
    expect(slow.verdict).toBe('roll_back');
    expect(slow.reasons[0]).toMatch(/^p95 40 ms against live's 10 ms/);
    const jitter = canaryVerdict(
      DEFAULT_CANARY_POLICY,
      side({ p95Ms: 0.2 }),
      side({ p95Ms: 2 }),
      accuracy,
    );
    expect(jitter.verdict).toBe('promote');
  });

  it('allows the error rate to rise by the policy, not more', () => {
    const policy = { ...DEFAULT_CANARY_POLICY, maxErrorRateIncrease: 0.05 };
    const live = side({ errorRate: 0.1 });
    expect(canaryVerdict(policy, live, side({ errorRate: 0.15 }), accuracy).verdict).toBe(
      'promote',
    );
    expect(canaryVerdict(policy, live, side({ errorRate: 0.16 }), accuracy).verdict).toBe(
      'roll_back',
    );
  });

  it('compares quality in the direction of the metric', () => {
    const policy = { ...DEFAULT_CANARY_POLICY, minLabels: 10, maxQualityDrop: 1 };
    const labelled = (quality: number) => side({ labels: 10, quality });
    expect(canaryVerdict(policy, labelled(5), labelled(5.9), rmse).verdict).toBe('promote');
    expect(canaryVerdict(policy, labelled(5), labelled(6.1), rmse).verdict).toBe('roll_back');
    expect(canaryVerdict(policy, labelled(5), labelled(3.9), accuracy).verdict).toBe('roll_back');
    expect(canaryVerdict(policy, labelled(5), side({ labels: 9 }), rmse)).toEqual({
      verdict: 'wait',
      reasons: ['the canary has 9 of the 10 labels needed'],
    });
  });
});
