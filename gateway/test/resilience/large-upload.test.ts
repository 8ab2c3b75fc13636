import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGatewayProcess, type GatewayProcess } from '../support/gateway-process.js';

// A publish upload goes to disk as it arrives: the real gateway process takes a 480 MiB upload
// (made as a stream here, never held in memory) and its peak resident memory does not grow
// by anything like the upload's size. Nothing is timed: the kernel keeps the peak (VmHWM),
// reset just before the upload (clear_refs), so the measure does not depend on when it is read.

const MiB = 1024 * 1024;
const UPLOAD_MIB = 480;
/** Far below the upload: the gateway before streaming grew by 4.5 times the upload. */
const MAX_GROWTH_MIB = UPLOAD_MIB / 5;
const TOKEN = 'sa_upload-test-admin-token-0123';

/** Linux keeps a resettable peak RSS per process; elsewhere there is nothing exact to read. */
const canMeasure = existsSync('/proc/self/clear_refs');

/** A multipart publish body of `mib` MiB of file, produced chunk by chunk as it is read. */
function streamedForm(mib: number) {
  const boundary = 'slipway-large-upload-boundary';
  const text = new TextEncoder();
  const head = text.encode(
    `--${boundary}\r\nContent-Disposition: form-data; name="name"\r\n\r\nbig\r\n` +
      `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.bin"\r\n` +
      'Content-Type: application/octet-stream\r\n\r\n',
  );
  const tail = text.encode(`\r\n--${boundary}--\r\n`);
  let sent = -1;
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (sent < 0) controller.enqueue(head);
      else if (sent < mib) controller.enqueue(new Uint8Array(MiB).fill(sent % 251));
      else {
        controller.enqueue(tail);
        controller.close();
      }
      sent++;
    },
  });
  return { body, type: `multipart/form-data; boundary=${boundary}` };
}

async function statusKb(pid: number, key: 'VmHWM' | 'VmRSS'): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  return Number(new RegExp(`${key}:\\s+(\\d+) kB`).exec(status)![1]);
}

describe.skipIf(!canMeasure)('a large upload through the real gateway process', () => {
  let dataDir: string;
  let proc: GatewayProcess;
  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'slipway-upload-'));
    proc = await startGatewayProcess({ SLIPWAY_DATA_DIR: dataDir, SLIPWAY_ADMIN_TOKEN: TOKEN });
  });
  afterAll(async () => {
    await proc?.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  const upload = async (mib: number) => {
    const { body, type } = streamedForm(mib);
    // Chunked (no Content-Length): nothing tells the gateway the size in advance.
    const res = await fetch(`${proc.url}/api/deployments`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': type },
      body,
      duplex: 'half',
    } as RequestInit);
    return { status: res.status, body: await res.json() };
  };

  it('streams 480 MiB to disk with memory that does not grow with it, and leaves no file', async () => {
    // A first small upload, so that what a first publish loads is loaded before measuring.
    expect((await upload(1)).status).toBe(422);
    await writeFile(`/proc/${proc.pid}/clear_refs`, '5');
    const before = await statusKb(proc.pid, 'VmHWM');

    const { status, body } = await upload(UPLOAD_MIB);
    // Received whole, hashed, then refused: these bytes are no model format.
    expect(status, JSON.stringify(body)).toBe(422);
    expect(body.error.code).toBe('unknown_format');

    const growthMib = ((await statusKb(proc.pid, 'VmHWM')) - before) / 1024;
    expect(growthMib).toBeLessThan(MAX_GROWTH_MIB);
    // The refused upload's temporary file is gone.
    expect(await readdir(join(dataDir, 'artifacts'))).toEqual([]);
  }, 300_000);
});
