import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testPython } from './support/python.js';
import { publishForm, startTestGateway, type TestGateway } from './support/test-gateway.js';

/**
 * Redeploys drain: 16 callers keep calling an ONNX and a pickle deployment while each gets a new
 * version published and rolled back, twice. No call fails, and every answer comes from a version
 * that was live while the call was under way. Counted in calls, not seconds: the changes wait
 * for the callers to have made more calls, whatever the machine's speed.
 */
const python = await testPython();
const fixtures = new URL('./fixtures/', import.meta.url);
const CALLERS = 16;
/** Calls the callers make between two changes, and after the last. */
const CALLS_BETWEEN = 64;

interface Target {
  name: string;
  file: { bytes: Uint8Array; filename: string };
  record: Record<string, unknown>;
  key?: string;
}

/** When a version was live: from the start of the change that made it live to the end of the one that replaced it. */
interface LiveSpan {
  version: number;
  from: number;
  to: number;
}

describe.skipIf(!python)('redeploys under load (needs the worker venv)', () => {
  let gw: TestGateway;
  const targets: Target[] = [];

  beforeAll(async () => {
    gw = await startTestGateway({ config: { python } });
    targets.push(
      {
        name: 'reg',
        file: {
          bytes: await readFile(new URL('onnx/regressor_gbr.onnx', fixtures)),
          filename: 'reg.onnx',
        },
        record: { X: [-1.86, -1.91, -0.6, -1.12, 0.85, 1.49] },
      },
      {
        name: 'tree',
        file: {
          bytes: await readFile(new URL('pickle/decision_tree.pkl', fixtures)),
          filename: 'tree.pkl',
        },
        record: { age: 40, income: 20000, city: 'nice', plan: 'basic' },
      },
    );
    for (const t of targets) t.key = (await (await publish(t)).json()).invokeKey;
  }, 180_000);
  afterAll(async () => {
    await gw?.stop();
  });

  const publish = (t: Target) =>
    gw.admin('/api/deployments', {
      method: 'POST',
      body: publishForm({ name: t.name }, t.file),
    });

  it('loses no call and answers each from a version live during it', async () => {
    const spans = new Map<string, LiveSpan[]>(
      targets.map((t) => [t.name, [{ version: 1, from: 0, to: Infinity }]]),
    );
    const answers: { name: string; version: number; start: number; end: number }[] = [];
    const failures: string[] = [];
    let made = 0;
    let stop = false;
    const waiters: { at: number; resolve: () => void }[] = [];
    const afterCalls = (n: number) =>
      new Promise<void>((resolve) => waiters.push({ at: made + n, resolve }));

    const caller = async (k: number) => {
      for (let i = 0; !stop; i++) {
        const t = targets[(k + i) % targets.length]!;
        const start = performance.now();
        const res = await gw.app.request(`/fn/${t.name}`, {
          method: 'POST',
          body: JSON.stringify(t.record),
          headers: { authorization: `Bearer ${t.key}`, 'content-type': 'application/json' },
        });
        const end = performance.now();
        if (res.status !== 200) failures.push(`${t.name}: ${res.status} ${await res.text()}`);
        else {
          await res.arrayBuffer();
          answers.push({
            name: t.name,
            version: Number(res.headers.get('x-slipway-version')),
            start,
            end,
          });
        }
        made++;
        for (const w of waiters.filter((w) => made >= w.at)) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve();
        }
      }
    };

    /** Runs one change of the live version of `t`, recording when it could have taken effect. */
    const change = async (t: Target, act: () => Promise<Response>, becomes: number) => {
      const from = performance.now();
      const res = await act();
      const to = performance.now();
      expect(res.status, await res.clone().text()).toBeLessThan(300);
      const list = spans.get(t.name)!;
      list.at(-1)!.to = to;
      list.push({ version: becomes, from, to: Infinity });
    };

    const callers = Array.from({ length: CALLERS }, (_, k) => caller(k));
    await afterCalls(CALLS_BETWEEN);
    for (const t of targets) {
      await change(t, () => publish(t), 2);
      await afterCalls(CALLS_BETWEEN);
      await change(
        t,
        () => gw.send('POST', `/api/deployments/${t.name}/rollback`, { version: 1 }),
        1,
      );
      await afterCalls(CALLS_BETWEEN);
      await change(t, () => publish(t), 3);
      await afterCalls(CALLS_BETWEEN);
      await change(
        t,
        () => gw.send('POST', `/api/deployments/${t.name}/rollback`, { version: 1 }),
        1,
      );
      await afterCalls(CALLS_BETWEEN);
    }
    stop = true;
    await Promise.all(callers);

    expect(failures).toEqual([]);
    const stray = answers.filter(
      (a) =>
        !spans
          .get(a.name)!
          .some((s) => s.version === a.version && s.from <= a.end && s.to >= a.start),
    );
    expect(stray).toEqual([]);
    // Every version took calls.
    for (const t of targets)
      expect(new Set(answers.filter((a) => a.name === t.name).map((a) => a.version))).toEqual(
        new Set([1, 2, 3]),
      );
  }, 600_000);
});
