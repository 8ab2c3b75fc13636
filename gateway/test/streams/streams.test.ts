import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvocationRepository } from '../../src/db/invocation-repository.js';
import { until, waitFor } from '../../src/workers/testing/processes.js';
import type { Stream } from '../../src/protocol/streams.js';
import { freePort } from '../support/gateway-process.js';
import {
  publishForm,
  startTestGateway,
  toyModel,
  type TestGateway,
} from '../support/test-gateway.js';
import { intervalModel } from '../support/interval-model.js';
import { broker, createTopic, produce, readTopic, unique } from './kafka-support.js';

let gw: TestGateway;

beforeAll(async () => {
  gw = await startTestGateway({
    streams: { syncMs: 200, backoff: { initialMs: 100, maxMs: 1000 } },
  });
  const slow = await gw.admin('/api/deployments', {
    method: 'POST',
    // One call at a time and no queue: a second call while one runs is a 429.
    body: publishForm(
      { name: 'slow', config: JSON.stringify({ maxReplicas: 1, concurrency: 1, queueSize: 0 }) },
      toyModel({ delayMs: 3000 }),
    ),
  });
  expect(slow.status, await slow.clone().text()).toBe(201);
  for (const [name, file] of [
    ['sum', toyModel()],
    ['flaky', toyModel({ failWhen: 13 })],
    // Refuses an age out of its interval: the model, not the signature.
    ['spend', intervalModel()],
    [
      'nb',
      {
        bytes: JSON.stringify({ toyNotebook: { parameters: { x: 1 } } }),
        filename: 'n.toynb.json',
      },
    ],
  ] as const) {
    const res = await gw.admin('/api/deployments', {
      method: 'POST',
      body: publishForm({ name }, file),
    });
    expect(res.status, await res.clone().text()).toBe(201);
  }
});
afterAll(() => gw?.stop());

async function bind(deployment: string, body: object): Promise<Stream> {
  const res = await gw.send('POST', `/api/deployments/${deployment}/streams`, body);
  expect(res.status, await res.clone().text()).toBe(201);
  return (await res.json()) as Stream;
}

const stream = async (id: string): Promise<Stream> =>
  (await (await gw.admin(`/api/streams/${id}`)).json()) as Stream;

/** A fresh input topic and a binding of `deployment` to it, running. */
async function boundTopics(deployment: string, extra: object = {}) {
  const input = unique('in');
  const output = unique('out');
  await createTopic(input);
  const s = await bind(deployment, {
    brokers: [broker()],
    inputTopic: input,
    outputTopic: output,
    group: unique('g'),
    ...extra,
  });
  await until(
    () => stream(s.id),
    (x) => x.state === 'running',
    'the stream to run',
  );
  return { input, output, stream: s };
}

