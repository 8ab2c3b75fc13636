import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mlflowCodec, oipCodec, recordsCodec } from '../src/codecs/index.js';
import { NotebookRunError, type FunctionRequest } from '../src/data-plane/index.js';
import { NotebookFailedError, UnauthorizedError } from '../src/errors.js';
import { InvocationRepository } from '../src/db/invocation-repository.js';
import { rejection } from './support/failure.js';
import {
  ADMIN_TOKEN,
  publishForm,
  startTestGateway,
  type TestGateway,
} from './support/test-gateway.js';

// The data plane driven as a batch job or a stream consumer will drive it: plain calls, no
// Request, no Hono context, nothing HTTP.

let gw: TestGateway;
let modelKey: string;
beforeAll(async () => {
  gw = await startTestGateway();
  const publish = async (name: string, bytes: string, filename: string) =>
    (
      await gw.admin('/api/deployments', {
        method: 'POST',
        body: publishForm({ name }, { bytes, filename }),
      })
    ).json();
  modelKey = (await publish('sum', '{"toy":"sum","failWhen":13}', 'm.toy.json')).invokeKey;
  await publish(
    'echo',
    JSON.stringify({ toyNotebook: { parameters: { x: 1, label: 'hi', seconds: 0, fail: false } } }),
    'echo.toynb.json',
  );
});
afterAll(async () => {
  await gw.stop();
});

/** The invocation row of one call, once the log has written it. */
const logged = async (id: string) => {
  await gw.log.flush();
  const repo = new InvocationRepository(gw.database.db);
  for (const name of ['sum', 'echo']) {
    const row = (await repo.recent(name, { limit: 100 })).find((r) => r.id === id);
    if (row) return row;
  }
  return undefined;
};

describe('the data plane, called without HTTP', () => {
  it('scores records through any codec, with one id per call, and logs the call', async () => {
    const requestId = randomUUID();
    const result = await gw.dataPlane.infer({
      name: 'sum',
      token: modelKey,
      requestId,
      codec: recordsCodec(100),
      body: async () => ({
        json: [
          { a: 1, b: 2, row: 'r1' },
          { a: 3, b: 4, row: 'r2' },
        ],
      }),
    });
    expect(result).toMatchObject({
      id: requestId,
      ids: [`${requestId}:0`, `${requestId}:1`],
      version: 1,
      predictions: [{ sum: 3 }, { sum: 7 }],
      meta: { single: false },
      ignoredFields: ['row'],
    });
    expect(await logged(requestId)).toMatchObject({
      status: 200,
      protocol: 'records',
      ignoredFields: ['row'],
      output: [{ sum: 3 }, { sum: 7 }],
    });

    const mlflow = await gw.dataPlane.infer({
      name: 'sum',
      token: ADMIN_TOKEN,
      requestId: randomUUID(),
      codec: mlflowCodec(100),
      body: async () => ({ json: { dataframe_split: { columns: ['a', 'b'], data: [[5, 6]] } } }),
    });
    expect(mlflow.predictions).toEqual([{ sum: 11 }]);
    const oip = await gw.dataPlane.infer({
      name: 'sum',
      token: modelKey,
      requestId: randomUUID(),
      codec: oipCodec(100),
      body: async () => ({
        json: {
          id: 'mine',
          inputs: [
            { name: 'a', shape: [1], datatype: 'FP64', data: [1] },
            { name: 'b', shape: [1], datatype: 'FP64', data: [1] },
          ],
        },
      }),
    });
    expect(oip.meta.requestId).toBe('mine');
  });

  it('refuses a stranger before reading the body, and logs the refusal without input', async () => {
    const requestId = randomUUID();
    let read = false;
    const err = await rejection(
      gw.dataPlane.infer({
        name: 'sum',
        token: 'sk_wrong',
        requestId,
        codec: recordsCodec(100),
        body: async () => {
          read = true;
          return { json: { a: 1, b: 2 } };
        },
      }),
    );
    expect(err).toBeInstanceOf(UnauthorizedError);
    expect(read).toBe(false);
    expect(await logged(requestId)).toMatchObject({
      status: 401,
      input: null,
      error: { code: 'unauthorized' },
    });
  });

  it('runs a notebook synchronously under the call id, recording the run', async () => {
    const requestId = randomUUID();
    const request: FunctionRequest = {
      name: 'echo',
      token: ADMIN_TOKEN,
      requestId,
      records: async () => {
        throw new Error('a notebook reads parameters, not records');
      },
      parameters: async () => ({ json: { x: 5 }, text: { label: 'from-text' } }),
    };
    const result = await gw.dataPlane.invoke(request);
    expect(result).toMatchObject({
      kind: 'run',
      status: 'succeeded',
      id: requestId,
      outputs: [{ x: 5, label: 'from-text', seconds: 0, fail: false }],
    });
    expect((await gw.runs.get('echo', requestId))?.status).toBe('succeeded');
    expect(await logged(requestId)).toMatchObject({ status: 200, protocol: 'notebook' });
  });

  it('starts an asynchronous run and logs it when it ends', async () => {
    const requestId = randomUUID();
    const result = await gw.dataPlane.invoke({
      name: 'echo',
      token: ADMIN_TOKEN,
      requestId,
      records: async () => ({ json: undefined }),
      parameters: async () => ({ json: { fail: true }, text: {} }),
      async: true,
    });
    expect(result).toMatchObject({
      kind: 'run',
      status: 'running',
      statusUrl: `http://slipway.test/fn/echo/runs/${requestId}`,
    });
    await expect.poll(async () => (await gw.runs.get('echo', requestId))?.status).toBe('failed');
    await expect
      .poll(async () => (await logged(requestId))?.error)
      .toEqual({ code: 'notebook_failed', message: 'cell 2 raised ValueError: told to fail' });
  });

  it('refuses records sent through a model codec to a notebook, naming where to call it', async () => {
    const err = await rejection(
      gw.dataPlane.infer({
        name: 'echo',
        token: ADMIN_TOKEN,
        requestId: randomUUID(),
        codec: recordsCodec(10),
        body: async () => ({ json: { x: 1 } }),
      }),
    );
    expect(err).toMatchObject({ status: 400, code: 'not_a_model' });
    expect((err as Error).message).toContain('/fn/echo');
    const failed = await rejection(
      gw.dataPlane.invoke({
        name: 'echo',
        token: ADMIN_TOKEN,
        requestId: randomUUID(),
        records: async () => ({ json: undefined }),
        parameters: async () => ({ json: { fail: true }, text: {} }),
      }),
    );
    // The run's failure, with where to read the run.
    expect(failed).toBeInstanceOf(NotebookRunError);
    expect((failed as NotebookRunError).failure).toBeInstanceOf(NotebookFailedError);
    expect((failed as NotebookRunError).links.runId).toMatch(/^[0-9a-f-]{36}$/);
  });
});
