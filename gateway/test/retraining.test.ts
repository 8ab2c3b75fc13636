// Retraining against real papermill, scikit-learn and the pickle runtime: training notebooks,
// runs and their failures, candidates and their gate, and the whole loop of issue 13 §5 —
// drift and falling quality fire an alert, the alert retrains, the candidate beats live, goes
// through a canary and is promoted, and quality recovers.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { QualityReport } from '../src/protocol/monitoring.js';
import type { RetrainRun, VersionTimelineEntry } from '../src/protocol/retraining.js';
import { openEvents } from './support/event-stream.js';
import { testPython } from './support/python.js';
import { seededRandom } from './support/seeded-random.js';
import { publishForm, startTestGateway, type TestGateway } from './support/test-gateway.js';

const python = await testPython();
const trainer = (name: string) => new URL(`./fixtures/trainers/${name}.ipynb`, import.meta.url);

/** Where a record's label comes from: before the shift (A) and after it (B). */
type World = 'A' | 'B';
interface Row {
  x1: number;
  x2: number;
}

/** Records of a world and their true labels; B's inputs moved and so did the boundary. */
function sample(
  world: World,
  n: number,
  random: () => number,
): { records: Row[]; labels: number[] } {
  const normal = () => {
    const u = 1 - random();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
  };
  const records: Row[] = [];
  const labels: number[] = [];
  for (let i = 0; i < n; i++) {
    const x1 = world === 'A' ? normal() : 1.5 + normal();
    const x2 = normal();
    records.push({ x1, x2 });
    labels.push(world === 'A' ? Number(x1 + 0.2 * x2 > 0) : Number(x1 - 0.8 * x2 > 1.5));
  }
  return { records, labels };
}

/** Model A: scikit-learn's logistic regression fitted on world A, as a data scientist would. */
async function trainModelA(path: string): Promise<void> {
  const { records, labels } = sample('A', 400, seededRandom(1));
  const script = [
    'import json, sys, joblib, pandas as pd',
    'from sklearn.linear_model import LogisticRegression',
    'data = json.load(sys.stdin)',
    'X = pd.DataFrame(data["records"])',
    'joblib.dump(LogisticRegression().fit(X, data["labels"]), sys.argv[1])',
  ].join('\n');
  await new Promise<void>((resolve, reject) => {
    const child = execFile(python!, ['-c', script, path], (err) => (err ? reject(err) : resolve()));
    child.stdin!.end(JSON.stringify({ records, labels }));
  });
}

const describeWithPython = python ? describe : describe.skip;

/** The share of calls whose prediction was their label. */
const accuracy = (calls: { label: number; predicted: number }[]) =>
  calls.filter((c) => c.predicted === c.label).length / calls.length;

