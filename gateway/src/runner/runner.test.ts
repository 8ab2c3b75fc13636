import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serve, type ServerType } from '@hono/node-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toyRuntimeFactory } from '../runtimes/testing/toy-runtime.js';
import type { ModelRuntime } from '../runtimes/types.js';
import { ArtifactFetchError, fetchArtifact } from './fetch-artifact.js';
import { runnerApp } from './runner-app.js';
import { RunnerClient } from './runner-client.js';

const TOKEN = 'sr_runner-token';
let dir: string;
let artifact: { path: string; sha256: string; size: number };
let loaded: ModelRuntime | undefined;
let server: ServerType;
let url: string;

const toy = JSON.stringify({ toy: 'sum', failWhen: 13, delayMs: 0 });
const slow = JSON.stringify({ toy: 'sum', delayMs: 5_000 });

async function store(text: string) {
  const path = join(dir, 'in', createHash('sha256').update(text).digest('hex'));
  await writeFile(path, text);
  return {
    path,
    sha256: createHash('sha256').update(text).digest('hex'),
    size: Buffer.byteLength(text),
  };
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'slipway-runner-test-'));
  await import('node:fs/promises').then((fs) => fs.mkdir(join(dir, 'in')));
  artifact = await store(toy);
  server = serve({
    fetch: runnerApp({ token: TOKEN, runtime: () => loaded }).fetch,
    hostname: '127.0.0.1',
    port: 0,
  });
  await new Promise((r) => server.once('listening', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.close();
  await rm(dir, { recursive: true, force: true });
});

describe('a runner', () => {
  it('is not ready (503 on /healthz) until its model is loaded', async () => {
    expect((await fetch(`${url}/healthz`)).status).toBe(503);
    const runtime = toyRuntimeFactory().create({
      name: 't',
      version: 1,
      artifact,
      pool: 'cpu',
      config: {},
    });
    await runtime.load();
    loaded = runtime;
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
  });

  it('answers only the runner token', async () => {
    expect((await fetch(`${url}/v1/describe`)).status).toBe(401);
    const wrong = await fetch(`${url}/v1/describe`, { headers: { authorization: 'Bearer sr_x' } });
    expect(wrong.status).toBe(401);
    await expect(new RunnerClient('onnx', 'model', url, 'sr_x').load()).rejects.toMatchObject({
      status: 401,
    });
  });

  it('through the client: the signature, predictions, and the runtime’s errors as it threw them', async () => {
    const client = new RunnerClient('onnx', 'model', url, TOKEN);
    await client.load();
    expect(client.signature().inputs.map((i) => i.name)).toEqual(['a', 'b']);
    expect(
      await client.predict(
        [
          { a: 1, b: 2 },
          { a: 3, b: 4 },
        ],
        { requestId: 'r1' },
      ),
    ).toEqual([{ sum: 3 }, { sum: 7 }]);
    await expect(client.predict([{ a: 13, b: 0 }], { requestId: 'r2' })).rejects.toMatchObject({
      status: 500,
      code: 'prediction_failed',
      message: 'toy model refuses a=13',
    });
  });

  it('a call past its deadline is a 504; a runner gone is a 503', async () => {
    const slowArtifact = await store(slow);
    const runtime = toyRuntimeFactory().create({
      name: 't',
      version: 1,
      artifact: slowArtifact,
      pool: 'cpu',
      config: {},
    });
    await runtime.load();
    loaded = runtime;
    const client = new RunnerClient('onnx', 'model', url, TOKEN);
    // The toy waits 5 s and does not give up by itself: the client's bound (deadline + 5 s) ends it.
    await expect(
      client.predict([{ a: 1, b: 2 }], { requestId: 'r3', timeoutMs: 1 }),
    ).rejects.toMatchObject({ status: 504 });
    const gone = new RunnerClient('onnx', 'model', 'http://127.0.0.1:9', TOKEN);
    await expect(gone.load()).rejects.toMatchObject({ status: 503 });
  });
});

describe('fetching the artifact', () => {
  it('from a shared folder, checked against its sha256', async () => {
    const path = await fetchArtifact({
      want: artifact,
      dir: join(dir, 'out1'),
      volumeDir: join(dir, 'in'),
      token: TOKEN,
    });
    expect(path).toBe(join(dir, 'out1', artifact.sha256));
  });

  it('bytes that are not the ones named are refused, and nothing is left', async () => {
    const other = await store('{"toy":"sum","other":true}');
    // A file stored under another hash's name: its bytes give it away.
    const { rename } = await import('node:fs/promises');
    await rename(other.path, join(dir, 'in', 'f'.repeat(64)));
    await expect(
      fetchArtifact({
        want: { sha256: 'f'.repeat(64), size: other.size },
        dir: join(dir, 'out2'),
        volumeDir: join(dir, 'in'),
        token: TOKEN,
      }),
    ).rejects.toThrow(ArtifactFetchError);
    const { readdir } = await import('node:fs/promises');
    expect(await readdir(join(dir, 'out2'))).toEqual([]);
  });

  it('from the gateway with the runner token; a refusal says what the gateway answered', async () => {
    const gateway = serve({
      fetch: (req) =>
        req.headers.get('authorization') === `Bearer ${TOKEN}`
          ? new Response(toy)
          : new Response('{"error":{"code":"unauthorized"}}', { status: 401 }),
      hostname: '127.0.0.1',
      port: 0,
    });
    await new Promise((r) => gateway.once('listening', r));
    const at = `http://127.0.0.1:${(gateway.address() as AddressInfo).port}/api/artifacts/${artifact.sha256}`;
    try {
      const path = await fetchArtifact({
        want: artifact,
        dir: join(dir, 'out3'),
        url: at,
        token: TOKEN,
      });
      expect(path).toBe(join(dir, 'out3', artifact.sha256));
      await expect(
        fetchArtifact({ want: artifact, dir: join(dir, 'out4'), url: at, token: 'sr_wrong' }),
      ).rejects.toThrow(/answered 401/);
    } finally {
      gateway.close();
    }
  });
});
