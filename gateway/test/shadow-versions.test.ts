import { afterEach, describe, expect, it } from 'vitest';
import type { Format } from '../src/protocol/deployments.js';
import type { Signature } from '../src/protocol/signature.js';
import { defaultRuntimes } from '../src/runtimes/default-runtimes.js';
import { toyRuntimeFactory } from '../src/runtimes/testing/toy-runtime.js';
import type { ModelRuntime, RuntimeFactory } from '../src/runtimes/types.js';
import { sharedTestDatabase } from './support/databases.js';
import { publishForm, startTestGateway, type TestGateway } from './support/test-gateway.js';

/**
 * A model whose answers wait until the test opens its gate, so that "the live answer did not
 * wait for the shadow" is shown by order of events, never by a clock. It answers `a + b + 1000`
 * (told apart from the toy's sum) and can be told to fail its load.
 */
class Gate {
  started = 0;
  failLoad = false;
  private opened!: () => void;
  private promise!: Promise<void>;
  constructor() {
    this.close();
  }
  close(): void {
    this.promise = new Promise((r) => (this.opened = r));
  }
  open(): void {
    this.opened();
  }
  wait(): Promise<void> {
    return this.promise;
  }
}

const signature: Signature = {
  inputs: [
    { name: 'a', type: 'float64', shape: [] },
    { name: 'b', type: 'float64', shape: [] },
  ],
  outputs: [{ name: 'sum', type: 'float64', shape: [] }],
};

function gatedRuntimeFactory(gate: Gate): RuntimeFactory<ModelRuntime> {
  const format = 'gated' as Format;
  return {
    format,
    kind: 'model',
    detect: ({ filename }) => filename?.endsWith('.gated.json') ?? false,
    create: () => ({
      kind: 'model',
      format,
      async load() {
        if (gate.failLoad) throw new Error('the gated model cannot load now');
      },
      signature: () => signature,
      async predict(records, options) {
        // A replica's warm-up (its readiness) answers at once; calls wait for the gate.
        if (options.warmup) return records.map(() => ({ sum: 0 }));
        gate.started++;
        await gate.wait();
        return records.map((r) => ({ sum: (r['a'] as number) + (r['b'] as number) + 1000 }));
      },
      async unload() {},
    }),
  };
}

const database = sharedTestDatabase();
let gw: TestGateway | undefined;
let gate: Gate;

afterEach(async () => {
  // Shadow calls still waiting end before the log closes: let them.
  gate.open();
  await gw?.stop();
  gw = undefined;
});

/**
 * A gateway with deployment `m`: version 1 (live) a toy sum that fails on a=13, version 2 the
 * gated model, version 3 a toy that fails on a=1.
 */
async function start(shadow: { maxInFlight?: number; timeoutMs?: number } = {}) {
  gate = new Gate();
  gw = await startTestGateway({
    database: database(),
    config: { shadow: { maxInFlight: 8, timeoutMs: 60_000, ...shadow } },
    runtimes: (services) => [
      ...defaultRuntimes(services),
      toyRuntimeFactory(),
      gatedRuntimeFactory(gate),
    ],
  });
  const publish = async (bytes: string, filename: string) => {
    const res = await gw!.admin('/api/deployments', {
      method: 'POST',
      body: publishForm({ name: 'm' }, { bytes, filename }),
    });
    expect(res.status).toBe(201);
  };
  await publish('{"toy":"sum","failWhen":13}', 'm.toy.json');
  await publish('{}', 'm.gated.json');
  await publish('{"toy":"sum","failWhen":1}', 'n.toy.json');
  await admin('POST', '/api/deployments/m/rollback', { version: 1 });
  return gw;
}

const admin = (method: string, path: string, body?: unknown) =>
  gw!.admin(path, {
    method,
    body: body === undefined ? undefined : JSON.stringify(body),
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
  });