describeWithPython('retraining', () => {
  let dir: string;
  let modelA: Buffer;
  let gw: TestGateway;
  let key: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'slipway-retrain-'));
    await trainModelA(join(dir, 'a.joblib'));
    modelA = await readFile(join(dir, 'a.joblib'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  beforeEach(async () => {
    // A seeded split, so that which calls a canary answers is the same in every run.
    gw = await startTestGateway({ config: { python }, random: seededRandom(7) });
    const res = await gw.admin('/api/deployments', {
      method: 'POST',
      body: publishForm({ name: 'm' }, { bytes: modelA, filename: 'model_a.joblib' }),
    });
    expect(res.status).toBe(201);
    key = (await res.json()).invokeKey;
  }, 120_000);
  afterEach(async () => {
    await gw.stop();
  });

  const send = (method: string, path: string, body?: unknown) => gw.send(method, path, body);

  async function putTrainer(name: string, extra?: { training_file?: string }) {
    const form = new FormData();
    form.set('file', new Blob([await readFile(trainer(name))]), `${name}.ipynb`);
    if (extra?.training_file) form.set('training_file', new Blob([extra.training_file]), 'a.csv');
    return gw.admin('/api/deployments/m/trainer', { method: 'PUT', body: form });
  }

  /** Calls the deployment with a world's records, in batches; answers ids, versions and labels. */
  async function traffic(world: World, n: number, seed: number, batch = 1) {
    const { records, labels } = sample(world, n, seededRandom(seed));
    const out: { id: string; version: number; label: number; predicted: number }[] = [];
    for (let i = 0; i < n; i += batch) {
      const part = records.slice(i, i + batch);
      const res = await gw.app.request('/fn/m', {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: JSON.stringify(batch === 1 ? part[0] : part),
      });
      expect(res.status).toBe(200);
      const body = await res.json();
      const version: number = body.version;
      const ids: string[] = body.ids ?? [body.id];
      const predictions = body.predictions ?? [body.prediction];
      ids.forEach((id, j) =>
        out.push({ id, version, label: labels[i + j]!, predicted: predictions[j].label }),
      );
    }
    return out;
  }

  async function label(calls: { id: string; label: number }[]) {
    for (let i = 0; i < calls.length; i += 500) {
      const res = await gw.app.request('/fn/m/feedback', {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: JSON.stringify(calls.slice(i, i + 500).map((c) => ({ id: c.id, actual: c.label }))),
      });
      expect(res.status).toBe(200);
      expect((await res.json()).rejected).toBe(0);
    }
  }

  /** Starts a run through the API and waits for its end (the run's own events). */
  async function retrainAndWait(body: unknown = {}): Promise<RetrainRun> {
    const events = await openEvents(gw, '/api/events?deployment=m');
    try {
      const res = await send('POST', '/api/deployments/m/retrain', body);
      expect(res.status).toBe(202);
      const started: RetrainRun = await res.json();
      expect(started.status).toBe('running');
      const ended = await events.next<{ run: RetrainRun }>(
        'retraining',
        (e) => e.run.id === started.id && e.run.status !== 'running',
      );
      return ended.run;
    } finally {
      await events.close();
    }
  }

  const timeline = async (): Promise<VersionTimelineEntry[]> =>
    (await (await gw.admin('/api/deployments/m/versions')).json()).versions;

  describe('the training notebook', () => {
    it('is stored with its parameters, and refused when it cannot be a trainer', async () => {
      const put = await putTrainer('trainer', { training_file: 'x1,x2,actual\n0,0,1\n' });
      expect(put.status).toBe(200);
      const info = await put.json();
      expect(info).toMatchObject({
        deployment: 'm',
        filename: 'trainer.ipynb',
        trainingFile: { filename: 'a.csv', size: 19 },
      });
      expect(info.parameters).toEqual(
        expect.arrayContaining(['training_data_path', 'output_model_path', 'C']),
      );
      expect(await (await gw.admin('/api/deployments/m/trainer')).json()).toEqual(info);

      const bad = await putTrainer('trainer_without_output');
      expect(bad.status).toBe(400);
      expect((await bad.json()).error.message).toMatch(/output_model_path/);
      const notNotebook = await gw.admin('/api/deployments/m/trainer', {
        method: 'PUT',
        body: publishForm({}, { bytes: 'hello', filename: 'x.txt' }),
      });
      expect(notNotebook.status).toBe(400);
      expect((await gw.admin('/api/deployments/nope/trainer')).status).toBe(404);

      expect((await send('DELETE', '/api/deployments/m/trainer')).status).toBe(204);
      expect((await gw.admin('/api/deployments/m/trainer')).status).toBe(404);
      const none = await send('POST', '/api/deployments/m/retrain', {});
      expect(none.status).toBe(409);
      expect((await none.json()).error.code).toBe('no_trainer');
    });
  });

  describe('the policy', () => {
    it('has defaults, takes fields over them, and names a bad field', async () => {
      const policy = await (await gw.admin('/api/deployments/m/retraining')).json();
      expect(policy).toMatchObject({ promotion: 'manual', holdoutFraction: 0.2, schedule: null });
      const put = await send('PUT', '/api/deployments/m/retraining', {
        promotion: 'canary',
        canary: { percent: 20 },
        schedule: { cron: '0 3 * * 1', timeZone: 'Europe/Oslo' },
      });
      expect(put.status).toBe(200);
      expect(await put.json()).toMatchObject({
        promotion: 'canary',
        canary: { percent: 20, minCalls: 100 },
        schedule: { cron: '0 3 * * 1', timeZone: 'Europe/Oslo' },
      });
      for (const [body, field] of [
        [{ promotion: 'sometimes' }, 'promotion'],
        [{ schedule: { cron: '61 * * * *', timeZone: 'UTC' } }, 'schedule.cron'],
        [{ schedule: { cron: '0 3 * * *', timeZone: 'Mars/Base' } }, 'schedule.timeZone'],
        [{ canary: { percent: 100 } }, 'canary.percent'],
      ] as const) {
        const res = await send('PUT', '/api/deployments/m/retraining', body);
        expect(res.status, JSON.stringify(body)).toBe(400);
        expect(JSON.stringify(await res.json())).toContain(field);
      }
    });
  });

  describe('runs', () => {
    it('trains on the labelled window, gates the candidate on held-back labels, and leaves it for a person (manual)', async () => {
      expect((await putTrainer('trainer')).status).toBe(200);
      await label(await traffic('B', 200, 11, 20));
      const run = await retrainAndWait({ parameters: { C: 10 } });
      expect(run).toMatchObject({
        status: 'succeeded',
        trigger: 'api',
        trainingRows: 160,
        holdoutRows: 40,
        liveVersion: 1,
        candidateVersion: 2,
        decision: 'awaiting_promotion',
        error: null,
        parameters: { C: 10 },
      });
      expect(run.gate).toMatchObject({ metric: 'accuracy', liveVersion: 1, n: 40, passed: true });
      expect(run.gate!.candidate!).toBeGreaterThan(run.gate!.live!);
      expect(run.log.map((l) => l.message).join('\n')).toMatch(
        /160 labelled predictions to train on/,
      );

      // The executed notebook, with the parameters papermill injected.
      const nb = await gw.admin(run.notebookUrl!.replace('http://slipway.test', ''));
      expect(nb.status).toBe(200);
      const text = await nb.text();
      expect(text).toMatch(/trained on 160 rows of \[.*x1.*x2/);
      expect(text).toContain('live model: LogisticRegression');

      const versions = await timeline();
      expect(versions[0]).toMatchObject({
        version: 2,
        state: 'candidate',
        origin: { kind: 'retraining', runId: run.id, trigger: 'api' },
        gate: { passed: true, n: 40 },
      });
      expect(versions[1]).toMatchObject({ version: 1, state: 'live' });
      const detail = await (await gw.admin('/api/deployments/m')).json();
      expect(detail.version).toBe(1);

      // Promoted by hand, it answers the calls.
      expect((await send('POST', '/api/deployments/m/versions/2/promote')).status).toBe(200);
      const after = await traffic('B', 5, 12);
      expect(after.every((c) => c.version === 2)).toBe(true);
    });

    it('says why nothing became live when the notebook fails, writes nothing, writes garbage or changes the inputs', async () => {
      await label(await traffic('B', 50, 13, 10));
      const cases = [
        ['trainer_fails', 'trainer_failed', /RuntimeError.*did not converge/],
        ['trainer_no_model', 'no_model_written', /wrote no model/],
        ['trainer_garbage', 'unloadable_model', /could not load|not a format/],
        ['trainer_fewer_inputs', 'signature_changed', /input x2 is gone/],
      ] as const;
      for (const [name, code, message] of cases) {
        expect((await putTrainer(name)).status).toBe(200);
        const run = await retrainAndWait();
        expect(run.status, name).toBe('failed');
        expect(run.error?.code, name).toBe(code);
        expect(run.error?.message, name).toMatch(message);
        expect(run.candidateVersion, name).toBeNull();
      }
      const versions = await timeline();
      expect(versions.map((v) => [v.version, v.state])).toEqual([[1, 'live']]);
    });

    it('leaves the alert firing and live unchanged when the run an alert started fails', async () => {
      expect((await putTrainer('trainer_fails')).status).toBe(200);
      const created = await send('POST', '/api/deployments/m/alert-rules', {
        name: 'accuracy',
        condition: { kind: 'quality', metric: 'accuracy', threshold: 0.8, minLabels: 50 },
        windowMinutes: 60,
        action: 'retrain',
      });
      expect(created.status).toBe(201);
      expect(await created.json()).toMatchObject({ action: 'retrain' });
      const events = await openEvents(gw, '/api/events?deployment=m');
      try {
        await label(await traffic('B', 100, 16, 20));
        const ended = (
          await events.next<{ run: RetrainRun }>('retraining', (e) => e.run.status !== 'running')
        ).run;
        expect(ended).toMatchObject({
          trigger: 'alert',
          status: 'failed',
          error: { code: 'trainer_failed' },
        });
      } finally {
        await events.close();
      }
      const [rule] = (await (await gw.admin('/api/deployments/m/alert-rules')).json()).rules;
      expect(rule).toMatchObject({ state: 'firing', action: 'retrain' });
      expect((await timeline()).map((v) => [v.version, v.state])).toEqual([[1, 'live']]);
    });

    it('times out, is cancelled, and runs one at a time (a second trigger is recorded as skipped)', async () => {
      await label(await traffic('B', 20, 14, 10));
      expect((await putTrainer('trainer_slow')).status).toBe(200);
      await send('PUT', '/api/deployments/m/retraining', {
        timeoutSeconds: 1,
        parameters: { sleep_seconds: 30 },
      });
      const timedOut = await retrainAndWait();
      expect(timedOut.error?.code).toBe('trainer_timeout');

      await send('PUT', '/api/deployments/m/retraining', { parameters: { sleep_seconds: 600 } });
      const events = await openEvents(gw, '/api/events?deployment=m');
      try {
        const first = await send('POST', '/api/deployments/m/retrain', {});
        expect(first.status).toBe(202);
        const run: RetrainRun = await first.json();
        const second = await send('POST', '/api/deployments/m/retrain', {});
        expect(second.status).toBe(409);
        expect(await second.json()).toMatchObject({
          status: 'skipped',
          error: { code: 'already_running' },
        });
        // Cancel once the notebook runs (its run says so), not at an arbitrary time.
        await events.next<{ run: RetrainRun }>('retraining', (e) =>
          e.run.log.some((l) => l.message.startsWith('running the training notebook')),
        );
        const cancelled = await send('POST', `/api/deployments/m/retrain-runs/${run.id}/cancel`);
        expect(cancelled.status).toBe(200);
        expect(await cancelled.json()).toMatchObject({
          status: 'cancelled',
          error: { code: 'cancelled' },
        });
        expect(
          (await send('POST', `/api/deployments/m/retrain-runs/${run.id}/cancel`)).status,
        ).toBe(409);
      } finally {
        await events.close();
      }
      const runs: RetrainRun[] = (await (await gw.admin('/api/deployments/m/retrain-runs')).json())
        .runs;
      expect(runs.map((r) => r.status)).toEqual(['skipped', 'cancelled', 'failed']);
    });

    it('starts when a schedule comes due, once however many firings were missed', async () => {
      expect((await putTrainer('trainer')).status).toBe(200);
      await label(await traffic('B', 30, 15, 10));
      await send('PUT', '/api/deployments/m/retraining', {
        schedule: { cron: '0 * * * *', timeZone: 'UTC' },
      });
      const now = Date.now();
      // Not due yet: within the hour it was set in.
      expect(await gw.scheduler.tick(new Date(now))).toEqual([]);
      // Three hours later: three firings were missed; one run.
      expect(await gw.scheduler.tick(new Date(now + 3 * 3_600_000))).toEqual(['m']);
      expect(await gw.scheduler.tick(new Date(now + 3 * 3_600_000 + 1000))).toEqual([]);
      const [run] = (await (await gw.admin('/api/deployments/m/retrain-runs')).json()).runs;
      expect(run).toMatchObject({
        trigger: 'schedule',
        triggerDetail: expect.stringContaining('0 * * * *'),
      });
      await gw.retraining.settled(run.id);
    });
  });

  it('closes the loop: quality falls and drift fires, the alert retrains, a canary is promoted, quality recovers', async () => {
    // Live model A, its reference from world A's first calls.
    await send('PUT', '/api/deployments/m/monitoring', { referenceFromFirst: 200 });
    await label(await traffic('A', 200, 21, 20));
    expect((await putTrainer('trainer')).status).toBe(200);
    await send('PUT', '/api/deployments/m/retraining', {
      promotion: 'canary',
      canary: { percent: 10, minCalls: 20, minLabels: 10 },
    });
    const rule = await send('POST', '/api/deployments/m/alert-rules', {
      name: 'accuracy',
      condition: { kind: 'quality', metric: 'accuracy', threshold: 0.8, minLabels: 100 },
      windowMinutes: 60,
      action: 'retrain',
    });
    expect(rule.status).toBe(201);
    const qualityOf = async (version: number) => {
      const report: QualityReport = await (
        await gw.admin(`/api/deployments/m/quality?version=${version}`)
      ).json();
      return report.overall?.task === 'classification' ? report.overall.accuracy : null;
    };
    const before = await qualityOf(1);
    expect(before!).toBeGreaterThan(0.9);

    const events = await openEvents(gw, '/api/events?deployment=m');
    try {
      // World B arrives: drift, and labels that model A gets wrong.
      const shifted = await traffic('B', 400, 22, 20);
      const drift = await (await gw.admin('/api/deployments/m/drift')).json();
      expect(drift.features.find((f: { name: string }) => f.name === 'x1').drift).toBe(true);
      await label(shifted);
      const fired = await events.next<{ alert: { state: string; ruleName: string } }>('alert');
      expect(fired.alert).toMatchObject({ state: 'firing', ruleName: 'accuracy' });

      // The alert started the training notebook; its model beats live on the held-back labels.
      const ended = (
        await events.next<{ run: RetrainRun }>('retraining', (e) => e.run.status !== 'running')
      ).run;
      expect(ended).toMatchObject({
        status: 'succeeded',
        trigger: 'alert',
        candidateVersion: 2,
        decision: 'canary',
      });
      expect(ended.triggerDetail).toMatch(/alert rule accuracy/);
      expect(ended.gate!.passed).toBe(true);
      expect(ended.gate!.candidate! - ended.gate!.live!).toBeGreaterThan(0.2);

      // A 10 % canary: both versions answer, the split says so.
      const split = await (await gw.admin('/api/deployments/m/traffic')).json();
      expect(split.split).toEqual({ '1': 90, '2': 10 });
      let canary = await (await send('POST', '/api/deployments/m/canary/analyze')).json();
      expect(canary.analysis.verdict).toBe('wait');
      const canaryTraffic = await traffic('B', 300, 23);
      const onCanary = canaryTraffic.filter((c) => c.version === 2);
      expect(onCanary.length).toBeGreaterThanOrEqual(20);
      await label(canaryTraffic);
      canary = await (await send('POST', '/api/deployments/m/canary/analyze')).json();
      expect(canary).toMatchObject({ status: 'promoted', analysis: { verdict: 'promote' } });
      expect(canary.analysis.canary.quality).toBeGreaterThan(canary.analysis.live.quality);

      // Promoted: every call goes to version 2, and its quality on new B traffic is back.
      const versions = await timeline();
      expect(versions.find((v) => v.version === 2)).toMatchObject({ state: 'live' });
      const kinds = versions.find((v) => v.version === 2)!.events.map((e) => e.kind);
      expect(kinds).toEqual(expect.arrayContaining(['gate', 'canary_started', 'canary_promoted']));
      const recovered = await traffic('B', 200, 24, 20);
      expect(recovered.every((c) => c.version === 2)).toBe(true);
      await label(recovered);
      // Trained on the window (world A's labels too), it does not match a model of B alone,
      // but it is far better than model A on B.
      const fallen = accuracy(shifted);
      expect(fallen).toBeLessThan(0.75);
      expect(accuracy(recovered)).toBeGreaterThan(fallen + 0.15);
      expect(await qualityOf(2)).toBeGreaterThan(fallen + 0.15);
    } finally {
      await events.close();
    }
  });
});