describe('a stream binding', () => {
  it('scores every message through the data plane: key passed through, prediction, prediction id and version out; lag and counts', async () => {
    const { input, output, stream: s } = await boundTopics('sum');
    expect(s).toMatchObject({
      deployment: 'sum',
      inputTopic: input,
      outputTopic: output,
      deadLetterTopic: `${input}.dead-letter`,
      format: 'json',
    });
    const n = 200;
    await produce(
      input,
      Array.from({ length: n }, (_, i) => ({ key: `id-${i}`, value: { a: i, b: 1 } })),
    );
    const out = await readTopic(output);
    const predictionIds: string[] = [];
    try {
      await waitFor(`${n} predictions on ${output}`, () => out.messages.length >= n);
      const byKey = new Map(out.messages.map((m) => [m.key, JSON.parse(m.value)]));
      expect(byKey.size).toBe(n);
      for (let i = 0; i < n; i++) {
        const v = byKey.get(`id-${i}`);
        expect(v).toMatchObject({ prediction: i + 1, version: 1 });
        expect(v.predictionId).toMatch(/^[0-9a-f-]{36}:\d+$/);
        predictionIds.push(v.predictionId);
      }
    } finally {
      await out.close();
    }
    const done = await until(
      () => stream(s.id),
      (x) => x.consumed === n && x.lag === 0,
      'the counts and a lag of 0',
    );
    expect(done).toMatchObject({ produced: n, deadLettered: 0, state: 'running' });
    expect(done.messagesPerSecond).toBeGreaterThan(0);
    // Scored through the data plane: the invocation log has the calls, under protocol `stream`,
    // by the ids the predictions carry.
    await gw.log.flush();
    const calls = (await new InvocationRepository(gw.database.db).recent('sum', { limit: 100 }))
      .filter((c) => c.protocol === 'stream')
      .map((c) => c.id);
    expect(calls.length).toBeGreaterThan(0);
    for (const p of predictionIds) expect(calls).toContain(p.split(':')[0]);
    const metrics = await (await gw.admin('/metrics')).text();
    expect(metrics).toMatch(
      new RegExp(
        `slipway_stream_messages_total\\{stream="${s.id}",deployment="sum",outcome="produced"\\} ${n}`,
      ),
    );
    expect(metrics).toMatch(
      new RegExp(`slipway_stream_lag\\{stream="${s.id}",deployment="sum"\\} 0`),
    );
  });

  it('sends bad messages to the dead-letter topic unchanged, the error in headers, and goes on', async () => {
    const { input, output, stream: s } = await boundTopics('flaky');
    await produce(input, [
      { key: 'not-json', value: '{"a": 1,' },
      { key: 'array', value: [1, 2] },
      { key: 'missing-b', value: { a: 1 } },
      { key: 'good-1', value: { a: 1, b: 2 } },
      { key: 'wrong-type', value: { a: 'x', b: 2 } },
      { key: 'good-2', value: { a: 2, b: 2 } },
    ]);
    const dead = await readTopic(`${input}.dead-letter`);
    const out = await readTopic(output);
    try {
      await waitFor('4 dead letters', () => dead.messages.length >= 4);
      await waitFor('2 predictions', () => out.messages.length >= 2);
      const byKey = new Map(dead.messages.map((m) => [m.key, m]));
      expect(byKey.get('not-json')).toMatchObject({
        value: '{"a": 1,',
        headers: { 'slipway-error-code': 'not_json', 'slipway-source-topic': input },
      });
      expect(byKey.get('not-json')!.headers['slipway-error-message']).toMatch(
        /not JSON .*send one JSON record/,
      );
      expect(byKey.get('array')!.headers['slipway-error-code']).toBe('not_a_record');
      expect(byKey.get('missing-b')!.headers).toMatchObject({
        'slipway-error-code': 'invalid_input',
        'slipway-error-field': 'b',
      });
      expect(byKey.get('wrong-type')!.headers['slipway-error-field']).toBe('a');
      expect(out.messages.map((m) => m.key).sort()).toEqual(['good-1', 'good-2']);
      // A model that fails the call: its records are dead-lettered with its error; the stream goes on.
      await produce(input, [
        { key: 'fails', value: { a: 13, b: 0 } },
        { key: 'after', value: { a: 3, b: 3 } },
      ]);
      await waitFor('the failed call dead-lettered', () =>
        dead.messages.some((m) => m.key === 'fails'),
      );
      await waitFor('the message after it scored', () =>
        out.messages.some((m) => m.key === 'after'),
      );
      expect(dead.messages.find((m) => m.key === 'fails')!.headers['slipway-error-code']).toBe(
        'prediction_failed',
      );
    } finally {
      await dead.close();
      await out.close();
    }
    await until(
      () => stream(s.id),
      (x) => x.consumed === 8 && x.deadLettered === 5 && x.produced === 3,
      'the counts',
    );
  });

  it('dead-letters a message the model refuses (not its validation) and scores the others of its batch', async () => {
    const { input, output, stream: s } = await boundTopics('spend');
    await produce(input, [
      { key: 'young', value: { age: 20, plan: 'pro' } },
      { key: 'too-old', value: { age: 130, plan: 'basic' } },
      { key: 'older', value: { age: 60, plan: 'basic' } },
    ]);
    const dead = await readTopic(`${input}.dead-letter`);
    const out = await readTopic(output);
    try {
      await waitFor('1 dead letter', () => dead.messages.length >= 1);
      await waitFor('2 predictions', () => out.messages.length >= 2);
      expect(dead.messages.map((m) => m.key)).toEqual(['too-old']);
      expect(dead.messages[0]!.headers).toMatchObject({
        'slipway-error-code': 'invalid_input',
        'slipway-error-field': 'age',
      });
      expect(dead.messages[0]!.headers['slipway-error-message']).toMatch(
        /field age: 130 is not a valid value/,
      );
      const predicted = new Map(
        out.messages.map((m) => [
          m.key,
          (JSON.parse(m.value) as { prediction: unknown }).prediction,
        ]),
      );
      expect(predicted).toEqual(
        new Map([
          ['young', 10 + 2 * 20 + 5],
          ['older', 10 + 2 * 60],
        ]),
      );
    } finally {
      await dead.close();
      await out.close();
    }
    await until(
      () => stream(s.id),
      (x) => x.consumed === 3 && x.deadLettered === 1 && x.produced === 2,
      'the counts',
    );
  });

  it('pauses (messages wait in the topic: the lag grows), resumes, and is deleted', async () => {
    const { input, output, stream: s } = await boundTopics('sum');
    const paused = await gw.send('POST', `/api/streams/${s.id}/pause`);
    expect(paused.status).toBe(200);
    await until(
      () => stream(s.id),
      (x) => x.state === 'paused',
      'the pause',
    );
    await produce(
      input,
      [1, 2, 3].map((i) => ({ key: `k${i}`, value: { a: i, b: 0 } })),
    );
    const waiting = await until(
      () => stream(s.id),
      (x) => x.lag === 3,
      'a lag of 3',
    );
    expect(waiting).toMatchObject({ state: 'paused', consumed: 0 });
    expect((await gw.send('POST', `/api/streams/${s.id}/resume`)).status).toBe(200);
    const out = await readTopic(output);
    try {
      await waitFor('3 predictions', () => out.messages.length >= 3);
    } finally {
      await out.close();
    }
    await until(
      () => stream(s.id),
      (x) => x.lag === 0 && x.state === 'running',
      'lag 0',
    );
    const list = (await (await gw.admin('/api/deployments/sum/streams')).json()) as {
      streams: Stream[];
    };
    expect(list.streams.map((x) => x.id)).toContain(s.id);
    expect((await gw.send('DELETE', `/api/streams/${s.id}`)).status).toBe(204);
    expect((await gw.admin(`/api/streams/${s.id}`)).status).toBe(404);
    expect((await gw.send('POST', `/api/streams/${s.id}/resume`)).status).toBe(404);
  });
});