const call = (body = '{"a":1,"b":2}') =>
  gw!.admin('/fn/m', { method: 'POST', body, headers: { 'content-type': 'application/json' } });

interface Row {
  id: string;
  version: number;
  status: number;
  protocol: string;
  latencyMs: number;
  input: unknown;
  output: unknown;
  error: { code: string; message: string } | null;
}

/** Every row of `m`, once every shadow call under way has been logged. */
async function rows(): Promise<Row[]> {
  await gw!.dataPlane.shadows.settled();
  const res = await gw!.admin('/api/deployments/m/invocations?limit=1000');
  return (await res.json()).invocations;
}

const shadowStats = async () => (await admin('GET', '/api/deployments/m/shadow')).json();

describe('a shadow version', () => {
  it('gets a copy of each successful call, logged as its own row, after the live answer', async () => {
    await start();
    expect((await admin('PUT', '/api/deployments/m/shadow', { version: 2 })).status).toBe(200);
    const res = await call();
    // The live answer is out while the shadow still waits at its gate.
    expect(res.status).toBe(200);
    const live = await res.json();
    expect(live).toMatchObject({ version: 1, prediction: 3 });
    expect(res.headers.get('x-slipway-version')).toBe('1');
    expect(gate.started).toBe(1);
    expect(await shadowStats()).toMatchObject({ version: 2, sent: 1, dropped: 0, inFlight: 1 });

    gate.open();
    const logged = await rows();
    const liveRow = logged.find((r) => r.id === live.id)!;
    expect(liveRow).toMatchObject({ version: 1, status: 200, protocol: 'records' });
    const shadowRows = logged.filter((r) => r.protocol === 'shadow');
    expect(shadowRows).toHaveLength(1);
    expect(shadowRows[0]).toMatchObject({
      version: 2,
      status: 200,
      input: [{ a: 1, b: 2 }],
      output: [{ sum: 1003 }],
      error: null,
    });
    expect(shadowRows[0]!.id).not.toBe(live.id);
    expect(shadowRows[0]!.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(await shadowStats()).toMatchObject({ sent: 1, inFlight: 0 });
  });

  it('that fails never fails the live answer; its failure is in its row', async () => {
    await start();
    await admin('PUT', '/api/deployments/m/shadow', { version: 3 });
    const res = await call('{"a":1,"b":5}');
    expect(res.status).toBe(200);
    expect((await res.json()).prediction).toBe(6);
    const shadow = (await rows()).filter((r) => r.protocol === 'shadow');
    expect(shadow).toHaveLength(1);
    expect(shadow[0]).toMatchObject({ version: 3, status: 500, output: null });
    expect(shadow[0]!.error?.message).toMatch(/refuses a=1/);
  });

  it('that passes its deadline is logged as a 504 and frees its slot; the live answer never waited', async () => {
    await start({ timeoutMs: 50 });
    await admin('PUT', '/api/deployments/m/shadow', { version: 2 });
    const res = await call();
    expect(res.status).toBe(200);
    // The gate is never opened: only the deadline ends the shadow call.
    const shadow = (await rows()).filter((r) => r.protocol === 'shadow');
    expect(shadow).toHaveLength(1);
    expect(shadow[0]).toMatchObject({ version: 2, status: 504, output: null });
    expect(shadow[0]!.error?.code).toBe('deadline_exceeded');
    expect(shadow[0]!.latencyMs).toBeGreaterThanOrEqual(45);
    expect(await shadowStats()).toMatchObject({ inFlight: 0 });
  });

  it('that cannot load is logged as failed', async () => {
    await start();
    gate.failLoad = true;
    await gw!.host.unload('m', 2);
    await admin('PUT', '/api/deployments/m/shadow', { version: 2 });
    const res = await call();
    expect(res.status).toBe(200);
    const shadow = (await rows()).filter((r) => r.protocol === 'shadow');
    expect(shadow).toHaveLength(1);
    expect(shadow[0]).toMatchObject({ version: 2, status: 503 });
    expect(shadow[0]!.error?.message).toMatch(/could not be loaded/);
  });

  it('gets no copy of a call that failed, nor of one it answered itself under a split', async () => {
    await start();
    await admin('PUT', '/api/deployments/m/shadow', { version: 2 });
    expect((await call('{"a":13,"b":0}')).status).toBe(500);
    await admin('PUT', '/api/deployments/m/traffic', { '2': 100 });
    gate.open();
    const res = await call();
    expect(res.headers.get('x-slipway-version')).toBe('2');
    expect((await res.json()).prediction).toBe(1003);
    expect((await rows()).filter((r) => r.protocol === 'shadow')).toEqual([]);
    expect(await shadowStats()).toMatchObject({ sent: 0, dropped: 0 });
  });

  it('drops copies past the in-flight bound and counts them', async () => {
    await start({ maxInFlight: 2 });
    await admin('PUT', '/api/deployments/m/shadow', { version: 2 });
    for (let i = 0; i < 5; i++) expect((await call(`{"a":${i},"b":0}`)).status).toBe(200);
    expect(gate.started).toBe(2);
    expect(await shadowStats()).toEqual({
      name: 'm',
      liveVersion: 1,
      version: 2,
      sent: 2,
      dropped: 3,
      inFlight: 2,
    });
    gate.open();
    expect((await rows()).filter((r) => r.protocol === 'shadow')).toHaveLength(2);
    // With slots free again, the next copy goes.
    expect((await call()).status).toBe(200);
    await gw!.dataPlane.shadows.settled();
    expect(await shadowStats()).toMatchObject({ sent: 3, dropped: 3, inFlight: 0 });
  });

  it("counts in its version's metrics, never in the deployment's", async () => {
    await start();
    await admin('PUT', '/api/deployments/m/shadow', { version: 3 });
    for (let i = 0; i < 3; i++) expect((await call()).status).toBe(200);
    await rows();
    const all = await (await admin('GET', '/api/deployments/m/metrics')).json();
    expect(all).toMatchObject({ count: 3, errors: 0 });
    const shadow = await (await admin('GET', '/api/deployments/m/metrics?version=3')).json();
    expect(shadow).toMatchObject({ count: 3, serverErrors: 3 });
  });

  it('is not sent from notebooks, and a notebook cannot be one', async () => {
    gate = new Gate();
    gw = await startTestGateway({ database: database() });
    const publish = (bytes: string, filename: string) =>
      gw!.admin('/api/deployments', {
        method: 'POST',
        // A notebook after a model: another signature, on purpose.
        body: publishForm({ name: 'm', allowSignatureChange: 'true' }, { bytes, filename }),
      });
    expect((await publish('{"toy":"sum"}', 'm.toy.json')).status).toBe(201);
    const nb = '{"toyNotebook":{"parameters":{"x":1}}}';
    expect((await publish(nb, 'n.toynb.json')).status).toBe(201);
    // Live: the notebook (2). A model may shadow it, but a run sends no copy.
    expect((await admin('PUT', '/api/deployments/m/shadow', { version: 1 })).status).toBe(200);
    const run = await gw.admin('/fn/m', {
      method: 'POST',
      body: '{"x":2}',
      headers: { 'content-type': 'application/json' },
    });
    expect(run.status).toBe(200);
    expect((await rows()).filter((r) => r.protocol === 'shadow')).toEqual([]);
    expect(await shadowStats()).toMatchObject({ sent: 0, dropped: 0 });
    // Live: the model (1). The notebook cannot be its shadow.
    await admin('POST', '/api/deployments/m/rollback', { version: 1 });
    const res = await admin('PUT', '/api/deployments/m/shadow', { version: 2 });
    expect(res.status).toBe(400);
    expect((await res.json()).error.code).toBe('not_a_model');
  });
});
