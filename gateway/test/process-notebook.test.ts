import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { startGatewayProcess, type GatewayProcess } from './support/gateway-process.js';
import { testPython } from './support/python.js';
import { publishForm } from './support/test-gateway.js';

const python = await testPython();
const gatewayDir = fileURLToPath(new URL('..', import.meta.url));

describe.skipIf(!python)('the gateway process serving a notebook', () => {
  let proc: GatewayProcess | undefined;
  let dataDir: string | undefined;
  afterEach(async () => {
    await proc?.stop();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it('works with a relative data dir (the default .slipway is relative)', async () => {
    dataDir = await mkdtemp(join(gatewayDir, '.slipway-test-'));
    proc = await startGatewayProcess({
      SLIPWAY_DATA_DIR: relative(gatewayDir, dataDir),
      SLIPWAY_PYTHON: python!,
    });
    const admin = (await readFile(join(dataDir, 'admin-token'), 'utf8')).trim();
    const nb = await readFile(new URL('./fixtures/notebooks/trivial.ipynb', import.meta.url));
    const res = await fetch(`${proc.url}/api/deployments`, {
      method: 'POST',
      headers: { authorization: `Bearer ${admin}` },
      body: publishForm({ name: 'trivial' }, { bytes: nb, filename: 'trivial.ipynb' }),
    });
    const created = await res.json();
    expect(res.status, JSON.stringify(created)).toBe(201);
    const call = await fetch(`${proc.url}/fn/trivial?x=41`, {
      method: 'POST',
      headers: { authorization: `Bearer ${created.invokeKey}` },
    });
    expect(call.status, await call.clone().text()).toBe(200);
    expect((await call.json()).outputs).toEqual([42]);
  });
});