describe('backpressure', () => {
  it('stops fetching while the deployment is full (429) and scores the held batch once it has room, dead-lettering nothing', async () => {
    const { input, output, stream: s } = await boundTopics('slow');
    // An HTTP call takes the one replica's one slot for 3 s …
    const busy = gw.send('POST', '/fn/slow', { a: 1, b: 1 });
    await until(
      async () =>
        (await (await gw.admin('/api/deployments/slow/replicas')).json()) as {
          versions: { replicas: { calls: number }[] }[];
        },
      // A replica's `calls` are those it answers now.
      (d) => d.versions.some((v) => v.replicas.some((r) => r.calls === 1)),
      'the HTTP call under way',
    );
    // … so the stream's call of the same deployment is refused (429): the consumer holds.
    await produce(input, [{ key: 'held', value: { a: 2, b: 2 } }]);
    const held = await until(
      () => stream(s.id),
      (x) => /held back/.test(x.stateReason ?? ''),
      'the consumer held back',
    );
    expect(held.stateReason).toMatch(/deployment slow answered 429.*resumes when it has room/);
    expect((await busy).status).toBe(200);
    const out = await readTopic(output);
    let predictionId = '';
    try {
      await waitFor('the held message scored', () => out.messages.length === 1);
      const scored = JSON.parse(out.messages[0]!.value);
      expect(scored).toMatchObject({ prediction: 4 });
      predictionId = scored.predictionId;
    } finally {
      await out.close();
    }
    // The refused try and the answered one are two calls in the log, each under its own id:
    // the prediction id is the answered one's.
    await gw.log.flush();
    const calls = (await new InvocationRepository(gw.database.db).recent('slow', { limit: 100 }))
      .filter((c) => c.protocol === 'stream')
      .map((c) => ({ id: c.id, status: c.status }));
    expect(calls.find((c) => c.id === predictionId.split(':')[0])).toMatchObject({ status: 200 });
    expect(calls.filter((c) => c.status === 429).length).toBeGreaterThan(0);
    const after = await until(
      () => stream(s.id),
      (x) => x.consumed === 1,
      'the count',
    );
    expect(after).toMatchObject({ deadLettered: 0, produced: 1, stateReason: null });
  });
});

