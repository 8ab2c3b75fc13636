import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OnnxIsolation } from '../src/runtimes/onnx/index.js';
import { spinModel } from '../src/runtimes/onnx/testing/onnx-models.js';
import { publishForm, startTestGateway, type TestGateway } from './support/test-gateway.js';

// ONNX models run in worker processes, off the gateway's event loop. The slow model here never
// ends (a Loop of 1e12 turns): whatever answers while it runs does so because it runs elsewhere,
// not because it was quick, so nothing below depends on the machine's speed or load.
const FOREVER = 1e12;
const fixtures = new URL('./fixtures/onnx/', import.meta.url);

describe.each<OnnxIsolation>(['deployment', 'pool'])(
  'ONNX serving with %s workers',
  (isolation) => {
    let gw: TestGateway;
    const keys: Record<string, string> = {};
    let iris: { record: Record<string, unknown>; label: unknown };

    const publish = async (name: string, bytes: Uint8Array, config: object) => {
      const res = await gw.admin('/api/deployments', {
        method: 'POST',
        body: publishForm(
          { name, config: JSON.stringify(config) },
          { bytes, filename: `${name}.onnx` },
        ),
      });
      expect(res.status, await res.clone().text()).toBe(201);
      keys[name] = (await res.json()).invokeKey;
    };
    const invoke = async (name: string, body: unknown, signal?: AbortSignal) =>
      gw.app.request(`/fn/${name}`, {
        method: 'POST',
        body: JSON.stringify(body),
        headers: { authorization: `Bearer ${keys[name]}`, 'content-type': 'application/json' },
        signal,
      });

    beforeAll(async () => {
      gw = await startTestGateway({ config: { onnxIsolation: isolation } });
      const expected = JSON.parse(
        await readFile(new URL('classifier_zipmap.expected.json', fixtures), 'utf8'),
      );
      iris = { record: expected.records[0], label: expected.predictions[0].output_label };
      await publish('iris', await readFile(new URL('classifier_zipmap.onnx', fixtures)), {});
      await publish('spin', spinModel(), { timeoutSeconds: 600 });
      await publish('spin-short', spinModel(), { timeoutSeconds: 0.2 });
    });
    afterAll(async () => {
      await gw?.stop();
    });

    it('answers 504 for a call past config.timeoutSeconds, and the next call works', async () => {
      const stuck = await invoke('spin-short', { n: FOREVER });
      expect(stuck.status).toBe(504);
      expect((await stuck.json()).error.code).toBe('deadline_exceeded');
      const next = await invoke('spin-short', { n: 5 });
      expect(next.status, await next.clone().text()).toBe(200);
      expect((await next.json()).prediction).toBe(5);
    });

    it('answers health checks and other deployments while an ONNX call runs', async () => {
      const leave = new AbortController();
      let settled = false;
      const running = invoke('spin', { n: FOREVER }, leave.signal)
        .catch(() => undefined)
        .finally(() => (settled = true));
      for (let i = 0; i < 5; i++) {
        const health = await gw.app.request('/api/health');
        expect(health.status).toBe(200);
        const res = await invoke('iris', iris.record);
        expect(res.status, await res.clone().text()).toBe(200);
        expect((await res.json()).prediction.output_label).toBe(iris.label);
      }
      expect(settled).toBe(false);
      leave.abort();
      await running;
    });
  },
);
