import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sharedTestDatabase } from './support/databases.js';
import {
  publishForm,
  startTestGateway,
  toyModel,
  type TestGateway,
} from './support/test-gateway.js';

const toy = toyModel;

const database = sharedTestDatabase();
let gw: TestGateway;
beforeEach(async () => {
  gw = await startTestGateway({ database: database() });
});
afterEach(async () => {
  await gw.stop();
});

async function publish(fields: Record<string, string>, file = toy()) {
  return gw.admin('/api/deployments', { method: 'POST', body: publishForm(fields, file) });
}

async function versions(name: string): Promise<number[]> {
  const detail = await (await gw.admin(`/api/deployments/${name}`)).json();
  return detail.versions.map((v: { version: number }) => v.version);
}

describe('publishing a new version with another signature', () => {
  it('refuses inputs that break callers with 409 naming every difference and the flag', async () => {
    expect((await publish({ name: 'sum' })).status).toBe(201);
    const res = await publish({ name: 'sum' }, toy({ inputs: ['x', 'b'] }));
    expect(res.status).toBe(409);
    const { error } = await res.json();
    expect(error.code).toBe('signature_changed');
    expect(error.message).toContain('sum v1 (toy)');
    expect(error.message).toContain('input a is gone');
    expect(error.message).toContain('input x is new');
    expect(error.message).toContain('allowSignatureChange=true');
    expect(await versions('sum')).toEqual([1]);
  });

  it('leaves nothing of the refused upload behind, and v1 still answers', async () => {
    const first = await (await publish({ name: 'sum' })).json();
    const stored = await readdir(join(gw.dataDir, 'artifacts'));
    const res = await publish({ name: 'sum' }, toy({ inputs: ['x', 'y'] }));
    expect(res.status).toBe(409);
    expect(await readdir(join(gw.dataDir, 'artifacts'))).toEqual(stored);
    const call = await gw.app.request('/fn/sum', {
      method: 'POST',
      headers: { authorization: `Bearer ${first.invokeKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ a: 1, b: 2 }),
    });
    expect(call.status).toBe(200);
    expect(await call.json()).toMatchObject({ prediction: 3, version: 1 });
  });

  it('publishes it as the next version with allowSignatureChange=true', async () => {
    await publish({ name: 'sum' });
    const res = await publish(
      { name: 'sum', allowSignatureChange: 'true' },
      toy({ inputs: ['x', 'y'] }),
    );
    expect(res.status).toBe(201);
    const d = await res.json();
    expect(d.version).toBe(2);
    expect(d.signature.inputs.map((f: { name: string }) => f.name)).toEqual(['x', 'y']);
  });

  it('needs no flag for the same signature or a new optional input', async () => {
    await publish({ name: 'sum' });
    expect((await publish({ name: 'sum' }, toy({ delayMs: 1 }))).status).toBe(201);
    expect((await publish({ name: 'sum' }, toy({ optional: ['c'] }))).status).toBe(201);
    expect(await versions('sum')).toEqual([3, 2, 1]);
  });

  it('needs no flag for the first version', async () => {
    expect((await publish({ name: 'xy' }, toy({ inputs: ['x', 'y'] }))).status).toBe(201);
  });

  it('refuses an allowSignatureChange that is not true or false with 400', async () => {
    const res = await publish({ name: 'sum', allowSignatureChange: 'yes' });
    expect(res.status).toBe(400);
    expect((await res.json()).error.field).toBe('allowSignatureChange');
  });
});

describe('checking a file before publishing it (dryRun=true)', () => {
  it('answers the signature a new name would get, and stores nothing', async () => {
    const res = await publish({ name: 'fresh', dryRun: 'true' }, toy({ optional: ['c'] }));
    expect(res.status).toBe(200);
    const check = await res.json();
    expect(check).toMatchObject({
      name: 'fresh',
      format: 'toy',
      existing: null,
      breakingChanges: [],
    });
    expect(check.signature.inputs.map((f: { name: string }) => f.name)).toEqual(['a', 'b', 'c']);
    expect((await gw.admin('/api/deployments/fresh')).status).toBe(404);
    expect(await readdir(join(gw.dataDir, 'artifacts'))).toEqual([]);
  });

  it('says what the name holds and what the file would break, and publishes nothing', async () => {
    await publish({ name: 'sum' });
    const stored = await readdir(join(gw.dataDir, 'artifacts'));
    const res = await publish({ name: 'sum', dryRun: 'true' }, toy({ inputs: ['x', 'b'] }));
    expect(res.status).toBe(200);
    const check = await res.json();
    expect(check.existing).toMatchObject({ version: 1, format: 'toy' });
    expect(check.existing.signature.inputs.map((f: { name: string }) => f.name)).toEqual([
      'a',
      'b',
    ]);
    expect(check.breakingChanges).toEqual(
      expect.arrayContaining([expect.stringContaining('input a is gone')]),
    );
    expect(await versions('sum')).toEqual([1]);
    expect(await readdir(join(gw.dataDir, 'artifacts'))).toEqual(stored);
  });

  it('refuses what a publish would refuse, naming the field', async () => {
    const res = await publish({ name: 'sum', dryRun: 'maybe' });
    expect(res.status).toBe(400);
    expect((await res.json()).error.message).toBe('dryRun: expected true or false');
    const bad = await publish(
      { name: 'sum', dryRun: 'true' },
      { bytes: 'not a model', filename: 'x.bin' },
    );
    expect(bad.status).toBe(422);
  });
});