describe('bad input', () => {
  it('says when the brokers are not reachable, naming them, and keeps retrying', async () => {
    const away = `127.0.0.1:${await freePort()}`;
    const s = await bind('sum', { brokers: [away], inputTopic: unique('in'), outputTopic: 'o' });
    const seen = await until(
      () => stream(s.id),
      (x) => x.state === 'retrying',
      'retrying',
    );
    expect(seen.stateReason).toContain(away);
    expect(seen.stateReason).toMatch(
      /not reachable.*check the addresses and that Kafka is running/,
    );
    // It goes on trying (the attempt count grows) rather than giving up.
    await until(
      () => stream(s.id),
      (x) => /attempt [3-9]/.test(x.stateReason ?? ''),
      'a third attempt',
    );
    // Paused while it cannot connect: it says paused at once (the reason still says why).
    const paused = await gw.send('POST', `/api/streams/${s.id}/pause`);
    expect(await paused.json()).toMatchObject({ state: 'paused' });
    expect((await stream(s.id)).state).toBe('paused');
    await gw.send('DELETE', `/api/streams/${s.id}`);
  });

  it('says the input topic does not exist and how to create it, never creates it, and starts once it exists', async () => {
    const input = unique('missing');
    const output = unique('out');
    const s = await bind('sum', {
      brokers: [broker()],
      inputTopic: input,
      outputTopic: output,
      group: unique('g'),
    });
    const seen = await until(
      () => stream(s.id),
      (x) => x.state === 'retrying',
      'retrying',
    );
    expect(seen.stateReason).toContain(`input topic "${input}" does not exist on ${broker()}`);
    expect(seen.stateReason).toContain(`--create --topic ${input}`);
    await createTopic(input);
    await until(
      () => stream(s.id),
      (x) => x.state === 'running',
      'running once the topic exists',
    );
    await produce(input, [{ key: 'k', value: { a: 1, b: 1 } }]);
    const out = await readTopic(output);
    try {
      await waitFor('the prediction', () => out.messages.length === 1);
    } finally {
      await out.close();
    }
  });

  it('refuses a notebook deployment, an unknown one, a bad body and a second stream of one group on one topic', async () => {
    const body = { brokers: [broker()], inputTopic: 'in', outputTopic: 'out' };
    const nb = await gw.send('POST', '/api/deployments/nb/streams', body);
    expect(nb.status).toBe(400);
    expect(await nb.json()).toMatchObject({
      error: {
        code: 'not_a_model',
        message: expect.stringMatching(/notebook.*bind a model deployment/),
      },
    });
    expect((await gw.send('POST', '/api/deployments/nope/streams', body)).status).toBe(404);
    const badBroker = await gw.send('POST', '/api/deployments/sum/streams', {
      ...body,
      brokers: ['localhost'],
    });
    expect(badBroker.status).toBe(400);
    // Addresses the Kafka client cannot read (it would throw out of a socket callback).
    for (const brokers of [['[::1]:9092'], ['[:]:066'], ['h:0'], ['h:77529']]) {
      const res = await gw.send('POST', '/api/deployments/sum/streams', { ...body, brokers });
      expect(res.status, brokers[0]).toBe(400);
    }
    const badGroup = await gw.send('POST', '/api/deployments/sum/streams', {
      ...body,
      group: '\ud9c3\udca0\u0019',
    });
    expect(await badGroup.json()).toMatchObject({ error: { field: 'group' } });
    expect(await badBroker.json()).toMatchObject({
      error: { field: 'brokers.0', message: expect.stringContaining('host:port') },
    });
    const same = await gw.send('POST', '/api/deployments/sum/streams', {
      ...body,
      outputTopic: 'in',
    });
    expect(await same.json()).toMatchObject({ error: { field: 'outputTopic' } });
    const badTopic = await gw.send('POST', '/api/deployments/sum/streams', {
      ...body,
      inputTopic: 'a b',
    });
    expect(await badTopic.json()).toMatchObject({
      error: { field: 'inputTopic', message: expect.stringContaining('Kafka topic name') },
    });
    const group = unique('g');
    const first = await bind('sum', { ...body, inputTopic: unique('in'), group });
    const again = await gw.send('POST', '/api/deployments/flaky/streams', {
      ...body,
      inputTopic: first.inputTopic,
      group,
    });
    expect(again.status).toBe(409);
    expect(await again.json()).toMatchObject({
      error: { code: 'stream_exists', message: expect.stringContaining('another group') },
    });
    await gw.send('DELETE', `/api/streams/${first.id}`);
    expect((await gw.admin('/api/streams/not-a-uuid')).status).toBe(400);
    expect((await gw.app.request(`/api/streams/${first.id}`)).status).toBe(401);
  });
});
