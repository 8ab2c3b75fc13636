import { rm, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Stream } from '../../src/protocol/streams.js';
import { until, waitFor } from '../../src/workers/testing/processes.js';
import { openTestDatabase, type TestDatabase } from '../support/databases.js';
import {
  publishForm,
  startTestGateway,
  toyModel,
  type TestGateway,
} from '../support/test-gateway.js';
import { broker, createTopic, produce, readTopic, unique } from './kafka-support.js';

// Two gateways on one database: each runs a consumer of every binding, in the binding's group.
let database: TestDatabase;
let a: TestGateway;
let b: TestGateway;

beforeAll(async () => {
  database = await openTestDatabase();
  const streams = { syncMs: 200, backoff: { initialMs: 100, maxMs: 1000 } };
  a = await startTestGateway({ database, streams });
  b = await startTestGateway({ database, streams });
  // Gateways that share a database share the volume their model files are stored on.
  await rm(join(b.dataDir, 'artifacts'), { recursive: true });
  await symlink(join(a.dataDir, 'artifacts'), join(b.dataDir, 'artifacts'));
  const res = await a.admin('/api/deployments', {
    method: 'POST',
    body: publishForm({ name: 'sum' }, toyModel()),
  });
  expect(res.status, await res.clone().text()).toBe(201);
});
afterAll(async () => {
  await b?.stop();
  await a?.stop();
  await database?.close();
});

const get = async (gw: TestGateway, id: string) =>
  (await (await gw.admin(`/api/streams/${id}`)).json()) as Stream;

/** What this gateway's own consumer of the stream consumed (its `/metrics`), or undefined without one. */
async function consumedBy(gw: TestGateway, id: string): Promise<number | undefined> {
  const text = await (await gw.admin('/metrics')).text();
  const m = new RegExp(
    `slipway_stream_messages_total\\{stream="${id}",[^}]*outcome="consumed"\\} (\\d+)`,
  ).exec(text);
  return m ? Number(m[1]) : undefined;
}

it("spreads the input topic's partitions over the gateways, and follows a pause and a delete made through the other", async () => {
  const input = unique('in');
  const output = unique('out');
  await createTopic(input, 2);
  const created = await a.send('POST', '/api/deployments/sum/streams', {
    brokers: [broker()],
    inputTopic: input,
    outputTopic: output,
    group: unique('g'),
  });
  expect(created.status, await created.clone().text()).toBe(201);
  const { id } = (await created.json()) as Stream;
  // B starts its consumer at its next sync.
  await until(
    () => get(b, id),
    (s) => s.state === 'running',
    'B running the stream',
  );

  // Messages keep coming until each gateway has consumed some: the group gave each a partition.
  let sent = 0;
  await waitFor(
    'both gateways consuming',
    async () => {
      await produce(
        input,
        Array.from({ length: 20 }, (_, i) => ({
          key: `id-${sent + i}`,
          value: { a: sent + i, b: 0 },
        })),
      );
      sent += 20;
      return ((await consumedBy(a, id)) ?? 0) > 0 && ((await consumedBy(b, id)) ?? 0) > 0;
    },
    90_000,
  );
  const out = await readTopic(output);
  try {
    await waitFor(
      `an output for each of ${sent} ids`,
      () => new Set(out.messages.map((m) => m.key)).size >= sent,
    );
  } finally {
    await out.close();
  }
  // The totals add both gateways' counts.
  await until(
    () => get(a, id),
    (s) => s.consumed >= sent && s.lag === 0,
    'the totals of both',
  );

  expect((await b.send('POST', `/api/streams/${id}/pause`)).status).toBe(200);
  await until(
    () => get(a, id),
    (s) => s.state === 'paused',
    'A paused by B',
  );
  expect((await a.send('DELETE', `/api/streams/${id}`)).status).toBe(204);
  await waitFor('B stopping its consumer', async () => (await consumedBy(b, id)) === undefined);
});
