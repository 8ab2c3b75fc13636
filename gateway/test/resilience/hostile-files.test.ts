import { createHash } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultRuntimes } from '../../src/runtimes/default-runtimes.js';
import { mojoZipBomb } from '../../src/runtimes/mojo/testing/zip-bomb.js';
import { publishForm, startTestGateway, type TestGateway } from '../support/test-gateway.js';

// Files built to hurt the gateway are refused at publish, before they cost what they aim at.

const MiB = 1024 * 1024;

describe('a zip-bomb MOJO', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    // The default heap (SLIPWAY_JVM_HEAP_MB=1024): an entry may inflate to 256 MiB.
    gw = await startTestGateway({ runtimes: defaultRuntimes });
  });
  afterAll(async () => {
    await gw?.stop();
  });

  it.each([
    ['one entry that declares 1000 MiB', {}],
    ['one entry that declares 1000 bytes and inflates to 1000 MiB', { declaredBytes: 1000 }],
  ])('is refused with 422 before Java sees it: %s', async (_what, lie) => {
    const bomb = mojoZipBomb({ inflatedMiB: 1000, ...lie });
    expect(bomb.byteLength).toBeLessThan(1.1 * MiB);
    const res = await gw.admin('/api/deployments', {
      method: 'POST',
      body: publishForm({ name: 'bomb' }, { bytes: bomb, filename: 'bomb.zip' }),
    });
    const body = await res.json();
    expect(res.status, JSON.stringify(body)).toBe(422);
    expect(body.error.message).toMatch(/t00_000\.bin" (declares|inflates)/);
    // No JVM was started for it, and nothing of it stays.
    expect(gw.jvm.supervisor.pid).toBeUndefined();
    expect((await gw.admin('/api/deployments/bomb')).status).toBe(404);
    expect(await readdir(join(gw.dataDir, 'artifacts'))).toEqual([]);
  });
});

describe('MOJO limits', () => {
  it('follow the JVM heap the gateway is configured with (SLIPWAY_JVM_HEAP_MB)', async () => {
    // A 64 MiB heap: an entry may take 16 MiB, so 20 MiB of trees is refused before Java.
    const gw = await startTestGateway({ runtimes: defaultRuntimes, config: { jvmHeapMb: 64 } });
    try {
      const bytes = mojoZipBomb({ inflatedMiB: 20 });
      const res = await gw.admin('/api/deployments', {
        method: 'POST',
        body: publishForm({ name: 'trees' }, { bytes, filename: 'trees.zip' }),
      });
      expect(res.status).toBe(422);
      expect((await res.json()).error.message).toMatch(
        /declares 20971520 bytes, more than 16777216 \(a quarter of SLIPWAY_JVM_HEAP_MB\)/,
      );
      expect(gw.jvm.supervisor.pid).toBeUndefined();
    } finally {
      await gw.stop();
    }
  });
});

describe('an upload as a stream', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startTestGateway({ config: { maxUploadBytes: 8 * MiB } });
  });
  afterAll(async () => {
    await gw?.stop();
  });

  /** A chunked multipart body (no Content-Length): the file's bytes come in 64 KiB pieces. */
  function chunkedForm(name: string, file: Uint8Array) {
    const boundary = 'slipway-stream-boundary';
    const text = new TextEncoder();
    const pieces = [
      text.encode(
        `--${boundary}\r\nContent-Disposition: form-data; name="name"\r\n\r\n${name}\r\n` +
          `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="m.toy.json"\r\n\r\n`,
      ),
      ...Array.from({ length: Math.ceil(file.byteLength / 65536) }, (_, i) =>
        file.subarray(i * 65536, (i + 1) * 65536),
      ),
      text.encode(`\r\n--${boundary}--\r\n`),
    ];
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        const next = pieces.shift();
        if (next) controller.enqueue(next.slice());
        else controller.close();
      },
    });
    return {
      method: 'POST',
      body,
      duplex: 'half',
      headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
    } as RequestInit;
  }

  /** A toy model padded with spaces to `size` bytes (trailing whitespace is still JSON). */
  const paddedToy = (size: number) => {
    const bytes = new Uint8Array(size).fill(0x20);
    bytes.set(new TextEncoder().encode('{"toy":"sum"}'));
    return bytes;
  };

  it('is stored under the SHA-256 of what came, with its size', async () => {
    const file = paddedToy(3 * MiB + 17);
    const res = await gw.admin('/api/deployments', chunkedForm('streamed', file));
    expect(res.status, await res.clone().text()).toBe(201);
    const detail = await (await gw.admin('/api/deployments/streamed')).json();
    const sha256 = createHash('sha256').update(file).digest('hex');
    expect(detail.versions[0]).toMatchObject({ artifactSha256: sha256, artifactSize: file.length });
    expect(await readdir(join(gw.dataDir, 'artifacts'))).toEqual([sha256]);
  });

  it('answers 413 past SLIPWAY_MAX_UPLOAD_BYTES and removes the partial file', async () => {
    const before = await readdir(join(gw.dataDir, 'artifacts'));
    const res = await gw.admin('/api/deployments', chunkedForm('too-big', paddedToy(9 * MiB)));
    expect(res.status).toBe(413);
    const body = await res.json();
    expect(body.error.code).toBe('too_large');
    expect(body.error.message).toMatch(/SLIPWAY_MAX_UPLOAD_BYTES/);
    expect(await readdir(join(gw.dataDir, 'artifacts'))).toEqual(before);
    expect((await gw.admin('/api/deployments/too-big')).status).toBe(404);
  });

  it('refuses a second file, a body that is not multipart, and a broken one, leaving nothing', async () => {
    const before = await readdir(join(gw.dataDir, 'artifacts'));
    const two = publishForm({ name: 'two' }, { bytes: '{"toy":"sum"}', filename: 'a.toy.json' });
    two.append('file', new Blob(['{"toy":"sum"}']), 'b.toy.json');
    const second = await gw.admin('/api/deployments', { method: 'POST', body: two });
    expect(second.status).toBe(400);
    expect((await second.json()).error.field).toBe('file');

    const json = await gw.admin('/api/deployments', {
      method: 'POST',
      body: '{}',
      headers: { 'content-type': 'application/json' },
    });
    expect(json.status).toBe(415);

    const cut = await gw.admin('/api/deployments', {
      method: 'POST',
      body: '--b\r\nContent-Disposition: form-data; name="file"; filename="m.toy.json"\r\n\r\n{"to',
      headers: { 'content-type': 'multipart/form-data; boundary=b' },
    });
    expect(cut.status).toBe(400);
    expect(await readdir(join(gw.dataDir, 'artifacts'))).toEqual(before);
  });
});
