import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import type { ModelRuntime, RuntimeFactory } from '../src/runtimes/types.js';
import { toyRuntimeFactory } from '../src/runtimes/testing/toy-runtime.js';
import { gatewayProcesses } from './support/gateway-process.js';
import { publishForm, startTestGateway, toyModel } from './support/test-gateway.js';

// A dryRun publish of a real model file, then the publish itself, in the gateway process (its
// ONNX models load in worker processes): the check loads the file with its runtime and leaves
// nothing behind that the publish of the same bytes could trip on.
const fixtures = new URL('./fixtures/onnx/', import.meta.url);
const TOKEN = 'sa_publish-check-admin-token-00';

describe('checking an ONNX file, then publishing it', () => {
  const processes = gatewayProcesses();

  it('answers its inputs, then publishes and serves the same bytes', async () => {
    const proc = await processes.start({ ...(await processes.env()), SLIPWAY_ADMIN_TOKEN: TOKEN });
    const file = {
      bytes: await readFile(new URL('classifier_zipmap.onnx', fixtures)),
      filename: 'iris.onnx',
    };
    const post = (fields: Record<string, string>) =>
      fetch(`${proc.url}/api/deployments`, {
        method: 'POST',
        headers: { authorization: `Bearer ${TOKEN}` },
        body: publishForm(fields, file),
      });
    const check = await post({ name: 'iris', dryRun: 'true' });
    expect(check.status).toBe(200);
    expect((await check.json()).signature.inputs).toEqual([
      expect.objectContaining({ name: 'X', type: 'float32' }),
    ]);
    const res = await post({ name: 'iris' });
    const body = await res.json();
    expect(res.status, JSON.stringify(body)).toBe(201);
    const call = await fetch(`${proc.url}/fn/iris`, {
      method: 'POST',
      headers: { authorization: `Bearer ${body.invokeKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ X: [5.8, 4.0, 1.2, 0.2] }),
    });
    expect(call.status).toBe(200);
  }, 120_000);
});

/** A promise and what settles it (Promise.withResolvers, which Node 20 lacks). */
function signal() {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

/** Toy models whose loads wait, one by one, until the test lets each go on. */
function gatedToys() {
  const toy = toyRuntimeFactory();
  const loading: { began: ReturnType<typeof signal>; go: ReturnType<typeof signal> }[] = [];
  const next = (i: number) => (loading[i] ??= { began: signal(), go: signal() });
  let loads = 0;
  const factory: RuntimeFactory<ModelRuntime> = {
    ...toy,
    create(spec) {
      const runtime = toy.create(spec);
      const load = runtime.load.bind(runtime);
      runtime.load = async () => {
        const gate = next(loads++);
        gate.began.resolve();
        await gate.go.promise;
        await load();
      };
      return runtime;
    },
  };
  return { factory, load: next };
}

describe('a check and a publish of the same bytes at once', () => {
  it('never remove the file under the publish', async () => {
    const toys = gatedToys();
    const gw = await startTestGateway({ runtimes: () => [toys.factory] });
    try {
      const post = (fields: Record<string, string>) =>
        gw.admin('/api/deployments', { method: 'POST', body: publishForm(fields, toyModel()) });
      // The check loads first; the publish of the same bytes comes while it does, and its load
      // waits until the check has ended.
      const check = post({ name: 'm', dryRun: 'true' });
      await toys.load(0).began.promise;
      const publish = post({ name: 'm' });
      await toys.load(1).began.promise;
      toys.load(0).go.resolve();
      expect((await check).status).toBe(200);
      toys.load(1).go.resolve();
      const res = await publish;
      expect(res.status, await res.clone().text()).toBe(201);
    } finally {
      await gw.stop();
    }
  });
});

describe('a failed publish and a publish of the same bytes at once', () => {
  it('leave the file to the one that succeeds', async () => {
    const toys = gatedToys();
    const gw = await startTestGateway({ runtimes: () => [toys.factory] });
    try {
      const post = (name: string, file = toyModel()) =>
        gw.admin('/api/deployments', { method: 'POST', body: publishForm({ name }, file) });
      toys.load(0).go.resolve();
      expect((await post('m', toyModel({ inputs: ['x', 'y'] }))).status).toBe(201);
      // A new version of m that breaks its callers (a 409 after its load), and the same bytes
      // as a new deployment n, whose load waits until m's publish has failed.
      const refused = post('m');
      await toys.load(1).began.promise;
      const published = post('n');
      await toys.load(2).began.promise;
      toys.load(1).go.resolve();
      expect((await refused).status).toBe(409);
      toys.load(2).go.resolve();
      const res = await published;
      expect(res.status, await res.clone().text()).toBe(201);
    } finally {
      await gw.stop();
    }
  });
});
