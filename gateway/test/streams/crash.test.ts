import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
import { testDatabaseKinds } from '../support/databases.js';
import { until, waitFor } from '../../src/workers/testing/processes.js';
import type { Stream } from '../../src/protocol/streams.js';
import { gatewayProcesses, type GatewayProcess } from '../support/gateway-process.js';
import { publishForm } from '../support/test-gateway.js';
import { broker, createTopic, produce, readTopic, unique } from './kafka-support.js';

const TOKEN = 'sa_streams-crash-token-0123456789';
const fixtures = fileURLToPath(new URL('../fixtures/onnx/', import.meta.url));
const procs = gatewayProcesses();

const call = (gw: GatewayProcess, path: string, init: RequestInit = {}) =>
  fetch(`${gw.url}${path}`, {
    ...init,
    headers: { authorization: `Bearer ${TOKEN}`, ...(init.headers as Record<string, string>) },
  });

it.each(testDatabaseKinds)(
  'on %s, loses no message when a gateway is killed (kill -9) mid-stream and restarted: every input id has an output',
  async (kind) => {
    const env = { ...(await procs.env(kind)), SLIPWAY_ADMIN_TOKEN: TOKEN };
    let gw = await procs.start(env);
    const model = await readFile(`${fixtures}classifier_nozipmap.onnx`);
    const { records } = JSON.parse(
      await readFile(`${fixtures}classifier_nozipmap.expected.json`, 'utf8'),
    ) as { records: unknown[] };
    const published = await call(gw, '/api/deployments', {
      method: 'POST',
      body: publishForm({ name: 'iris' }, { bytes: model, filename: 'iris.onnx' }),
    });
    expect(published.status, await published.clone().text()).toBe(201);

    const input = unique('crash-in');
    const output = unique('crash-out');
    await createTopic(input, 3);
    const created = await call(gw, '/api/deployments/iris/streams', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ brokers: [broker()], inputTopic: input, outputTopic: output }),
    });
    expect(created.status, await created.clone().text()).toBe(201);
    const { id } = (await created.json()) as Stream;

    const messages = (from: number, n: number) =>
      Array.from({ length: n }, (_, i) => ({
        key: `id-${from + i}`,
        value: records[(from + i) % records.length],
      }));
    const out = await readTopic(output);
    try {
      await produce(input, messages(0, 3000));
      // Killed once its first predictions are out: batches are under way, most still unread.
      await waitFor('the first predictions', () => out.messages.length > 0, 120_000);
      await gw.kill();
      const outAtKill = new Set(out.messages.map((m) => m.key)).size;
      // More arrives while no gateway runs.
      await produce(input, messages(3000, 1000));
      expect(outAtKill).toBeLessThan(4000);

      gw = await procs.start(env);
      await waitFor(
        'an output for every input id',
        () => new Set(out.messages.map((m) => m.key)).size >= 4000,
        180_000,
      );
      const keys = new Set(out.messages.map((m) => m.key));
      for (let i = 0; i < 4000; i++) expect(keys.has(`id-${i}`)).toBe(true);
      // At-least-once: what was scored but not committed at the kill may come out twice.
      console.log(
        `[crash, ${kind}] ${outAtKill} ids out at the kill; ${out.messages.length} outputs for 4000 ids (${out.messages.length - 4000} duplicates)`,
      );
      for (const m of out.messages.slice(0, 5))
        expect(JSON.parse(m.value)).toMatchObject({ version: 1, predictionId: expect.any(String) });
      const after = await until(
        async () => (await (await call(gw, `/api/streams/${id}`)).json()) as Stream,
        (s) => s.lag === 0,
        'a lag of 0 after the restart',
      );
      expect(after.state).toBe('running');
    } finally {
      await out.close();
    }
  },
);
